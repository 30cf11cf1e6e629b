"""Ids of FHIR resources. Records keep their UUID; resources derived from a record or a
patient get `{uuid}-{suffix}` (FHIR ids: `[A-Za-z0-9.-]`, at most 64 characters)."""

import re
import uuid
from collections.abc import Mapping

FLAG_NAMES = ("refractory", "steroid_dependent", "remission")
EVIDENCE_SUFFIX = "evidence"

# Assessment fields with an Observation each, by the id suffix of that Observation.
ASSESSMENT_ITEMS: Mapping[str, str] = {
    "tender-joints-28": "tender_joints_28",
    "swollen-joints-28": "swollen_joints_28",
    "patient-global": "patient_global",
    "evaluator-global": "evaluator_global",
    "power-doppler": "power_doppler",
    "weight": "weight_kg",
    "height": "height_cm",
}
ITEM_BY_FIELD = {field: item for item, field in ASSESSMENT_ITEMS.items()}

_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_DERIVED = re.compile(rf"^({_UUID})-([a-z0-9-]+)$")


def flag_slug(flag: str) -> str:
    """`steroid_dependent` -> `steroid-dependent` (an underscore is not allowed in an id)."""
    return flag.replace("_", "-")


def flag_id(patient_id: object, flag: str) -> str:
    return f"{patient_id}-{flag_slug(flag)}"


def evidence_id(patient_id: object, flag: str) -> str:
    return f"{patient_id}-{flag_slug(flag)}-{EVIDENCE_SUFFIX}"


def item_id(assessment_id: object, field: str) -> str:
    """Id of the Observation of one assessment field, e.g. `{id}-tender-joints-28`."""
    return f"{assessment_id}-{ITEM_BY_FIELD[field]}"


def condition_id(patient_id: object, index: int) -> str:
    """Id of the Condition of a patient's `index`-th diagnosis (0-based), `{id}-condition-1`."""
    return f"{patient_id}-condition-{index + 1}"


def record_id(fhir_id: str) -> str | None:
    """Our record id when `fhir_id` is a plain UUID (canonical lower case), else None."""
    try:
        parsed = uuid.UUID(fhir_id)
    except ValueError:
        return None
    return str(parsed) if str(parsed) == fhir_id.lower() else None


def split_derived(fhir_id: str) -> tuple[str, str] | None:
    """(record or patient UUID, suffix) of a derived id, else None."""
    match = _DERIVED.match(fhir_id)
    return (match.group(1).lower(), match.group(2)) if match else None


def assessment_item(fhir_id: str) -> tuple[str, str] | None:
    """(assessment id, field) of an assessment item Observation id, else None."""
    parts = split_derived(fhir_id)
    if parts is None or parts[1] not in ASSESSMENT_ITEMS:
        return None
    return parts[0], ASSESSMENT_ITEMS[parts[1]]


def flag_of(fhir_id: str, *, evidence: bool = False) -> tuple[str, str] | None:
    """(patient id, flag name) of a Flag id, or of a DetectedIssue id with `evidence`."""
    parts = split_derived(fhir_id)
    if parts is None:
        return None
    suffix = parts[1].removesuffix(f"-{EVIDENCE_SUFFIX}") if evidence else parts[1]
    if evidence and suffix == parts[1]:
        return None
    names = {flag_slug(name): name for name in FLAG_NAMES}
    return (parts[0], names[suffix]) if suffix in names else None


def condition_index(fhir_id: str) -> tuple[str, int] | None:
    """(patient id, 0-based diagnosis index) of a Condition id, else None."""
    parts = split_derived(fhir_id)
    if parts is None or not re.fullmatch(r"condition-[1-9][0-9]{0,2}", parts[1]):
        return None
    return parts[0], int(parts[1].removeprefix("condition-")) - 1
