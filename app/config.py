"""Service settings: every knob is an environment variable with the ``TR_`` prefix."""

import ipaddress
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.rules import RuleSettings

DEFAULT_SQLITE = "sqlite:///var/treatment-records.db"
MIN_SECRET_BYTES = 32  # HS256 keys shorter than the hash output are guessable (RFC 7518 3.2)
ORGANIZATION_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR"],
    BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v),  # people type `warning`
]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TR_", env_file=None, extra="ignore", env_nested_delimiter="__"
    )

    database_url: str = Field(DEFAULT_SQLITE, description="sqlite:///path or postgresql://...")
    database_read_url: str | None = Field(
        None,
        description="postgresql://... of a streaming read replica: reads are served there "
        "(PostgreSQL only; a read sending X-Consistency-Token back goes to the primary "
        "until the replica has replayed past it)",
    )
    jwt_secret: str | None = Field(None, description="HS256 shared secret")
    jwt_public_key: str | None = Field(None, description="PEM public key (RS/ES/PS/EdDSA)")
    jwks_url: str | None = Field(None, description="identity provider JWKS document URL")
    jwt_issuer: str | None = Field(None, description="required `iss` when set")
    jwt_audience: str | None = Field(None, description="required `aud` when set")
    jwt_max_ttl_seconds: int = Field(
        86400, ge=60, description="tokens whose exp - iat is longer are refused"
    )
    jwks_refresh_seconds: float = Field(
        300, gt=0, description="the JWKS is fetched again at least this often"
    )
    jwt_orgs_claim: str = Field("orgs", min_length=1, description="claim naming the organizations")
    tenancy: bool = Field(False, description="on: callers see only their organizations' patients")
    default_organization: str = Field(
        "default",
        pattern=ORGANIZATION_PATTERN,
        description="every patient's organization when tenancy is off",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="peers (IPs or networks, JSON list) whose X-Forwarded-For is believed",
    )
    log_level: LogLevel = "INFO"
    db_pool_size: int = Field(10, ge=1)
    db_timeout_seconds: float = Field(10.0, gt=0)
    db_statement_timeout_seconds: float = Field(
        30.0, gt=0, description="PostgreSQL: a statement running longer is cancelled (503)"
    )
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
    opentelemetry: bool = Field(
        False, description="FastAPI's native OpenTelemetry (global providers); metrics: /metrics"
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="larger request bodies are refused with 413"
    )
    import_batch_lines: int = Field(
        500, ge=1, le=10_000, description="POST /v1/import commits this many lines at a time"
    )
    export_ttl_hours: float = Field(
        24, gt=0, description="FHIR $export jobs and their files are kept this long"
    )
    export_poll_seconds: float = Field(
        1, gt=0, description="how often an idle export worker looks for a waiting job"
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="browser origins allowed to call the API (JSON list); empty: CORS off",
    )
    public_url: str = Field("http://localhost:8000", description="server URL in openapi.yaml")
    # The FHIR face: canonical base of our code systems and extensions (deployment-independent)
    # and the hospital's MRN identifier system.
    fhir_base_url: str = Field(
        "https://treatment-records.example/fhir",
        pattern=r"^https?://\S+[^/]$",
        description="canonical base URL of our FHIR code systems, extensions, naming systems",
    )
    smart_token_endpoint: str | None = Field(
        None,
        pattern=r"^https://\S+$",
        description="the identity provider's token endpoint, named by "
        "/.well-known/smart-configuration (SMART Backend Services)",
    )
    fhir_mrn_system: str = Field(
        "https://treatment-records.example/fhir/NamingSystem/mrn",
        min_length=1,
        description="the identifier system of the MRN in FHIR (Patient.identifier)",
    )
    # Webhooks (subscriptions, the outbox and the delivery worker).
    webhook_retry_base_seconds: float = Field(
        10, gt=0, description="first retry after about this long; doubles per failed attempt"
    )
    webhook_retry_ceiling_seconds: float = Field(
        3600, gt=0, description="the longest wait between two attempts"
    )
    webhook_deadline_hours: float = Field(
        24, gt=0, description="a delivery still failing this long after its event is failed"
    )
    webhook_poll_seconds: float = Field(
        1, gt=0, description="how often an idle worker looks for due deliveries"
    )
    webhook_secret_overlap_hours: float = Field(
        24, ge=0, description="after a rotation, the previous secret also signs this long"
    )
    webhook_allow_private: bool = Field(
        False, description="development: plain http and private or loopback targets"
    )
    webhook_timeout_seconds: float = Field(
        30, gt=0, description="one attempt's whole time (DNS, connect, send, read)"
    )
    webhook_lease_seconds: float = Field(
        120,
        gt=0,
        description="a claimed delivery is another worker's after this long (a worker that "
        "died holding it); longer than webhook_timeout_seconds",
    )
    webhook_batch_size: int = Field(
        32, ge=1, le=1000, description="deliveries one worker claims and sends at once"
    )
    worker_metrics_port: int | None = Field(
        None, ge=1, le=65535, description="the worker serves Prometheus /metrics on this port"
    )
    # HL7 v2 lab results (POST /hl7v2/oru and the MLLP listener); see interop.md.
    hl7_code_map: dict[str, str] = Field(
        default_factory=dict,
        description="senders' local OBX-3 codes -> catalogue test key or LOINC (JSON object)",
    )
    hl7_text_map: dict[str, str] | None = Field(
        None,
        description="OBX-5 texts -> negative/positive/borderline (JSON object); "
        "unset: NEG/NEGATIVE/NOT DETECTED and POS/POSITIVE/DETECTED",
    )
    hl7_timezone: str | None = Field(
        None, description="zone of HL7 timestamps sent without an offset; unset: the clinical one"
    )
    hl7_mrn_authority: str | None = Field(
        None, description="PID-3 assigning authority (CX-4) whose identifier is the MRN"
    )
    mllp_host: str = Field("127.0.0.1", description="`python -m app mllp` listens here")
    mllp_port: int = Field(2575, ge=0, le=65535, description="`python -m app mllp` port")
    mllp_sub: str = Field(
        "mllp", min_length=1, description="the MLLP senders' identity in the audit trail"
    )
    mllp_orgs: list[str] | None = Field(
        None,
        description="organizations the MLLP listener stores into (JSON list; '*' all); "
        "required when tenancy is on",
    )

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> "Settings":
        # A claim must not expire while its attempt may still be running, or a second
        # worker could send the same attempt again.
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError("webhook_lease_seconds must exceed webhook_timeout_seconds")
        return self

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the bad entry
        return value

    def serving_problems(self) -> list[str]:
        """Configuration the service refuses to serve with (checked at start-up, not at
        construction, so tools such as `python -m app openapi` run with any settings)."""
        problems = []
        if self.jwt_secret is not None and len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            problems.append(f"TR_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        asymmetric = self.jwt_secret is None and (self.jwt_public_key or self.jwks_url)
        if asymmetric and not (self.jwt_issuer and self.jwt_audience):
            problems.append(
                "TR_JWT_ISSUER and TR_JWT_AUDIENCE are required with TR_JWT_PUBLIC_KEY or "
                "TR_JWKS_URL (tokens the provider mints for other applications must not pass)"
            )
        if self.database_read_url and (
            self.is_sqlite or not to_async_url(self.database_read_url).startswith("postgresql")
        ):
            problems.append(
                "TR_DATABASE_READ_URL needs PostgreSQL (a streaming replica of "
                "TR_DATABASE_URL's primary); SQLite has no read replicas: unset it"
            )
        return problems

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
