"""Organizations (TR_TENANCY, api-contract.md "Organizations"): whose patients a caller sees,
and which organization a patient it registers or moves may be in.

Tenancy off: every patient is in TR_DEFAULT_ORGANIZATION and every caller sees every patient.
Tenancy on: a caller sees the patients of the organizations its token names (`["*"]`: the
whole group); a token naming none is refused at the door (403) and sees nothing here.
`admin` does not cross organizations: only `*` does.
"""

from app.config import Settings
from app.errors import Forbidden, Unprocessable
from app.repositories.scope import Scope
from app.security import ALL_ORGANIZATIONS, Principal

LOC = ("body", "organization")


def scope_of(caller: Principal, settings: Settings) -> Scope:
    """The one Scope a unit of work gives its repositories, from its caller."""
    if not settings.tenancy:
        return Scope.everything()
    organizations = caller.organizations
    if organizations is None:
        return Scope.within(frozenset())
    if ALL_ORGANIZATIONS in organizations:
        return Scope.everything()
    return Scope.within(organizations)


def admits(caller: Principal, settings: Settings) -> bool:
    """Whether the caller may use the API at all: under tenancy its token names organizations
    (an empty list names none)."""
    return not settings.tenancy or bool(caller.organizations)


def for_new_patient(caller: Principal, settings: Settings, requested: str | None) -> str:
    """The organization of a patient this caller registers: the one it asked for, else its
    only organization; required when it has several (or the whole group)."""
    if requested is None:
        only = _only_organization(caller, settings)
        if only is None:
            raise Unprocessable(
                "organization is required: the caller belongs to several organizations",
                loc=LOC,
            )
        return only
    _check_assignable(caller, settings, requested)
    return requested


def check_move(caller: Principal, settings: Settings, target: str) -> None:
    """Only an admin moves a patient, and only into one of its own organizations (the patient
    is already in one of them: the caller found it)."""
    if "admin" not in caller.scopes:
        raise Forbidden("changing a patient's organization needs the admin scope")
    _check_assignable(caller, settings, target)


def _only_organization(caller: Principal, settings: Settings) -> str | None:
    if not settings.tenancy:
        return settings.default_organization
    codes = caller.organizations or frozenset()
    if len(codes) == 1 and ALL_ORGANIZATIONS not in codes:
        return next(iter(codes))
    return None


def _check_assignable(caller: Principal, settings: Settings, code: str) -> None:
    if not settings.tenancy:
        if code != settings.default_organization:
            raise Unprocessable(
                f"with tenancy off every patient is in {settings.default_organization!r}",
                loc=LOC,
            )
        return
    codes = caller.organizations or frozenset()
    if ALL_ORGANIZATIONS not in codes and code not in codes:
        raise Unprocessable("organization must be one of the caller's organizations", loc=LOC)
