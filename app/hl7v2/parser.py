"""`parse_oru`: one ER7 ORU^R01 message into an `OruMessage`, or `Unparseable` (-> AR)."""

import re

import hl7

from app.hl7v2.fields import component, raw, repetitions, subcomponent, unreadable_escape
from app.hl7v2.model import (
    AckError,
    ErrorCode,
    LabResultItem,
    MessageHeader,
    ObxFailure,
    ObxItem,
    OruMessage,
    Unparseable,
    patient_error,
)
from app.hl7v2.obx import OrderContext, read_obx
from app.hl7v2.options import Hl7Options

SUPPORTED_VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1")
_SEGMENT_ID_RE = re.compile(r"[A-Z][A-Z0-9]{2}")
# MSH, the field separator, four distinct encoding characters, the field separator again.
_MSH_RE = re.compile(r"MSH(?P<sep>[^\w\s])(?P<enc>[^\w\s]{4})(?P=sep)")


def normalise(text: str) -> str:
    """Segments separated by `\\r` as HL7 says: `\\r\\n` and `\\n` (what files and HTTP
    clients often make of it) are accepted too; blank lines are dropped."""
    lines = text.replace("\r\n", "\r").replace("\n", "\r").split("\r")
    return "\r".join(line for line in lines if line.strip())


def read_header(text: str) -> MessageHeader | None:
    """Whatever MSH can be read from a message, even one that is otherwise garbage; None
    without an MSH whose separators and escapes can be read."""
    first = normalise(text).lstrip().split("\r", 1)[0]
    match = _MSH_RE.match(first)
    if match is None or len(set(match["sep"] + match["enc"])) != 5:
        return None
    parsed = hl7.parse(first)
    if unreadable_escape(parsed) is not None:
        return None
    msh = parsed.segment("MSH")
    return MessageHeader(
        segment=first,
        sending_application=raw(msh, 3),
        sending_facility=raw(msh, 4),
        control_id=raw(msh, 10),
        version=component(msh, 12),
    )


def parse_oru(text: str, options: Hl7Options) -> OruMessage:
    """The message's header, patient MRN and one item per OBX; Unparseable when it is not
    a single ORU^R01 of a supported version with one patient."""
    header = read_header(text)
    if header is None:
        raise Unparseable(_sequence_error("the message does not start with a readable MSH"))
    message = hl7.parse(normalise(text).lstrip())
    _check_structure(message, header)
    _check_header(message.segment("MSH"), header)
    mrn, pid_error = _mrn(message.segment("PID"), options)
    return OruMessage(header, mrn, pid_error, _items(message, options))


def _check_header(msh: hl7.Segment, header: MessageHeader) -> None:
    def reject(field: int, code: ErrorCode, text: str) -> None:
        raise Unparseable(AckError("MSH", 1, field, code, text), header)

    if component(msh, 9, 1) != "ORU":
        reject(9, ErrorCode.UNSUPPORTED_MESSAGE_TYPE, "MSH-9 message type is not ORU")
    if component(msh, 9, 2) != "R01":
        reject(9, ErrorCode.UNSUPPORTED_EVENT, "MSH-9 trigger event is not R01")
    if header.version not in SUPPORTED_VERSIONS:
        reject(12, ErrorCode.UNSUPPORTED_VERSION, "MSH-12 version is not 2.3 to 2.5.1")
    if not header.control_id.strip():
        reject(10, ErrorCode.REQUIRED_FIELD_MISSING, "MSH-10 message control id is empty")


def _check_structure(message: hl7.Message, header: MessageHeader) -> None:
    error = _structure_error(message)
    if error is not None:
        raise Unparseable(error, header)


def _structure_error(message: hl7.Message) -> AckError | None:
    names = [str(segment(0)) for segment in message]
    if not all(_SEGMENT_ID_RE.fullmatch(name) for name in names):
        return _sequence_error("a segment does not start with a segment id (3 capitals/digits)")
    escape = unreadable_escape(message)
    if escape is not None:
        segment, sequence, field = escape
        text = f"{segment}-{field} has an escape sequence that cannot be read"
        return AckError(segment, sequence, field, ErrorCode.DATA_TYPE, text)
    if names.count("MSH") > 1:
        return _sequence_error("more than one message (MSH); send one ORU^R01 per request")
    if names.count("PID") != 1:
        return _sequence_error("an ORU^R01 here needs exactly one PID (one patient per message)")
    return None


def _sequence_error(text: str) -> AckError:
    return AckError(None, None, None, ErrorCode.SEGMENT_SEQUENCE, text)


def _mrn(pid: hl7.Segment, options: Hl7Options) -> tuple[str | None, AckError | None]:
    """PID-3: the identifier of the configured assigning authority (CX-4 namespace or
    universal id) when one is configured, else the first identifier."""
    identifiers = [
        (component(pid, 3, 1, rep).strip(), rep) for rep in range(1, repetitions(pid, 3) + 1)
    ]
    identifiers = [(value, rep) for value, rep in identifiers if value]
    if options.mrn_authority is not None:
        identifiers = [
            (value, rep)
            for value, rep in identifiers
            if options.mrn_authority
            in (subcomponent(pid, 3, 4, 1, rep), subcomponent(pid, 3, 4, 2, rep))
        ]
        if not identifiers:
            return None, patient_error(
                ErrorCode.UNKNOWN_KEY, "PID-3 has no identifier of the TR_HL7_MRN_AUTHORITY"
            )
    if not identifiers:
        return None, patient_error(ErrorCode.REQUIRED_FIELD_MISSING, "PID-3 has no identifier")
    return identifiers[0][0], None


def _items(message: hl7.Message, options: Hl7Options) -> tuple[ObxItem, ...]:
    items: list[ObxItem] = []
    order: OrderContext | None = None
    for segment in message:
        name = str(segment(0))
        if name == "OBR":
            order = OrderContext(component(segment, 3).strip(), component(segment, 7).strip())
        elif name == "OBX":
            items.append(read_obx(segment, len(items) + 1, order, options))
    return _without_duplicates(items)


def _without_duplicates(items: list[ObxItem]) -> tuple[ObxItem, ...]:
    """A second OBX with an external_id already used in this message fails (DUPLICATE_KEY):
    storing both would make the second a silent no-op or a conflict with the first."""
    seen: set[str] = set()
    kept: list[ObxItem] = []
    for item in items:
        if isinstance(item, LabResultItem):
            key = str(item.body["external_id"])
            if key in seen:
                text = "OBR-3 filler order number and OBX-1 set id repeat an earlier OBX"
                item = ObxFailure(item.obx, item.obx.error(ErrorCode.DUPLICATE_KEY, text, 1))
            seen.add(key)
        kept.append(item)
    return tuple(kept)
