"""ACKs, read back with python-hl7 the way a sender's interface engine reads them."""

import re
from datetime import UTC, datetime, timedelta

import hl7
import pytest

from app.hl7v2 import (
    BODY_FIELD_POSITIONS,
    AckCode,
    AckError,
    ErrorCode,
    MessageHeader,
    Unparseable,
    build_ack,
    parse_oru,
    patient_error,
    reject_ack,
    result_ack,
    undecodable_ack,
)
from tests.hl7v2.messages import GESTLAB, GESTLAB_MSH, LABWIN, SYNLAB, er7, options

NOW = datetime(2016, 7, 10, 14, 30, 5, tzinfo=UTC)


def read(ack: str) -> hl7.Message:
    assert ack.endswith("\r")
    assert "\n" not in ack
    return hl7.parse(ack)


def get(
    message: hl7.Message, segment: str, field: int, comp: int = 1, sub: int = 1, n: int = 1
) -> str:
    return str(message.extract_field(segment, n, field, 1, comp, sub))


def names(message: hl7.Message) -> list[str]:
    return [str(segment(0)) for segment in message]


def rejection(text: str) -> Unparseable:
    with pytest.raises(Unparseable) as caught:
        parse_oru(text, options())
    return caught.value


def test_aa_swaps_sender_and_receiver_and_counts_what_was_stored() -> None:
    message = parse_oru(er7(GESTLAB), options())

    ack = read(result_ack(message, 2, [], control_id="TR0001", now=NOW))

    assert names(ack) == ["MSH", "MSA"]
    assert [get(ack, "MSH", n) for n in (3, 4, 5, 6)] == [
        "TREATREC",
        "HUVH-REUMA",
        "GESTLAB",
        "HUVH-LAB",
    ]
    assert get(ack, "MSH", 7) == "20160710143005+0000"
    assert [get(ack, "MSH", 9, c) for c in (1, 2)] == ["ACK", "R01"]
    assert [get(ack, "MSH", n) for n in (10, 11, 12)] == ["TR0001", "P", "2.3"]
    assert [get(ack, "MSA", n) for n in (1, 2, 3)] == ["AA", "GL20160115000123", "2 results stored"]


@pytest.mark.parametrize(("segments", "version"), [(GESTLAB, "2.3"), (LABWIN, "2.4")])
def test_ae_up_to_v24_names_each_failed_obx_in_err1(segments: list[str], version: str) -> None:
    message = parse_oru(er7(segments), options())
    refused = message.results[0].obx.error(
        ErrorCode.TABLE_VALUE_NOT_FOUND, "unit not accepted for crp", BODY_FIELD_POSITIONS["unit"]
    )
    errors = [*message.errors, refused]

    ack = read(result_ack(message, len(message.results) - 1, errors, now=NOW))

    assert get(ack, "MSH", 12) == version
    assert get(ack, "MSA", 1) == "AE"
    assert names(ack) == ["MSH", "MSA", *["ERR"] * len(errors)]
    for n, error in enumerate(errors, start=1):
        assert [get(ack, "ERR", 1, c, n=n) for c in (1, 2, 3)] == [
            "OBX",
            str(error.sequence),
            str(error.field),
        ]
        assert [get(ack, "ERR", 1, 4, s, n=n) for s in (1, 2, 3)] == [
            str(int(error.code)),
            error.text,
            "HL70357",
        ]
        assert get(ack, "ERR", 2, n=n) == ""  # no v2.5 fields in a v2.3/v2.4 ACK


def test_labwin_ae_counts_stored_and_failed() -> None:
    message = parse_oru(er7(LABWIN), options())

    ack = read(result_ack(message, 3, message.errors))

    assert get(ack, "MSA", 3) == "3 results stored; 1 error"
    assert [get(ack, "ERR", 1, c) for c in (1, 2, 3)] == ["OBX", "3", "3"]


