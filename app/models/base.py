"""Declarative base, naming convention and the columns every record shares."""

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, Index, MetaData, String, Uuid, false, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator
from uuid_utils.compat import uuid7

# Named constraints from day one: Alembic can then drop and alter them by name on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; gives back tz-aware UTC values on SQLite too (it keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: timestamps must carry an offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """None on asyncpg: it gives every timestamptz as an aware UTC datetime already,
        whatever the session's time zone, so nothing is done per value (a long history's
        status reads a thousand of them)."""
        if dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A new row's id: a UUIDv7 (RFC 9562), whose first 48 bits are the time in ms, then a
    counter (ids of one ms stay in order), then random bits. A table's new rows land
    together at one end of its primary key's index, instead of each on a random page of it:
    fewer pages written (after each checkpoint, a page's first change copies it whole into
    the WAL) and a hot end that stays in memory."""
    return uuid7()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class RecordMixin:
    """id, optimistic version, timestamps and the entered-in-error mark of every resource."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )
    entered_in_error: Mapped[bool] = mapped_column(default=False, server_default=false())

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # UPDATE ... WHERE version = :old makes every write a compare-and-set.
        return {"version_id_col": cls.version}


class Record(RecordMixin, Base):
    """Base of every resource table (abstract: no table of its own)."""

    __abstract__ = True


class IdText(TypeDecorator[str]):
    """Reads a UUID key straight to its text form, without building uuid.UUID objects.

    For hot read paths that only pass ids along (the rules' inputs): SQLite keeps 32 hex
    digits, asyncpg gives its own UUID type; both become the canonical dashed text.
    """

    impl = String(36)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and len(value) == 32:
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return str(value)


def live_external_id_index(table: str) -> Index:
    """The sender's id of a record (an EHR's order or encounter id), unique per patient among
    the records not entered in error: one entered in error by mistake can be sent again. A
    partial unique index, written alike for both databases."""
    live = text("entered_in_error = false")
    return Index(
        f"uq_{table}_patient_id_external_id_live",
        "patient_id",
        "external_id",
        unique=True,
        postgresql_where=live,
        sqlite_where=live,
    )
