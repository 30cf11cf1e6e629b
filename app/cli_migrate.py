"""Running Alembic from the service (CLI, tests) with the service's own settings."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from app.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def alembic_config(settings: Settings) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["settings"] = settings
    config.attributes["configure_logging"] = False
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str = "base") -> None:
    command.downgrade(alembic_config(settings), revision)


def check(settings: Settings) -> None:
    """Raises when the models and the migrations disagree."""
    command.check(alembic_config(settings))
