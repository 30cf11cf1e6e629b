"""Reading POST /v1/import: the streamed body cut into lines, each line into an ImportLine
(its type, whom it is about, and its body validated by the record type's create schema: the
same validation as the single POSTs). A line that cannot be read is refused on its own."""

import json
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, TypeVar

from pydantic import BaseModel, StrictBool, ValidationError

from app.api.problems import validation_errors
from app.errors import BadRequest, DomainError, Unprocessable
from app.schemas.assessment import AssessmentCreate
from app.schemas.common import ExternalId, InputModel
from app.schemas.dose_change import DoseChangeCreate
from app.schemas.infusion import InfusionCreate
from app.schemas.lab_result import LabResultCreate
from app.schemas.patient import Mrn, PatientCreate
from app.schemas.regimen import RegimenCreate
from app.services.bulk_import import KINDS, ImportLine

CREATE: dict[str, type[BaseModel]] = {
    "patient": PatientCreate,
    "regimen": RegimenCreate,
    "infusion": InfusionCreate,
    "dose_change": DoseChangeCreate,
    "lab_result": LabResultCreate,
    "assessment": AssessmentCreate,
}


class Envelope(InputModel):
    """What a line says besides the record's fields."""

    id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    patient_mrn: Mrn | None = None
    regimen_id: uuid.UUID | None = None
    regimen_external_id: ExternalId | None = None
    entered_in_error: StrictBool = False


ENVELOPE = frozenset(Envelope.model_fields)
# An export line carries the read's fields: those no one sends (version, timestamps, derived
# values such as canonical_value or the infusion checks) are left out, anything else unknown
# is refused as in a POST.
READ_ONLY = {
    name: frozenset(KINDS[name].read.model_fields) - frozenset(body.model_fields) - ENVELOPE
    for name, body in CREATE.items()
}
B = TypeVar("B", bound=BaseModel)


def parse_line(number: int, raw: bytes) -> ImportLine:
    try:
        return _parsed(number, raw)
    except DomainError as exc:
        return ImportLine(number, refused=exc)


def _parsed(number: int, raw: bytes) -> ImportLine:
    try:
        data = json.loads(raw)
    except ValueError as exc:  # UnicodeDecodeError included
        raise BadRequest("the line is not a JSON object") from exc
    if not isinstance(data, dict):
        raise BadRequest("the line is not a JSON object")
    kind = data.pop("type", None)
    if not isinstance(kind, str) or kind not in CREATE:
        accepted = ", ".join(CREATE)
        raise Unprocessable(f"type must be one of: {accepted}", loc=("line", "type"))
    envelope = _valid(Envelope, {k: data.pop(k) for k in ENVELOPE & data.keys()})
    for name in READ_ONLY[kind] & data.keys():
        del data[name]
    return ImportLine(
        number,
        kind,
        _valid(CREATE[kind], data),
        record_id=envelope.id,
        patient_id=envelope.patient_id,
        patient_mrn=envelope.patient_mrn,
        regimen_id=envelope.regimen_id,
        regimen_external_id=envelope.regimen_external_id,
        entered_in_error=envelope.entered_in_error,
    )


def _valid(model: type[B], data: dict[str, Any]) -> B:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = validation_errors(exc.errors())
        for error in errors:
            error["loc"] = ["line", *error["loc"]]
        fields = ", ".join(".".join(map(str, e["loc"])) for e in errors[:5])
        raise Unprocessable(f"invalid line: {fields}", errors=errors) from exc


async def lines(
    chunks: AsyncIterable[bytes], max_bytes: int
) -> AsyncIterator[tuple[int, bytes | None]]:
    """(line number from 1, its bytes) for every non-blank line of the body; None for a line
    longer than `max_bytes`, whose bytes are skipped without being kept."""
    number, pending, skipping = 0, b"", False
    async for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            number += 1
            if skipping:
                skipping = False
                yield number, None
            elif raw.strip():
                yield number, raw
        if len(pending) > max_bytes:
            pending, skipping = b"", True
    if skipping or pending.strip():
        yield number + 1, None if skipping else pending