def test_ae_from_v25_names_each_failed_obx_in_err2_to_err8() -> None:
    message = parse_oru(er7(SYNLAB), options())
    stored, refused = message.results[0], message.results[1]
    error = refused.obx.error(ErrorCode.DUPLICATE_KEY, "a different result has this external_id")

    ack = read(result_ack(message, 2, [error], control_id="TR0002", now=NOW))

    assert stored.obx.index == 1
    assert [get(ack, "MSH", n) for n in (3, 5, 12)] == ["TREATREC", "SYNLAB", "2.5.1"]
    assert [get(ack, "MSH", 9, c) for c in (1, 2, 3)] == ["ACK", "R01", "ACK"]
    assert [get(ack, "MSA", n) for n in (1, 2)] == ["AE", "SYN-7781920"]
    assert get(ack, "MSA", 3) == "2 results stored; 1 preliminary not stored; 1 error"
    assert get(ack, "ERR", 1) == ""
    assert [get(ack, "ERR", 2, c) for c in (1, 2, 3)] == ["OBX", "2", ""]
    assert [get(ack, "ERR", 3, c) for c in (1, 2, 3)] == [
        "205",
        "Duplicate key identifier",
        "HL70357",
    ]
    assert get(ack, "ERR", 4) == "E"
    assert get(ack, "ERR", 8) == "a different result has this external_id"


def test_an_unknown_patient_is_an_ae_naming_pid3() -> None:
    message = parse_oru(er7(SYNLAB), options())
    error = patient_error(ErrorCode.UNKNOWN_KEY, "no patient with this MRN in your organizations")

    ack = read(result_ack(message, 0, [error], now=NOW))

    assert get(ack, "MSA", 1) == "AE"
    assert get(ack, "MSA", 3) == "0 results stored; 1 preliminary not stored; 1 error"
    assert [get(ack, "ERR", 2, c) for c in (1, 2, 3)] == ["PID", "1", "3"]
    assert get(ack, "ERR", 3) == "204"


def test_one_result_stored_is_singular() -> None:
    message = parse_oru(er7(GESTLAB), options())

    assert get(read(result_ack(message, 1, [])), "MSA", 3) == "1 result stored"


@pytest.mark.parametrize("text", ["", "not HL7 at all", "PID|1||NHC1"])
def test_ar_for_garbage_has_a_fresh_control_id_and_no_msa2(text: str) -> None:
    first = read(reject_ack(rejection(text), now=NOW))
    second = read(reject_ack(rejection(text)))

    assert [get(first, "MSH", n) for n in (3, 4, 5, 6)] == ["treatment-records", "", "", ""]
    assert [get(first, "MSH", n) for n in (11, 12)] == ["P", "2.5.1"]
    assert re.fullmatch(r"\w{20}", get(first, "MSH", 10))
    assert get(first, "MSH", 10) != get(second, "MSH", 10)
    assert [get(first, "MSA", n) for n in (1, 2)] == ["AR", ""]
    assert get(first, "ERR", 2) == ""  # no location
    assert get(first, "ERR", 3) == "100"
    assert get(first, "ERR", 8) == "the message does not start with a readable MSH"


def test_ar_for_a_wrong_message_type_answers_its_sender() -> None:
    msh = SYNLAB[0].replace("ORU^R01^ORU_R01", "ADT^A08^ADT_A01")

    ack = read(reject_ack(rejection(er7([msh, *SYNLAB[1:]])), control_id="TR0003", now=NOW))

    assert [get(ack, "MSH", n) for n in (3, 4, 5, 6)] == ["TREATREC", "HUVH", "SYNLAB", "SYNLAB-ES"]
    assert [get(ack, "MSH", 9, c) for c in (1, 2)] == ["ACK", "A08"]
    assert [get(ack, "MSA", n) for n in (1, 2, 3)] == [
        "AR",
        "SYN-7781920",
        "MSH-9 message type is not ORU",
    ]
    assert [get(ack, "ERR", 2, c) for c in (1, 2, 3)] == ["MSH", "1", "9"]
    assert get(ack, "ERR", 3) == "200"


