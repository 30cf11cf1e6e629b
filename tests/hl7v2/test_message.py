"""Message-level reading: the patient identifier (PID-3) and what makes a message an AR."""

import pytest

from app.hl7v2 import AckError, ErrorCode, Unparseable, parse_oru, read_header
from tests.hl7v2.messages import GESTLAB, GESTLAB_MSH, SYNLAB, er7, options

PID = "PID|1||{}||GARCIA LOPEZ^MARIA||19570301|F"


def with_pid(identifiers: str) -> str:
    return er7([GESTLAB[0], PID.format(identifiers), *GESTLAB[2:]])


@pytest.mark.parametrize(
    ("identifiers", "authority", "mrn"),
    [
        ("NHC1^^^HUVH^MR~X9^^^MI^NNESP", None, "NHC1"),  # no authority set: the first
        ("X9^^^MI^NNESP~NHC1^^^HUVH^MR", "HUVH", "NHC1"),  # the authority's, not the first
        ("X9^^^MI~NHC1^^^HUVH&2.16.724.4&ISO^MR", "2.16.724.4", "NHC1"),  # by universal id
        ("NHC1^^^HUVH^MR~NHC2^^^HUVH^PI", "HUVH", "NHC1"),  # two of the authority: the first
        ("~NHC1^^^HUVH^MR", None, "NHC1"),  # an empty repetition is no identifier
        ("NHC1", None, "NHC1"),  # a bare identifier
    ],
)
def test_the_mrn_is_chosen_from_pid3(identifiers: str, authority: str | None, mrn: str) -> None:
    message = parse_oru(with_pid(identifiers), options(mrn_authority=authority))

    assert (message.mrn, message.patient_error) == (mrn, None)


def test_no_identifier_of_the_configured_authority_is_an_error_for_an_ae() -> None:
    message = parse_oru(with_pid("X9^^^MI^NNESP~NHC1^^^OTHER^MR"), options(mrn_authority="HUVH"))

    assert message.mrn is None
    assert message.patient_error == AckError(
        "PID", 1, 3, ErrorCode.UNKNOWN_KEY, "PID-3 has no identifier of the TR_HL7_MRN_AUTHORITY"
    )
    assert message.errors[0] == message.patient_error
    assert len(message.results) == 2  # the OBX are still read; the service stores none


@pytest.mark.parametrize("identifiers", ["", "~", "^^^HUVH^MR"])
def test_an_empty_pid3_is_an_error_for_an_ae(identifiers: str) -> None:
    message = parse_oru(with_pid(identifiers), options())

    assert message.mrn is None
    assert message.patient_error is not None
    assert message.patient_error.code == ErrorCode.REQUIRED_FIELD_MISSING


def rejected(text: str) -> Unparseable:
    with pytest.raises(Unparseable) as caught:
        parse_oru(text, options())
    return caught.value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "this is not HL7",
        '{"resourceType": "Observation"}',
        "PID|1||NHC1\rOBX|1|NM|PCR||1|mg/L|||||F",  # no MSH
        "MSH",
        "MSH|",
        "MSH|^~\\&",  # no field after the encoding characters
        "MSH|^^\\&|GESTLAB",  # encoding characters that repeat
        "MSHA^~\\&A",  # a letter as field separator
        "MSH|^~\\&|GESTLAB\\Zbad\\|HUVH|||||ORU^R01|1|P|2.3",  # an escape nobody reads
    ],
)
def test_garbage_without_a_readable_msh_is_rejected_without_a_header(text: str) -> None:
    exc = rejected(text)

    assert exc.header is None
    assert read_header(text) is None
    assert exc.error == AckError(
        None,
        None,
        None,
        ErrorCode.SEGMENT_SEQUENCE,
        "the message does not start with a readable MSH",
    )
    assert exc.reason == exc.error.text
    assert str(exc) == exc.error.text


