"""HL7 original-mode acknowledgements (ACK) in ER7: AA, AE with ERR segments, AR."""

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum

import hl7

from app.hl7v2.fields import component, raw
from app.hl7v2.model import AckError, ErrorCode, MessageHeader, OruMessage, Unparseable

APPLICATION = "treatment-records"
# The MSH an ACK answers when the message had none: our newest version, production.
_NO_HEADER = MessageHeader(
    segment="MSH|^~\\&|||||||^||P|2.5.1",
    sending_application="",
    sending_facility="",
    control_id="",
    version="2.5.1",
)
_ERR_FIELDS_FROM = (2, 5)  # v2.5 replaced ERR-1 by ERR-2 (location), -3 (code), -4 (severity)


class AckCode(StrEnum):
    """HL7 table 0008, original mode."""

    ACCEPT = "AA"
    ERROR = "AE"
    REJECT = "AR"


def build_ack(
    header: MessageHeader | None,
    code: AckCode,
    errors: Sequence[AckError] = (),
    *,
    text: str | None = None,
    control_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """The ACK (segments separated by `\\r`) answering the message whose MSH is `header`
    (None: there was no readable MSH). The ACK's MSH swaps sender and receiver and echoes
    the version; MSA-2 echoes MSH-10; `text` goes to MSA-3; each error is an ERR segment in
    the form of the message's version."""
    header = header or _NO_HEADER
    source = _normal_source(header)
    ack = source.create_ack(
        str(code),
        message_id=control_id or hl7.generate_message_control_id(),
        application=raw(source.segment("MSH"), 5) or APPLICATION,
    )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    ack.segment("MSH").assign_field(moment.strftime("%Y%m%d%H%M%S+0000"), 7)
    if text:
        ack.segment("MSA").assign_field(ack.escape(text), 3)
    current = _current_form(header.version)
    for error in errors:
        ack.append(_err(ack, error) if current else _err_v23(ack, error))
    return str(ack)


def reject_ack(
    exc: Unparseable, *, control_id: str | None = None, now: datetime | None = None
) -> str:
    """The AR for a message that could not be parsed (sent with HTTP 400)."""
    return build_ack(
        exc.header,
        AckCode.REJECT,
        [exc.error],
        text=exc.reason,
        control_id=control_id,
        now=now,
    )


def result_ack(
    message: OruMessage,
    stored: int,
    errors: Sequence[AckError],
    *,
    control_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """AA when nothing failed, else AE; MSA-3 counts what was stored and what failed."""
    parts = [_count(stored, "result") + " stored"]
    if message.preliminary:
        parts.append(f"{len(message.preliminary)} preliminary not stored")
    if errors:
        parts.append(_count(len(errors), "error"))
    code = AckCode.ERROR if errors else AckCode.ACCEPT
    return build_ack(
        message.header, code, errors, text="; ".join(parts), control_id=control_id, now=now
    )


def undecodable_ack(encoding: str, *, control_id: str | None = None) -> str:
    """The AR for bytes that are not text in `encoding` (nothing of the MSH can be trusted)."""
    error = AckError(None, None, None, ErrorCode.DATA_TYPE, f"the message is not {encoding}")
    return build_ack(None, AckCode.REJECT, [error], text=error.text, control_id=control_id)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _normal_source(header: MessageHeader) -> hl7.Message:
    """The answered MSH with fields 1-12 present and MSH-9 in components, which
    `Message.create_ack` indexes without checking."""
    msh = hl7.parse(header.segment).segment("MSH")
    sep, enc = str(msh(1)), str(msh(2))
    fields = [raw(msh, n) for n in range(3, 13)]
    message_type = [_escaped(msh, component(msh, 9, n)) for n in (1, 2)]
    fields[9 - 3] = enc[0].join(message_type)
    return hl7.parse(f"MSH{sep}{enc}{sep}" + sep.join(fields))


def _escaped(container: hl7.Container, value: str) -> str:
    return str(hl7.util.escape(container, value))


def _current_form(version: str) -> bool:
    """ERR in the v2.5 form? Versions before 2.5 use ERR-1; an unreadable one gets ours."""
    try:
        numbers = tuple(int(part) for part in version.split("."))
    except ValueError:
        return True
    return numbers >= _ERR_FIELDS_FROM


def _err(ack: hl7.Message, error: AckError) -> hl7.Segment:
    """v2.5+: ERR-2 location (segment^sequence^field), ERR-3 HL7 error code (table 0357),
    ERR-4 severity, ERR-8 user message."""
    err = ack.create_segment([ack.create_field(["ERR"])])
    for n, part in enumerate(_location(error), start=1):
        if part:
            err.assign_field(part, 2, 1, n)
    err.assign_field(str(int(error.code)), 3, 1, 1)
    err.assign_field(error.code.title, 3, 1, 2)
    err.assign_field("HL70357", 3, 1, 3)
    err.assign_field("E", 4)
    err.assign_field(ack.escape(error.text), 8)
    return err


def _err_v23(ack: hl7.Message, error: AckError) -> hl7.Segment:
    """v2.3 to v2.4: ERR-1 segment^sequence^field^code, the code a CE in subcomponents
    (code&text&HL70357); our text takes the CE's text, the only free text ERR-1 has."""
    err = ack.create_segment([ack.create_field(["ERR"])])
    for n, part in enumerate(_location(error), start=1):
        if part:
            err.assign_field(part, 1, 1, n)
    err.assign_field(str(int(error.code)), 1, 1, 4, 1)
    err.assign_field(ack.escape(error.text), 1, 1, 4, 2)
    err.assign_field("HL70357", 1, 1, 4, 3)
    return err


def _location(error: AckError) -> tuple[str, str, str]:
    def text(value: object) -> str:
        return "" if value is None else str(value)

    return text(error.segment), text(error.sequence), text(error.field)