@pytest.mark.parametrize(
    ("msh", "old_form"),
    [
        (GESTLAB_MSH.replace("|2.3|", "|2.2|"), True),  # before 2.5: ERR-1
        (GESTLAB_MSH.replace("|2.3|", "|2.6|"), False),
        (GESTLAB_MSH.replace("|2.3|", "|v2|"), False),  # unreadable: ours
    ],
)
def test_ar_for_an_unsupported_version_echoes_it(msh: str, old_form: bool) -> None:
    exc = rejection(er7([msh, *GESTLAB[1:]]))
    ack = read(reject_ack(exc, now=NOW))

    assert exc.header is not None
    assert get(ack, "MSH", 12) == exc.header.version
    assert get(ack, "MSA", 1) == "AR"
    if old_form:
        assert [get(ack, "ERR", 1, c) for c in (1, 2, 3)] == ["MSH", "1", "12"]
        assert get(ack, "ERR", 1, 4, 1) == "203"
    else:
        assert [get(ack, "ERR", 2, c) for c in (1, 2, 3)] == ["MSH", "1", "12"]
        assert get(ack, "ERR", 3) == "203"


@pytest.mark.parametrize(
    "msh",
    [
        "MSH|^~\\&|GESTLAB",  # stops after MSH-3
        "MSH|^~\\&|GESTLAB|HUVH-LAB|||||ORU",  # MSH-9 without components
        "MSH|^~\\&|GESTLAB|HUVH-LAB|||||",  # no MSH-9 at all
    ],
)
def test_ar_for_a_short_msh_still_answers_what_it_can(msh: str) -> None:
    ack = read(reject_ack(rejection(er7([msh, *GESTLAB[1:]])), now=NOW))

    assert [get(ack, "MSH", n) for n in (3, 5)] == ["treatment-records", "GESTLAB"]
    assert [get(ack, "MSA", n) for n in (1, 2)] == ["AR", ""]


def test_the_ack_uses_the_senders_encoding_characters() -> None:
    segments = [s.replace("|", "#") for s in GESTLAB]
    segments[0] = segments[0].replace("#2.3#", "#2.5.1#")
    message = parse_oru(er7(segments), options())

    ack = result_ack(message, 0, [message.results[0].obx.error(ErrorCode.INTERNAL, "x|y")])

    assert ack.startswith("MSH#^~\\&#TREATREC#")
    parsed = read(ack)
    assert get(parsed, "ERR", 8) == "x|y"


def test_texts_are_escaped_and_read_back_unchanged() -> None:
    header = MessageHeader(GESTLAB_MSH.replace("|2.3|", "|2.5|"), "GESTLAB", "HUVH-LAB", "1", "2.5")
    text = "a|b^c~d\\e&f"
    error = AckError("OBX", 1, 3, ErrorCode.TABLE_VALUE_NOT_FOUND, f"local code {text!r}")

    ack = read(build_ack(header, AckCode.ERROR, [error], text=text))

    assert get(ack, "MSA", 3) == text
    assert get(ack, "ERR", 8) == error.text


def test_without_a_clock_the_ack_is_stamped_now_in_utc() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    ack = read(build_ack(None, AckCode.REJECT))
    stamped = datetime.strptime(get(ack, "MSH", 7), "%Y%m%d%H%M%S%z")

    assert before <= stamped <= before + timedelta(seconds=5)
    assert names(ack) == ["MSH", "MSA"]


def test_errors_without_a_location_up_to_v24_leave_those_err1_components_empty() -> None:
    msh_only = read(reject_ack(rejection(GESTLAB_MSH)))  # v2.3
    orphan = parse_oru(er7([*GESTLAB[:2], "OBX|1|NM|PCR^PCR^L||1|mg/L|||||F"]), options())
    no_field = read(result_ack(orphan, 0, orphan.errors))

    assert [get(msh_only, "ERR", 1, c) for c in (1, 2, 3)] == ["", "", ""]
    assert [get(msh_only, "ERR", 1, 4, s) for s in (1, 3)] == ["100", "HL70357"]
    assert [get(no_field, "ERR", 1, c) for c in (1, 2, 3)] == ["OBX", "1", ""]
    assert [get(no_field, "ERR", 1, 4, s) for s in (1, 3)] == ["100", "HL70357"]


def test_bytes_that_are_not_text_get_an_ar_with_no_sender() -> None:
    ack = read(undecodable_ack("utf-8", control_id="TR0004"))

    assert [get(ack, "MSH", n) for n in (3, 5, 10, 12)] == [
        "treatment-records",
        "",
        "TR0004",
        "2.5.1",
    ]
    assert [get(ack, "MSA", n) for n in (1, 2, 3)] == ["AR", "", "the message is not utf-8"]
    assert get(ack, "ERR", 3) == "102"
