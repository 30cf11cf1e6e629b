"""What a parsed ORU^R01 is made of: header, items per OBX, and the errors an ACK reports."""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class ErrorCode(IntEnum):
    """HL7 table 0357 (message error condition codes), as in v2.3 to v2.5.1."""

    SEGMENT_SEQUENCE = 100
    REQUIRED_FIELD_MISSING = 101
    DATA_TYPE = 102
    TABLE_VALUE_NOT_FOUND = 103
    UNSUPPORTED_MESSAGE_TYPE = 200
    UNSUPPORTED_EVENT = 201
    UNSUPPORTED_PROCESSING_ID = 202
    UNSUPPORTED_VERSION = 203
    UNKNOWN_KEY = 204
    DUPLICATE_KEY = 205
    RECORD_LOCKED = 206
    INTERNAL = 207

    @property
    def title(self) -> str:
        """The table's wording for the code (the text of the coded element)."""
        return _TITLES[self]


_TITLES = {
    ErrorCode.SEGMENT_SEQUENCE: "Segment sequence error",
    ErrorCode.REQUIRED_FIELD_MISSING: "Required field missing",
    ErrorCode.DATA_TYPE: "Data type error",
    ErrorCode.TABLE_VALUE_NOT_FOUND: "Table value not found",
    ErrorCode.UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    ErrorCode.UNSUPPORTED_EVENT: "Unsupported event code",
    ErrorCode.UNSUPPORTED_PROCESSING_ID: "Unsupported processing id",
    ErrorCode.UNSUPPORTED_VERSION: "Unsupported version id",
    ErrorCode.UNKNOWN_KEY: "Unknown key identifier",
    ErrorCode.DUPLICATE_KEY: "Duplicate key identifier",
    ErrorCode.RECORD_LOCKED: "Application record locked",
    ErrorCode.INTERNAL: "Application internal error",
}


@dataclass(frozen=True, slots=True)
class AckError:
    """One ERR segment: where (segment id, its 1-based occurrence, field) and what.

    `text` is for the sender's operators: it names codes and fields, never patient data.
    """

    segment: str | None
    sequence: int | None
    field: int | None
    code: ErrorCode
    text: str


def patient_error(code: ErrorCode, text: str) -> AckError:
    """An error about the patient identifier (PID-3): no such MRN in the caller's
    organizations (UNKNOWN_KEY), a match in more than one (DUPLICATE_KEY)."""
    return AckError("PID", 1, 3, code, text)


@dataclass(frozen=True, slots=True)
class MessageHeader:
    """The MSH as far as it could be read. Text fields are the ER7 text as sent
    (components and escapes included), so they compare exactly as keys."""

    segment: str  # the MSH segment as received, which the ACK answers
    sending_application: str  # MSH-3
    sending_facility: str  # MSH-4
    control_id: str  # MSH-10
    version: str  # MSH-12.1

    @property
    def idempotency_key(self) -> tuple[str, str, str]:
        """(MSH-3, MSH-4, MSH-10): with the caller, the key under which the first ACK
        is kept and answered again."""
        return (self.sending_application, self.sending_facility, self.control_id)


class Unparseable(Exception):
    """The message cannot be processed at all; the answer is an AR ACK (HTTP 400).

    `header` is whatever MSH could be read (None when there was none), so that the ACK
    still swaps sender and receiver and echoes the control id.
    """

    def __init__(self, error: AckError, header: MessageHeader | None = None) -> None:
        super().__init__(error.text)
        self.error = error
        self.header = header

    @property
    def reason(self) -> str:
        return self.error.text


@dataclass(frozen=True, slots=True)
class ObxRef:
    """Which OBX: `index` is its 1-based occurrence among the message's OBX segments
    (the ERR segment sequence), `set_id` its OBX-1."""

    index: int
    set_id: str

    def error(self, code: ErrorCode, text: str, field: int | None = None) -> AckError:
        """An ERR naming this OBX (and one of its fields when known)."""
        return AckError("OBX", self.index, field, code, text)


@dataclass(frozen=True, slots=True)
class LabResultItem:
    """An OBX to store: `body` has the shape of `POST /v1/patients/{id}/lab-results`
    (JSON types; keys with no value are left out). `correction` is OBX-11 `C`."""

    obx: ObxRef
    body: Mapping[str, Any]
    correction: bool


@dataclass(frozen=True, slots=True)
class PreliminaryItem:
    """An OBX with OBX-11 `P`: acknowledged, not stored."""

    obx: ObxRef


@dataclass(frozen=True, slots=True)
class ObxFailure:
    """An OBX that cannot become a lab result; its error goes into the AE."""

    obx: ObxRef
    error: AckError


ObxItem = LabResultItem | PreliminaryItem | ObxFailure

# Where each body key came from, so the service can name the OBX field of an error it finds
# while validating or storing a body (e.g. a unit the test does not accept -> OBX-6).
BODY_FIELD_POSITIONS: Mapping[str, int] = {
    "test": 3,
    "loinc": 3,
    "value": 5,
    "value_text": 5,
    "comparator": 5,
    "unit": 6,
    "reference_range": 7,
    "collected_at": 14,
    "external_id": 1,
}


@dataclass(frozen=True, slots=True)
class OruMessage:
    """A parsed ORU^R01. `mrn` is the chosen PID-3 identifier, or None with `patient_error`
    saying why (then no OBX can be stored: the answer is an AE)."""

    header: MessageHeader
    mrn: str | None
    patient_error: AckError | None
    items: tuple[ObxItem, ...]

    @property
    def results(self) -> tuple[LabResultItem, ...]:
        return tuple(i for i in self.items if isinstance(i, LabResultItem))

    @property
    def preliminary(self) -> tuple[PreliminaryItem, ...]:
        return tuple(i for i in self.items if isinstance(i, PreliminaryItem))

    @property
    def errors(self) -> tuple[AckError, ...]:
        """The errors found while parsing: the patient's, then each failed OBX's."""
        failures = tuple(i.error for i in self.items if isinstance(i, ObxFailure))
        return (self.patient_error, *failures) if self.patient_error else failures
