"""The HL7 v2 face's use case: one ORU^R01 message in one unit of work, answered by its ACK.

The same door as `POST /v1/patients/{id}/lab-results`: the patient found by MRN in the
caller's organizations, each OBX stored by the lab-result service (external_id, audit,
outbox, flags), and the answer kept under the sender's message id. `POST /hl7v2/oru` and
`python -m app mllp` both come here. See interop.md, "HL7 v2 lab results (ORU^R01)".
"""

import hashlib
import json
import uuid
from dataclasses import dataclass

from pydantic import ValidationError

from app.config import Settings
from app.db import Database
from app.errors import Conflict, DomainError, NotFound, Unprocessable
from app.hl7v2 import (
    BODY_FIELD_POSITIONS,
    AckError,
    ErrorCode,
    Hl7Options,
    LabResultItem,
    MessageHeader,
    OruMessage,
    Unparseable,
    parse_oru,
    patient_error,
    reject_ack,
    result_ack,
    undecodable_ack,
)
from app.hl7v2.charset import declared_encoding
from app.schemas.lab_result import LabResultCreate
from app.security import Principal
from app.services import idempotency, lab_results, patients, tenancy
from app.services.uow import Origin, StoredAnswer, UnitOfWork

OK, REJECTED = 200, 400  # HTTP status of an AA or AE ACK, and of an AR
# Every message under one sender's message id answers with the first ACK, whatever it
# carries (interop.md): one fingerprint for all of them.
_FINGERPRINT = hashlib.sha256(b"HL7 v2 ORU^R01 by MSH-3, MSH-4, MSH-10").hexdigest()
# What the lab-result service refuses, by the body key it names: a code or unit outside the
# catalogue is a table value not found; anything else a data type error.
_TABLE_KEYS = frozenset({"test", "loinc", "unit"})


@dataclass(frozen=True, slots=True)
class Hl7Answer:
    """The ACK (ER7, segments separated by `\\r`) and the HTTP status it goes with."""

    status: int
    ack: str

    def encoded(self, charset: str) -> bytes:
        """In the message's character set (the ACK echoes the sender's MSH, text of it)."""
        return self.ack.encode(charset, errors="replace")


def options(settings: Settings) -> Hl7Options:
    """The `TR_HL7_*` settings; ValueError names a wrong one (checked at start-up)."""
    return Hl7Options.from_settings(
        code_map=settings.hl7_code_map,
        text_map=settings.hl7_text_map,
        timezone=settings.hl7_timezone or settings.rules.clinical_timezone,
        mrn_authority=settings.hl7_mrn_authority,
    )


def charset_of(body: bytes, declared: str | None) -> str:
    """The charset a message is read and answered in: the one the request declares, else the
    one its MSH-18 names, else UTF-8; an unknown name is refused (ValueError)."""
    charset = declared or declared_encoding(body)
    try:
        b"MSH".decode(charset, "replace")  # LookupError: an unknown name, or not text (hex)
    except LookupError as exc:
        raise ValueError(f"unknown charset {charset!r}") from exc
    return charset


async def receive_bytes(uow: UnitOfWork, body: bytes, charset: str) -> Hl7Answer:
    """A message as sent over HTTP; bytes that are not `charset` text get an AR."""
    try:
        text = body.decode(charset)
    except UnicodeDecodeError:
        return _answered(uow, Hl7Answer(REJECTED, undecodable_ack(charset)))
    return await receive(uow, text)


async def receive(uow: UnitOfWork, text: str) -> Hl7Answer:
    """Parse, store every final or corrected OBX that can be stored, and answer: AA, AE
    with an ERR per failure (the good OBX are stored all the same), or AR (400) for a
    message that cannot be read. A message id seen before from the same sender gets its
    first ACK again and stores nothing."""
    try:
        message = parse_oru(text, options(uow.settings))
    except Unparseable as exc:
        # Not remembered: once the sender fixes the message, the same id is processed.
        return _answered(uow, Hl7Answer(REJECTED, reject_ack(exc)))
    replay = await _claim(uow, message.header)
    if replay is not None:
        return _answered(uow, replay)
    stored, errors = await _store(uow, message)
    answer = Hl7Answer(OK, result_ack(message, stored, errors))
    idempotency.remember(uow, StoredAnswer(answer.status, {"ack": answer.ack}, None))
    return _answered(uow, answer)


async def receive_message(
    database: Database, caller: Principal, settings: Settings, text: str, *, client: str | None
) -> str:
    """One message from an MLLP connection, in a unit of work of its own; its ACK."""
    origin = Origin("MLLP", "/hl7v2/oru", uuid.uuid4().hex, client)
    uow = UnitOfWork(database, caller, settings, write=True, origin=origin)
    try:
        async with uow:
            answer = await receive(uow, text)
            await uow.commit()
    except Exception as exc:
        await uow.record_failure(500, error=exc)
        raise  # the connection closes without an ACK: the sender sends the message again
    return answer.ack


