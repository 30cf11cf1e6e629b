"""Typed errors of the FHIR face: each carries its HTTP status and OperationOutcome issues.

Messages name elements and codes, never a patient's values or identifiers.
"""

from typing import Any, ClassVar, Self

from pydantic import ValidationError

from app.fhir.outcome import Issue, operation_outcome


class FhirError(Exception):
    """Base: answered with `status` and `outcome()`."""

    status: ClassVar[int] = 400
    issue_code: ClassVar[str] = "invalid"

    def __init__(self, expression: str | None, diagnostics: str, *, code: str | None = None):
        super().__init__(diagnostics)
        where = (expression,) if expression else ()
        self.issues: tuple[Issue, ...] = (Issue(code or self.issue_code, diagnostics, where),)

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issues)

    def relocated(self, resource_type: str, prefix: str) -> Self:
        """The same error with `{resource_type}.x` expressions rewritten as `{prefix}.x`
        (an entry of a transaction Bundle: `Bundle.entry[2].resource.x`)."""
        moved = [
            Issue(
                i.code, i.diagnostics, tuple(_move(e, resource_type, prefix) for e in i.expression)
            )
            for i in self.issues
        ]
        copy = type(self)(None, str(self))
        copy.issues = tuple(moved)
        return copy


def _move(expression: str, resource_type: str, prefix: str) -> str:
    if expression == resource_type:
        return prefix
    if expression.startswith(resource_type + "."):
        return prefix + expression[len(resource_type) :]
    return expression


class InvalidRequest(FhirError):
    """The request itself is wrong: a search parameter, a header, a Bundle's structure."""


class InvalidResource(FhirError):
    """The body is not a valid FHIR R4 resource of the expected type."""

    issue_code = "structure"

    @classmethod
    def from_validation(cls, error: ValidationError, resource_type: str) -> Self:
        """One issue per validation error. Only pydantic's message is kept: its `input`
        (the value sent, possibly patient data) never reaches the outcome."""
        issues = tuple(_issue(detail, resource_type) for detail in error.errors())
        invalid = cls(None, f"not a valid FHIR R4 {resource_type}")
        invalid.issues = issues
        return invalid


def _issue(detail: Any, resource_type: str) -> Issue:
    message = str(detail["msg"]).removeprefix("Value error, ")
    return Issue("structure", message, (fhir_path(resource_type, tuple(detail["loc"])),))


def fhir_path(resource_type: str, loc: tuple[str | int, ...]) -> str:
    """("code", "coding", 0, "code") -> "Observation.code.coding[0].code"."""
    path = resource_type
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


class MappingError(FhirError):
    """Valid FHIR that does not map onto our records: an unknown code, a unit we do not
    accept, a missing element we need. Refused, never guessed (422)."""

    status = 422
    issue_code = "code-invalid"