@pytest.mark.parametrize(
    ("msh_change", "field", "code"),
    [
        (("ORU^R01", "ADT^A01"), 9, ErrorCode.UNSUPPORTED_MESSAGE_TYPE),
        (("ORU^R01", "ORU"), 9, ErrorCode.UNSUPPORTED_EVENT),
        (("ORU^R01", "ORU^R30"), 9, ErrorCode.UNSUPPORTED_EVENT),
        (("ORU^R01", ""), 9, ErrorCode.UNSUPPORTED_MESSAGE_TYPE),
        (("|2.3|", "|2.2|"), 12, ErrorCode.UNSUPPORTED_VERSION),
        (("|2.3|", "|2.6|"), 12, ErrorCode.UNSUPPORTED_VERSION),
        (("|2.3|", "||"), 12, ErrorCode.UNSUPPORTED_VERSION),
        (("|GL20160115000123|", "||"), 10, ErrorCode.REQUIRED_FIELD_MISSING),
        (("|GL20160115000123|", "| |"), 10, ErrorCode.REQUIRED_FIELD_MISSING),
    ],
)
def test_a_header_we_do_not_take_is_rejected_and_kept_for_the_ack(
    msh_change: tuple[str, str], field: int, code: ErrorCode
) -> None:
    msh = GESTLAB_MSH.replace(*msh_change)
    exc = rejected(er7([msh, *GESTLAB[1:]]))

    assert (exc.error.segment, exc.error.sequence, exc.error.field) == ("MSH", 1, field)
    assert exc.error.code == code
    assert exc.header is not None
    assert exc.header.segment == msh


def test_msh_only_is_rejected() -> None:
    exc = rejected(GESTLAB_MSH)

    assert exc.error.code == ErrorCode.SEGMENT_SEQUENCE
    assert "one PID" in exc.reason
    assert exc.header is not None
    assert exc.header.control_id == "GL20160115000123"


@pytest.mark.parametrize(
    ("segments", "words"),
    [
        ([*GESTLAB, *SYNLAB], "more than one message"),
        ([*GESTLAB[:2], GESTLAB[1], *GESTLAB[2:]], "one PID"),
        ([GESTLAB[0], "OBR|1|X|Y", *GESTLAB[5:]], "one PID"),
        ([*GESTLAB[:2], "obx|1|NM|PCR||1|mg/L|||||F"], "segment id"),
        ([*GESTLAB[:2], "|1|NM|PCR||1|mg/L|||||F"], "segment id"),
    ],
)
def test_a_structure_we_do_not_take_is_rejected(segments: list[str], words: str) -> None:
    exc = rejected(er7(segments))

    assert exc.error.code == ErrorCode.SEGMENT_SEQUENCE
    assert exc.error.segment is None
    assert words in exc.reason


@pytest.mark.parametrize(
    "value",
    [
        "NEG\\",  # never closed
        "\\Cxxyy\\NEG",  # a character set switch
        "\\M0000\\NEG",
        "\\\\NEG",  # empty
        "\\X0\\",  # half a byte
        "\\Q\\",  # unknown
        "\\.spx\\",
    ],
)
def test_an_escape_python_hl7_would_log_or_drop_is_rejected(value: str) -> None:
    obx = f"OBX|1|ST|ADNA^anti-DNA^L||{value}||||||F"
    exc = rejected(er7([*GESTLAB[:5], obx]))

    assert exc.error == AckError(
        "OBX", 1, 5, ErrorCode.DATA_TYPE, "OBX-5 has an escape sequence that cannot be read"
    )
    assert value not in exc.reason


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("N\\T\\EG", "N&EG"),
        ("\\X4E4547\\", "NEG"),
        ("NOT\\.sk1\\DETECTED", "NOT DETECTED"),
    ],
)
def test_escapes_python_hl7_reads_are_unescaped(value: str, read: str) -> None:
    obx = f"OBX|1|ST|ADNA^anti-DNA^L||{value}||||||F"
    text_map = {read: "borderline"}

    message = parse_oru(er7([*GESTLAB[:5], obx]), options(text_map=text_map))

    assert [r.body["value_text"] for r in message.results] == ["borderline"]


def test_read_header_takes_the_fields_as_sent() -> None:
    header = read_header(er7(SYNLAB, "\n"))

    assert header is not None
    assert header.segment == SYNLAB[0]
    assert header.sending_application == "SYNLAB^2.16.840.1.113883.2.19.20^ISO"
    assert header.sending_facility == "SYNLAB-ES"
    assert header.control_id == "SYN-7781920"
    assert header.version == "2.5.1"
