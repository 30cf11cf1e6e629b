"""A posted lab Observation -> our lab-result create body. Unmappable codes are refused."""

from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.observation import Observation, ObservationReferenceRange
from fhir.resources.R4B.quantity import Quantity

from app.catalog import LabTest, lab_tests_by_loinc
from app.fhir.codes import COMPARATORS, LOINC, QUALITATIVE_BY_SNOMED, SNOMED
from app.fhir.config import FhirConfig
from app.fhir.errors import MappingError
from app.fhir.parsing import (
    Inbound,
    external_id,
    moment,
    reference_to,
    ucum_quantity,
    validated,
)

# A lab result is stored once it is final; a correction of it is sent as corrected/amended.
ACCEPTED_STATUSES = frozenset({"final", "amended", "corrected"})
OTHER_VALUES = (
    "valueString",
    "valueBoolean",
    "valueInteger",
    "valueRange",
    "valueRatio",
    "valueSampledData",
    "valueTime",
    "valueDateTime",
    "valuePeriod",
)


def lab_result_from_fhir(data: object, config: FhirConfig) -> Inbound:
    """Observation -> lab-result body: LOINC (the catalogue's codes, aliases included),
    UCUM valueQuantity with comparator and reference range, or a SNOMED CT qualitative
    value; effectiveDateTime with an offset; identifier -> external_id."""
    observation = validated(Observation, data)
    if observation.status not in ACCEPTED_STATUSES:
        message = "only final results are stored (final, amended or corrected)"
        raise MappingError("Observation.status", message, code="value")
    test, loinc = _test(observation)
    body: dict[str, Any] = {"loinc": loinc, "collected_at": _collected_at(observation)}
    body.update(_value(observation, test, config))
    sender_id = external_id(observation.identifier, "Observation.identifier", config)
    if sender_id:
        body["external_id"] = sender_id
    patient = reference_to(observation.subject, "Observation.subject", "Patient", config)
    return Inbound("Observation", body, patient=patient)


def _test(observation: Observation) -> tuple[LabTest, str]:
    """The catalogue test named by the LOINC codings; codings naming two tests are refused."""
    loinc = [(i, c.code) for i, c in enumerate(observation.code.coding or []) if c.system == LOINC]
    if not loinc:
        message = f"a LOINC coding (system {LOINC}) is required"
        raise MappingError("Observation.code.coding", message, code="required")
    catalogue = lab_tests_by_loinc()
    known = [(code, catalogue[code]) for _, code in loinc if code in catalogue]
    if not known:
        index, code = loinc[0]
        message = f"LOINC {code} is not a test of the catalogue"
        raise MappingError(f"Observation.code.coding[{index}].code", message)
    if len({test.key for _, test in known}) > 1:
        message = "the LOINC codings name different tests"
        raise MappingError("Observation.code.coding", message, code="value")
    code, test = known[0]
    return test, code


def _collected_at(observation: Observation) -> str:
    if observation.effectiveInstant is not None:
        return moment(observation.effectiveInstant, "Observation.effectiveInstant")
    return moment(observation.effectiveDateTime, "Observation.effectiveDateTime")


def _value(observation: Observation, test: LabTest, config: FhirConfig) -> dict[str, Any]:
    if any(getattr(observation, name) is not None for name in OTHER_VALUES):
        message = "send valueQuantity (numeric) or valueCodeableConcept (qualitative)"
        raise MappingError("Observation.value[x]", message, code="not-supported")
    ranges = [r for r in observation.referenceRange or [] if r.low or r.high]
    if observation.valueQuantity is not None:
        return _numeric(observation.valueQuantity, ranges, test)
    if observation.valueCodeableConcept is not None:
        if ranges:
            message = "a qualitative result carries no reference range"
            raise MappingError("Observation.referenceRange", message, code="value")
        return {"value_text": _qualitative(observation.valueCodeableConcept, test, config)}
    raise MappingError("Observation.value[x]", "a result value is required", code="required")


def _numeric(
    value: Quantity, ranges: Sequence[ObservationReferenceRange], test: LabTest
) -> dict[str, Any]:
    number, unit, comparator = ucum_quantity(value, "Observation.valueQuantity")
    if unit not in test.units:
        accepted = ", ".join(test.units)
        message = f"unit {unit} is not accepted for {test.key}; accepted: {accepted}"
        raise MappingError("Observation.valueQuantity.code", message)
    if comparator is not None and comparator not in COMPARATORS:
        message = "comparator must be one of <, <=, >, >="
        raise MappingError("Observation.valueQuantity.comparator", message, code="value")
    body: dict[str, Any] = {"value": number, "unit": unit}
    if comparator:
        body["comparator"] = comparator
    if ranges:
        body["reference_range"] = _reference_range(ranges, unit)
    return body


def _reference_range(
    ranges: Sequence[ObservationReferenceRange], unit: str
) -> dict[str, int | float | None]:
    """The one numeric range (ranges with text only are left aside), in the result's unit."""
    if len(ranges) > 1:
        message = "send at most one reference range with low or high"
        raise MappingError("Observation.referenceRange", message, code="not-supported")
    bounds: dict[str, int | float | None] = {"low": None, "high": None}
    for key in bounds:
        bound = getattr(ranges[0], key)
        if bound is None:
            continue
        expression = f"Observation.referenceRange[0].{key}"
        number, bound_unit, _ = ucum_quantity(bound, expression)
        if bound_unit != unit:
            raise MappingError(f"{expression}.code", "must be in the result's unit", code="value")
        bounds[key] = number
    return bounds


def _qualitative(value: CodeableConcept, test: LabTest, config: FhirConfig) -> str:
    """negative / positive from SNOMED CT, borderline (and the others) from our system."""
    expression = "Observation.valueCodeableConcept"
    if not test.qualitative:
        raise MappingError(expression, f"{test.key} takes a numeric valueQuantity", code="value")
    ours = config.code_system("qualitative-result")
    systems = {SNOMED: QUALITATIVE_BY_SNOMED, ours: {v: v for v in test.qualitative_values}}
    named = {systems[c.system].get(c.code or "") for c in value.coding or [] if c.system in systems}
    found = {v for v in named if v is not None and v in test.qualitative_values}
    if len(found) != 1:
        message = (
            "expected one coding: SNOMED CT 260385009 (negative) or 10828004 (positive), "
            f"or {ours} borderline"
        )
        raise MappingError(f"{expression}.coding", message)
    return found.pop()
