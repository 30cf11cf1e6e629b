"""OperationOutcome: the FHIR error body, built for every error kind the face answers."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Issue types (http://hl7.org/fhir/issue-type) for the HTTP statuses the service answers.
ISSUE_CODE_BY_STATUS = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    410: "deleted",
    412: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "business-rule",
    429: "throttled",
    500: "exception",
    503: "transient",
}

# Where each field of our create bodies lives in the FHIR resource it was mapped from, so a
# refusal by the /v1 service (RFC 9457 `errors[].loc`) names the element the client sent.
FIELD_PATHS: Mapping[str, Mapping[str, str]] = {
    "Observation": {
        "test": "Observation.code",
        "loinc": "Observation.code",
        "value": "Observation.valueQuantity.value",
        "unit": "Observation.valueQuantity.code",
        "comparator": "Observation.valueQuantity.comparator",
        "value_text": "Observation.valueCodeableConcept",
        "reference_range": "Observation.referenceRange[0]",
        "collected_at": "Observation.effectiveDateTime",
        "external_id": "Observation.identifier",
    },
    "MedicationAdministration": {
        "administered_at": "MedicationAdministration.effectiveDateTime",
        "dose_mg": "MedicationAdministration.dosage.dose.value",
        "weight_kg": "MedicationAdministration.supportingInformation",
        "status": "MedicationAdministration.status",
        "external_id": "MedicationAdministration.identifier",
        "regimen_id": "MedicationAdministration.request",
    },
    "Patient": {
        "mrn": "Patient.identifier",
        "sex": "Patient.gender",
        "birth_date": "Patient.birthDate",
        "given_name": "Patient.name[0].given",
        "family_name": "Patient.name[0].family",
        "organization": "Patient.managingOrganization",
    },
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One OperationOutcome.issue: an issue-type code, a message, the elements it concerns."""

    code: str
    diagnostics: str
    expression: tuple[str, ...] = ()
    severity: str = "error"

    def as_fhir(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = list(self.expression)
        return issue


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """An OperationOutcome resource with these issues (at least one)."""
    listed = [issue.as_fhir() for issue in issues]
    if not listed:
        raise ValueError("an OperationOutcome needs at least one issue")
    return {"resourceType": "OperationOutcome", "issue": listed}


def issue_code(status: int) -> str:
    """The issue type for an HTTP status: the table above, else by class (4xx invalid)."""
    return ISSUE_CODE_BY_STATUS.get(status, "invalid" if status < 500 else "exception")


def outcome_for_status(
    status: int, diagnostics: str, expression: Sequence[str] = ()
) -> dict[str, Any]:
    """The OperationOutcome of an error answered with `status` (404, 410, 412, 503, ...)."""
    return operation_outcome([Issue(issue_code(status), diagnostics, tuple(expression))])


def expression_for(resource_type: str, loc: Sequence[str | int]) -> str:
    """The FHIR element behind a /v1 validation location such as ["body", "unit"]."""
    fields = [part for part in loc if part != "body"]
    paths = FIELD_PATHS.get(resource_type, {})
    if fields and isinstance(fields[0], str) and fields[0] in paths:
        return paths[fields[0]]
    return resource_type


def outcome_from_problem(problem: Mapping[str, Any], resource_type: str) -> dict[str, Any]:
    """Our RFC 9457 problem (status, title, detail, errors) as an OperationOutcome whose
    expressions name the FHIR elements of `resource_type` the fields were mapped from."""
    status = int(problem.get("status", 500))
    code = issue_code(status)
    detail = str(problem.get("detail") or problem.get("title") or "request refused")
    errors = problem.get("errors") or []
    issues = [
        Issue(code, str(error.get("msg", detail)), (expression_for(resource_type, error["loc"]),))
        for error in errors
        if error.get("loc")
    ]
    return operation_outcome(issues or [Issue(code, detail)])
