"""Service settings: every knob is an environment variable with the ``TR_`` prefix."""

from datetime import date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.rules import RuleSettings

DEFAULT_SQLITE = "sqlite:///var/treatment-records.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TR_", env_file=None, extra="ignore", env_nested_delimiter="__"
    )

    database_url: str = Field(DEFAULT_SQLITE, description="sqlite:///path or postgresql://...")
    jwt_secret: str | None = Field(None, description="HS256 shared secret")
    jwt_public_key: str | None = Field(None, description="PEM public key (RS/ES/PS/EdDSA)")
    jwks_url: str | None = Field(None, description="identity provider JWKS document URL")
    jwt_issuer: str | None = Field(None, description="required `iss` when set")
    jwt_audience: str | None = Field(None, description="required `aud` when set")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    db_pool_size: int = Field(10, ge=1)
    db_timeout_seconds: float = Field(10.0, gt=0)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(1, ge=1)
    rules: RuleSettings = Field(
        default_factory=RuleSettings,
        description="every clinical threshold and window, e.g. TR_RULES__REMISSION_WINDOW_DAYS",
    )
    idempotency_retention_hours: int = Field(
        24, ge=1, description="how long an Idempotency-Key answers with its first response"
    )
    audit_reads_synchronous: bool = Field(
        False,
        description="PostgreSQL: wait for the WAL flush when committing a read's audit event "
        "(off: the event is durable within ~200 ms, a crash can lose the last ones)",
    )
    opentelemetry: bool = Field(
        False, description="FastAPI's native OpenTelemetry (global providers); metrics: /metrics"
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="larger request bodies are refused with 413"
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="browser origins allowed to call the API (JSON list); empty: CORS off",
    )
    public_url: str = Field("http://localhost:8000", description="server URL in openapi.yaml")

    @property
    def async_database_url(self) -> str:
        """The URL with the driver this service uses (ops write plain URLs)."""
        return to_async_url(self.database_url)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.rules.clinical_timezone)

    def today(self) -> date:
        """Today's date in the clinical time zone (the default `as_of` of the rules)."""
        return datetime.now(self.zone).date()

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")


def to_async_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("database URL needs a scheme, e.g. sqlite:///var/db.sqlite")
    base = scheme.split("+", 1)[0].lower()
    if base in ("postgres", "postgresql"):
        return f"postgresql+asyncpg://{rest}"
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    raise ValueError(f"unsupported database scheme {scheme!r}: use sqlite or postgresql")


def sqlite_path(async_url: str) -> Path | None:
    """Filesystem path of a SQLite URL, to create its folder before connecting."""
    if not async_url.startswith("sqlite"):
        return None
    path = async_url.split(":///", 1)[1] if ":///" in async_url else ""
    return Path(path) if path and path != ":memory:" else None
