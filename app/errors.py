"""Domain errors: services raise these, one handler turns them into problem+json."""

from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(DomainError):
    """A request the service cannot even read (e.g. a body nested too deeply to parse)."""


class Forbidden(DomainError):
    """The caller is known but may not do this (a scope or an organization it lacks)."""

    status = 403
    title = "Forbidden"


class ContentTooLarge(DomainError):
    status = 413
    title = "Content too large"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"


class Unprocessable(DomainError):
    """A well-formed request that breaks a clinical or cross-record rule."""

    status = 422
    title = "Unprocessable content"

    def __init__(self, detail: str, *, loc: tuple[str | int, ...] = (), **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.loc = loc


class InvalidCursor(DomainError):
    """A paging cursor this service did not issue (or one altered on the way back)."""

    status = 422
    title = "Unprocessable content"


class Unavailable(DomainError):
    """The database did not admit the request in time (busy): worth a retry."""

    status = 503
    title = "Service unavailable"


# Lock timeout, serialization failure, deadlock, statement cancelled, server shutting down.
TRANSIENT_SQLSTATES = frozenset({"55P03", "40001", "40P01", "57014", "57P01", "57P03"})


def is_transient(exc: BaseException) -> bool:
    """Worth a retry: the database unreachable, busy or timing out, not a bad statement."""
    if isinstance(exc, OSError | PoolTimeout | OperationalError | InterfaceError | Unavailable):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return exc.connection_invalidated or code in TRANSIENT_SQLSTATES
    return False