def mllp_caller(settings: Settings) -> Principal:
    """Who MLLP senders are (MLLP carries no token): TR_MLLP_SUB with `labs:write`, in
    TR_MLLP_ORGS; ValueError when tenancy is on and no organization is named."""
    orgs = frozenset(settings.mllp_orgs) if settings.mllp_orgs is not None else None
    caller = Principal(sub=settings.mllp_sub, scopes=frozenset({"labs:write"}), organizations=orgs)
    if not tenancy.admits(caller, settings):
        raise ValueError("TR_MLLP_ORGS must name the organizations MLLP senders store into")
    options(settings)  # a wrong TR_HL7_* setting stops the start-up
    return caller


def _answered(uow: UnitOfWork, answer: Hl7Answer) -> Hl7Answer:
    uow.audit.status = answer.status
    return answer


async def _claim(uow: UnitOfWork, header: MessageHeader) -> Hl7Answer | None:
    """The first ACK of this (caller, MSH-3, MSH-4, MSH-10), or None after claiming the key
    for this message. An Idempotency-Key header, when sent, is the key instead."""
    if uow.replay is None and uow.idempotency_key is None:
        try:
            uow.replay = await idempotency.claim(uow, key=_key(header), request_hash=_FINGERPRINT)
        except (NotFound, Unprocessable):
            # The first answer is about a patient the caller no longer sees, or the key is
            # another request's: processed again (external_ids keep the results single).
            return None
    if uow.replay is None:
        return None
    ack = uow.replay.body.get("ack")
    return Hl7Answer(uow.replay.status, ack) if isinstance(ack, str) else None


def _key(header: MessageHeader) -> str:
    sender = json.dumps(list(header.idempotency_key), ensure_ascii=True)
    return "hl7v2-oru:" + hashlib.sha256(sender.encode()).hexdigest()


async def _store(uow: UnitOfWork, message: OruMessage) -> tuple[int, list[AckError]]:
    """(how many results were written, the errors in message order)."""
    patient_id, problem = await _patient(uow, message)
    if patient_id is None:
        return 0, [problem, *message.errors] if problem else list(message.errors)
    stored, errors = 0, list(message.errors)
    for item in message.results:
        written, error = await _store_one(uow, patient_id, item)
        stored += written
        errors += [error] if error else []
    return stored, sorted(errors, key=_position)


def _position(error: AckError) -> tuple[bool, int]:
    return error.segment == "OBX", error.sequence or 0


async def _patient(
    uow: UnitOfWork, message: OruMessage
) -> tuple[uuid.UUID | None, AckError | None]:
    if message.mrn is None:
        return None, None  # message.errors names the PID-3 problem
    try:
        found = await patients.by_mrn(uow, message.mrn)
    except NotFound:
        found = None
    except Conflict:
        text = "PID-3: this identifier names patients in more than one organization"
        return None, patient_error(ErrorCode.DUPLICATE_KEY, text)
    if found is None or found.entered_in_error:
        text = "PID-3: no patient with this identifier in the caller's organizations"
        return None, patient_error(ErrorCode.UNKNOWN_KEY, text)
    return found.id, None


async def _store_one(
    uow: UnitOfWork, patient_id: uuid.UUID, item: LabResultItem
) -> tuple[int, AckError | None]:
    """(1 when a record or a new version was written, else 0; the OBX's error if any)."""
    try:
        body = LabResultCreate.model_validate(dict(item.body))
        save = lab_results.correct if item.correction else lab_results.create
        saved = await save(uow, patient_id, body)
    except ValidationError as exc:
        return 0, _invalid(item, exc)
    except (Unprocessable, Conflict, NotFound) as exc:
        return 0, _refused(item, exc)
    return int(saved.created), None


def _invalid(item: LabResultItem, exc: ValidationError) -> AckError:
    """The first schema error, at the OBX field its body key came from. Pydantic's messages
    state the rule broken, never the value."""
    first = exc.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    field = BODY_FIELD_POSITIONS.get(name)
    where = f"OBX-{field} ({name})" if field else "OBX"
    return item.obx.error(ErrorCode.DATA_TYPE, f"{where}: {first['msg']}", field)


def _refused(item: LabResultItem, exc: DomainError) -> AckError:
    if isinstance(exc, NotFound):  # the patient was entered in error meanwhile
        return patient_error(ErrorCode.UNKNOWN_KEY, f"PID-3: {exc.detail}")
    if isinstance(exc, Conflict):
        text = (
            f"{exc.detail} (external_id = OBR-3 filler order number - OBX-1 set id; "
            "a changed result is sent with OBX-11 C)"
        )
        return item.obx.error(ErrorCode.DUPLICATE_KEY, text, 1)
    name = str(getattr(exc, "loc", ("",))[-1])
    field = BODY_FIELD_POSITIONS.get(name)
    code = ErrorCode.TABLE_VALUE_NOT_FOUND if name in _TABLE_KEYS else ErrorCode.DATA_TYPE
    return item.obx.error(code, f"OBX-{field or 5}: {exc.detail}", field)
