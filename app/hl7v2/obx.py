"""One OBX (with its OBR) into a lab-result body, a preliminary acknowledgement or an error."""

from dataclasses import dataclass
from typing import Any

import hl7

from app.hl7v2.fields import component, components, repetitions
from app.hl7v2.model import (
    ErrorCode,
    LabResultItem,
    ObxFailure,
    ObxItem,
    ObxRef,
    PreliminaryItem,
)
from app.hl7v2.options import Hl7Options
from app.hl7v2.values import FieldProblem, number, reference_range, structured_numeric, timestamp

STORED_STATUSES = {"F": False, "C": True}  # OBX-11 -> is it a correction
PRELIMINARY = "P"
NUMERIC_TYPES = {"NM", "SN"}
TEXT_TYPES = {"ST", "CE", "CWE"}
PRIMITIVE_TYPES = {"NM", "ST"}  # one component: the rest of a value is never dropped
LOINC_SYSTEM = "LN"


@dataclass(frozen=True, slots=True)
class OrderContext:
    """What an OBX takes from its OBR: OBR-3.1 filler order number, OBR-7 observation time."""

    filler_order_number: str
    observed_at: str


def read_obx(
    segment: hl7.Segment, index: int, order: OrderContext | None, options: Hl7Options
) -> ObxItem:
    """The item for the `index`-th OBX (1-based) of the message."""
    ref = ObxRef(index, component(segment, 1))
    try:
        status = _status(segment)
        if status == PRELIMINARY:
            return PreliminaryItem(ref)
        if order is None:
            raise FieldProblem(None, ErrorCode.SEGMENT_SEQUENCE, "OBX comes before any OBR")
        body = _body(segment, ref, order, options)
    except FieldProblem as problem:
        return ObxFailure(ref, ref.error(problem.code, problem.text, problem.field))
    return LabResultItem(ref, body, correction=STORED_STATUSES[status])


def _status(segment: hl7.Segment) -> str:
    status = component(segment, 11).strip().upper()
    if not status:
        raise FieldProblem(11, ErrorCode.REQUIRED_FIELD_MISSING, "OBX-11 result status is empty")
    if status not in STORED_STATUSES and status != PRELIMINARY:
        raise FieldProblem(
            11, ErrorCode.TABLE_VALUE_NOT_FOUND, "OBX-11 result status is not F, C or P"
        )
    return status


def _body(
    segment: hl7.Segment, ref: ObxRef, order: OrderContext, options: Hl7Options
) -> dict[str, Any]:
    if not ref.set_id:
        raise FieldProblem(1, ErrorCode.REQUIRED_FIELD_MISSING, "OBX-1 set id is empty")
    if not order.filler_order_number:
        raise FieldProblem(
            None, ErrorCode.REQUIRED_FIELD_MISSING, "its OBR has no filler order number (OBR-3)"
        )
    kind, code = _code(segment, options)
    body: dict[str, Any] = {kind: code, **_value(segment, options)}
    body["collected_at"] = _collected_at(segment, order, options)
    body["external_id"] = f"{order.filler_order_number}-{ref.set_id}"
    return body


def _code(segment: hl7.Segment, options: Hl7Options) -> tuple[str, str]:
    """OBX-3: a LOINC code (coding system LN), else the local code through the code map,
    else the LOINC the sender gives as the alternate identifier (CE-4 with CE-6 LN)."""
    code, system = component(segment, 3, 1), component(segment, 3, 3)
    if not code:
        raise FieldProblem(3, ErrorCode.REQUIRED_FIELD_MISSING, "OBX-3 has no code")
    if system == LOINC_SYSTEM:
        return "loinc", code
    mapped = options.target(code)
    if mapped is not None:
        return mapped
    alternate = component(segment, 3, 4)
    if alternate and component(segment, 3, 6) == LOINC_SYSTEM:
        return "loinc", alternate
    raise FieldProblem(
        3,
        ErrorCode.TABLE_VALUE_NOT_FOUND,
        f"OBX-3 local code {code!r} is not LOINC and not in TR_HL7_CODE_MAP",
    )


def _value(segment: hl7.Segment, options: Hl7Options) -> dict[str, Any]:
    value_type = component(segment, 2).strip().upper()
    count = repetitions(segment, 5)
    if count == 0:
        raise FieldProblem(5, ErrorCode.REQUIRED_FIELD_MISSING, "OBX-5 has no value")
    if count > 1:
        raise FieldProblem(5, ErrorCode.DATA_TYPE, "OBX-5 repeats; one value per OBX")
    if value_type in PRIMITIVE_TYPES and len(components(segment, 5)) > 1:
        raise FieldProblem(5, ErrorCode.DATA_TYPE, f"OBX-5 is {value_type} but has components")
    if value_type in NUMERIC_TYPES:
        return _numeric(segment, value_type)
    if value_type in TEXT_TYPES:
        return _qualitative(segment, value_type, options)
    raise FieldProblem(
        2, ErrorCode.DATA_TYPE, f"OBX-2 value type {value_type!r} is not NM, SN, ST, CE or CWE"
    )


def _numeric(segment: hl7.Segment, value_type: str) -> dict[str, Any]:
    if value_type == "NM":
        comparator, value = None, number(component(segment, 5).strip())
    else:
        comparator, value = structured_numeric([c.strip() for c in components(segment, 5)])
    unit = component(segment, 6).strip()
    if not unit:
        raise FieldProblem(6, ErrorCode.REQUIRED_FIELD_MISSING, "OBX-6 has no unit")
    # The unit is kept as sent: whether the test accepts it is the lab-result service's rule.
    body: dict[str, Any] = {"value": value, "unit": unit}
    if comparator is not None:
        body["comparator"] = comparator
    rng = reference_range(component(segment, 7))
    if rng is not None:
        body["reference_range"] = rng
    return body


def _qualitative(segment: hl7.Segment, value_type: str, options: Hl7Options) -> dict[str, Any]:
    """ST: the text; CE/CWE: the identifier, else the text component. OBX-6 and OBX-7 are
    not read: a qualitative result carries neither."""
    candidates = [component(segment, 5)]
    if value_type != "ST":
        candidates.append(component(segment, 5, 2))
    for text in candidates:
        mapped = options.qualitative(text)
        if mapped is not None:
            return {"value_text": mapped}
    raise FieldProblem(5, ErrorCode.TABLE_VALUE_NOT_FOUND, "OBX-5 text is not in TR_HL7_TEXT_MAP")


def _collected_at(segment: hl7.Segment, order: OrderContext, options: Hl7Options) -> str:
    """OBX-14, else OBR-7, as RFC 3339 in UTC."""
    observed, source = component(segment, 14).strip(), "OBX-14"
    if not observed:
        observed, source = order.observed_at, "OBR-7"
    if not observed:
        raise FieldProblem(
            14, ErrorCode.REQUIRED_FIELD_MISSING, "neither OBX-14 nor OBR-7 has the time"
        )
    moment = timestamp(observed, options.timezone, source)
    return moment.isoformat().replace("+00:00", "Z")
