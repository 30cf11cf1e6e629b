"""An assessment as a panel Observation with one member Observation per recorded item."""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from app.fhir.codes import (
    BODY_HEIGHT,
    BODY_HEIGHT_PROFILE,
    BODY_WEIGHT,
    BODY_WEIGHT_PROFILE,
    LOINC,
    SNOMED,
    SNOMED_QUALITATIVE,
)
from app.fhir.config import FhirConfig
from app.fhir.datatypes import (
    Record,
    Resource,
    category,
    coding,
    concept,
    identifiers,
    in_error,
    instant,
    meta,
    quantity,
    reference,
    with_optional,
)
from app.fhir.ids import item_id

PANEL_CODE = ("rheumatology-assessment", "Rheumatology joint assessment")


def _count(value: Any) -> dict[str, Any]:
    return {"valueInteger": int(value)}


def _global(value: Any) -> dict[str, Any]:
    """Our globals are 0-100 mm; the LOINC items are 0-10 scores: mm / 10, exactly."""
    score = Decimal(str(value)) / 10
    return {"valueQuantity": quantity(float(score), "{score}")}


def _doppler(value: Any) -> dict[str, Any]:
    return {"valueCodeableConcept": concept(coding(SNOMED, *SNOMED_QUALITATIVE[value]), text=value)}


class Item(NamedTuple):
    """How one assessment field becomes an Observation: code, category, value element."""

    loinc: str | None  # None: a code of our own `assessment` code system
    text: str
    category: tuple[str, str]
    value: Callable[[Any], dict[str, Any]]
    profile: str | None = None


def _kg(value: Any) -> dict[str, Any]:
    return {"valueQuantity": quantity(value, "kg")}


def _cm(value: Any) -> dict[str, Any]:
    return {"valueQuantity": quantity(value, "cm")}


EXAM = ("exam", "Exam")
VITAL_SIGNS = ("vital-signs", "Vital Signs")
# Keyed by our field names; the derived id suffixes (ids.ASSESSMENT_ITEMS) name the same set.
ITEMS: Mapping[str, Item] = {
    "tender_joints_28": Item("88981-6", "Tender joint count (28 joints)", EXAM, _count),
    "swollen_joints_28": Item("88980-8", "Swollen joint count (28 joints)", EXAM, _count),
    "patient_global": Item("75894-6", "Patient global assessment (0-10)", EXAM, _global),
    "evaluator_global": Item("75846-6", "Evaluator global assessment (0-10)", EXAM, _global),
    "power_doppler": Item(None, "Power Doppler ultrasound synovitis", EXAM, _doppler),
    "weight_kg": Item(BODY_WEIGHT[0], BODY_WEIGHT[1], VITAL_SIGNS, _kg, BODY_WEIGHT_PROFILE),
    "height_cm": Item(BODY_HEIGHT[0], BODY_HEIGHT[1], VITAL_SIGNS, _cm, BODY_HEIGHT_PROFILE),
}


def assessment_observations(assessment: Record, config: FhirConfig) -> list[Resource]:
    """The panel (id = the assessment's id) followed by its items, in ITEMS order."""
    fields = [f for f in ITEMS if assessment.get(f) is not None]
    items = [_item(assessment, field, config) for field in fields]
    code = concept(coding(config.code_system("assessment"), *PANEL_CODE), text=PANEL_CODE[1])
    panel = _observation(assessment, str(assessment["id"]), EXAM, code)
    members = [reference("Observation", item["id"]) for item in items]
    extra = {"hasMember": members, "identifier": identifiers(assessment, config)}
    return [with_optional(panel, **extra), *items]


def assessment_item(assessment: Record, field: str, config: FhirConfig) -> Resource | None:
    """The Observation of one item (read by its derived id); None when not recorded."""
    if field not in ITEMS or assessment.get(field) is None:
        return None
    return _item(assessment, field, config)


def _item(assessment: Record, field: str, config: FhirConfig) -> Resource:
    spec = ITEMS[field]
    if spec.loinc is None:
        code = coding(config.code_system("assessment"), field.replace("_", "-"), spec.text)
    else:
        code = coding(LOINC, spec.loinc)
    resource_id = item_id(assessment["id"], field)
    resource = _observation(assessment, resource_id, spec.category, concept(code, text=spec.text))
    if spec.profile:
        resource["meta"]["profile"] = [spec.profile]
    resource.update(spec.value(assessment[field]))
    return resource


def _observation(
    assessment: Record, resource_id: str, kind: tuple[str, str], code: dict[str, Any]
) -> Resource:
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "meta": meta(assessment),
        "status": "entered-in-error" if in_error(assessment) else "final",
        "category": category(*kind),
        "code": code,
        "subject": reference("Patient", assessment["patient_id"]),
        "effectiveDateTime": instant(assessment["assessed_at"]),
    }
