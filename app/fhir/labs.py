"""Observation (category laboratory) from our lab-result read shape."""

from typing import Any

from app.catalog import LabTest, lab_tests
from app.fhir.codes import LOINC, SNOMED, SNOMED_QUALITATIVE, UCUM_SPELLINGS
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


def lab_observation(lab: Record, config: FhirConfig, *, corrected: bool = False) -> Resource:
    """A lab result as an Observation: LOINC code, UCUM quantity or SNOMED CT qualitative
    value, comparator, reference range, identifier. Status `final`; `corrected` when the
    caller says the current version is a correction; `entered-in-error` when it is one."""
    test = lab_tests().get(lab["test"])
    name = test.name if test else lab["test"]
    resource: Resource = {
        "resourceType": "Observation",
        "id": str(lab["id"]),
        "meta": meta(lab),
        "status": _status(lab, corrected),
        "category": category("laboratory", "Laboratory"),
        # No LOINC display: the catalogue's short names are not LOINC's display strings.
        "code": concept(
            coding(LOINC, lab["loinc"]),
            coding(config.code_system("lab-test"), lab["test"]),
            text=name,
        ),
        "subject": reference("Patient", lab["patient_id"]),
        "effectiveDateTime": instant(lab["collected_at"]),
    }
    if lab.get("value_text"):
        resource["valueCodeableConcept"] = qualitative_concept(lab["value_text"], config)
    elif lab.get("value") is not None:
        ucum = ucum_code(lab["unit"], test)
        value = quantity(lab["value"], ucum, lab["unit"], lab.get("comparator"))
        resource["valueQuantity"] = value
        resource.update(_reference_range(lab.get("reference_range"), ucum, lab["unit"]))
    return with_optional(resource, identifier=identifiers(lab, config))


def _status(lab: Record, corrected: bool) -> str:
    if in_error(lab):
        return "entered-in-error"
    return "corrected" if corrected else "final"


def qualitative_concept(value_text: str, config: FhirConfig) -> dict[str, Any]:
    """negative / positive as SNOMED CT qualifier values; anything else (borderline) ours."""
    if value_text in SNOMED_QUALITATIVE:
        found = coding(SNOMED, *SNOMED_QUALITATIVE[value_text])
    else:
        found = coding(config.code_system("qualitative-result"), value_text, value_text.title())
    return concept(found, text=value_text)


def ucum_code(unit: str, test: LabTest | None) -> str:
    """The UCUM code of a unit the catalogue accepted: its catalogue spelling (units were
    matched ignoring case), then the UCUM form of a non-UCUM spelling (`IU/mL`)."""
    if test is not None and unit not in test.units:
        unit = next((u for u in test.units if u.casefold() == unit.casefold()), unit)
    return UCUM_SPELLINGS.get(unit, unit)


def _reference_range(found: Record | None, ucum: str, unit: str) -> dict[str, Any]:
    bounds = {
        key: quantity(found[key], ucum, unit)
        for key in ("low", "high")
        if found and found.get(key) is not None
    }
    return {"referenceRange": [bounds]} if bounds else {}
