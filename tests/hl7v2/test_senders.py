"""Whole messages of the three senders, as they arrive."""

import pytest

from app.hl7v2 import (
    ErrorCode,
    LabResultItem,
    ObxFailure,
    ObxRef,
    PreliminaryItem,
    parse_oru,
)
from tests.hl7v2.messages import GESTLAB, LABWIN, SYNLAB, er7, options


@pytest.mark.parametrize("separator", ["\r", "\n", "\r\n"])
def test_gestlab_v23_local_codes_and_local_times(separator: str) -> None:
    message = parse_oru(er7(GESTLAB, separator), options())

    assert message.header.sending_application == "GESTLAB"
    assert message.header.sending_facility == "HUVH-LAB"
    assert message.header.control_id == "GL20160115000123"
    assert message.header.version == "2.3"
    assert message.mrn == "NHC0042137"
    assert message.patient_error is None
    assert message.items == (
        LabResultItem(
            ObxRef(1, "1"),
            {
                "test": "crp",
                "value": 1.2,
                "unit": "mg/dL",
                "reference_range": {"low": 0.0, "high": 0.5},
                # 08:12 in Madrid in January (UTC+1); OBX-14 wins over OBR-7 (08:10)
                "collected_at": "2016-01-15T07:12:00Z",
                "external_id": "GL160115-0042-1",
            },
            correction=False,
        ),
        LabResultItem(
            ObxRef(2, "2"),
            {
                "test": "anti_dsdna",
                "value_text": "negative",
                # no OBX-14: OBR-7, 08:10 local
                "collected_at": "2016-01-15T07:10:00Z",
                "external_id": "GL160115-0042-2",
            },
            correction=False,
        ),
    )
    assert message.errors == ()


@pytest.mark.parametrize("separator", ["\r", "\n"])
def test_synlab_v251_loinc_offsets_preliminary_and_correction(separator: str) -> None:
    message = parse_oru(er7(SYNLAB, separator), options(mrn_authority="2.16.724.4.9.10.1"))

    assert message.header.sending_application == "SYNLAB^2.16.840.1.113883.2.19.20^ISO"
    assert message.header.idempotency_key == (
        "SYNLAB^2.16.840.1.113883.2.19.20^ISO",
        "SYNLAB-ES",
        "SYN-7781920",
    )
    assert message.mrn == "NHC0042137"  # the second PID-3 repetition: the authority's
    crp, c3, c4, dsdna = message.items
    assert crp == LabResultItem(
        ObxRef(1, "1"),
        {
            "loinc": "1988-5",
            "value": 0.5,
            "unit": "mg/L",
            "comparator": "<",
            "reference_range": {"low": None, "high": 5.0},
            "collected_at": "2016-07-10T05:45:00Z",
            "external_id": "S16-0710-5521-1",
        },
        correction=False,
    )
    assert isinstance(c3, LabResultItem)
    assert c3.body["reference_range"] == {"low": 90.0, "high": 180.0}
    assert c4 == PreliminaryItem(ObxRef(3, "3"))
    assert dsdna == LabResultItem(
        ObxRef(4, "4"),
        {
            "loinc": "5130-0",
            "value_text": "negative",
            "collected_at": "2016-07-10T05:45:00Z",
            "external_id": "S16-0710-5521-4",
        },
        correction=True,
    )
    assert message.results == (crp, c3, dsdna)
    assert message.preliminary == (c4,)
    assert message.errors == ()


def test_labwin_v24_keeps_a_bad_unit_and_fails_an_unmapped_code() -> None:
    message = parse_oru(er7(LABWIN, "\r\n"), options())

    esr, crp, ferritin, c3 = message.items
    assert isinstance(esr, LabResultItem)
    assert esr.body["test"] == "esr"
    # 10:30 on 12 April in Madrid is summer time (UTC+2)
    assert esr.body["collected_at"] == "2016-04-12T06:30:00Z"
    assert isinstance(crp, LabResultItem)
    assert (crp.body["test"], crp.body["unit"]) == ("crp", "mmol/L")  # the service refuses it
    assert ferritin == ObxFailure(
        ObxRef(3, "3"),
        ObxRef(3, "3").error(
            ErrorCode.TABLE_VALUE_NOT_FOUND,
            "OBX-3 local code 'FERR' is not LOINC and not in TR_HL7_CODE_MAP",
            3,
        ),
    )
    assert isinstance(c3, LabResultItem)
    assert c3.body["loinc"] == "4485-9"  # the code map may name a LOINC code
    assert message.errors == (ferritin.error,)


def test_the_same_message_reads_the_same_whatever_the_separators() -> None:
    parsed = {sep: parse_oru(er7(SYNLAB, sep), options()) for sep in ("\r", "\n", "\r\n")}

    assert parsed["\n"] == parsed["\r"]
    assert parsed["\r\n"] == parsed["\r"]


def test_blank_lines_and_surrounding_whitespace_are_tolerated() -> None:
    text = "\n\n  " + er7(GESTLAB, "\n\n") + "  \n"

    assert parse_oru(text, options()) == parse_oru(er7(GESTLAB), options())
