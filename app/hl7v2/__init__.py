"""The HL7 v2 face, pure part: ORU^R01 lab results into lab-result bodies, and ACKs.

No database and no HTTP here: the lab-result service looks the patient up by `mrn`, stores
each `LabResultItem.body`, and answers with `result_ack` (or `reject_ack` for an
`Unparseable` message). See interop.md, "HL7 v2 lab results (ORU^R01)".
"""

from app.hl7v2.ack import AckCode, build_ack, reject_ack, result_ack, undecodable_ack
from app.hl7v2.model import (
    BODY_FIELD_POSITIONS,
    AckError,
    ErrorCode,
    LabResultItem,
    MessageHeader,
    ObxFailure,
    ObxItem,
    ObxRef,
    OruMessage,
    PreliminaryItem,
    Unparseable,
    patient_error,
)
from app.hl7v2.options import DEFAULT_TEXT_MAP, Hl7Options
from app.hl7v2.parser import SUPPORTED_VERSIONS, parse_oru, read_header

__all__ = [
    "BODY_FIELD_POSITIONS",
    "DEFAULT_TEXT_MAP",
    "SUPPORTED_VERSIONS",
    "AckCode",
    "AckError",
    "ErrorCode",
    "Hl7Options",
    "LabResultItem",
    "MessageHeader",
    "ObxFailure",
    "ObxItem",
    "ObxRef",
    "OruMessage",
    "PreliminaryItem",
    "Unparseable",
    "build_ack",
    "parse_oru",
    "patient_error",
    "read_header",
    "reject_ack",
    "result_ack",
    "undecodable_ack",
]
