"""One OBX at a time: codes, values, units, ranges, statuses, times, external ids."""

from typing import Any

import pytest

from app.hl7v2 import (
    ErrorCode,
    LabResultItem,
    ObxFailure,
    ObxItem,
    ObxRef,
    PreliminaryItem,
    parse_oru,
)
from tests.hl7v2.messages import obx_message, options


def obx(
    value: str = "1.2",
    *,
    value_type: str = "NM",
    code: str = "PCR^Proteina C reactiva^L",
    unit: str = "mg/L",
    reference: str = "",
    status: str = "F",
    observed: str = "",
    set_id: str = "1",
) -> str:
    """An OBX segment with its fields in their places (OBX-1, -2, -3, -5, -6, -7, -11, -14)."""
    fields = [set_id, value_type, code, "", value, unit, reference, "", "", "", status]
    return "|".join(["OBX", *fields, "", "", observed])


def only_item(*segments: str, obr_time: str = "201601150810", **settings: Any) -> ObxItem:
    (item,) = parse_oru(obx_message(*segments, obr_time=obr_time), options(**settings)).items
    return item


def body(segment: str, **settings: Any) -> dict[str, Any]:
    item = only_item(segment, **settings)
    assert isinstance(item, LabResultItem), item
    return dict(item.body)


def failure(segment: str, obr_time: str = "201601150810") -> tuple[int | None, ErrorCode, str]:
    item = only_item(segment, obr_time=obr_time)
    assert isinstance(item, ObxFailure), item
    assert (item.error.segment, item.error.sequence) == ("OBX", 1)
    return item.error.field, item.error.code, item.error.text


@pytest.mark.parametrize(
    ("obx3", "expected"),
    [
        ("1988-5^CRP^LN", {"loinc": "1988-5"}),
        ("PCR^Proteina C reactiva^L", {"test": "crp"}),  # local code through the map
        ("C3C^Complemento C3^L", {"loinc": "4485-9"}),  # mapped onto a LOINC code
        ("PCR^PCR^99LAB^1988-5^CRP^LN", {"test": "crp"}),  # the map wins over the alternate
        ("CRPX^CRP^99LAB^1988-5^CRP^LN", {"loinc": "1988-5"}),  # the sender's own LOINC
        ("99999-9^Unknown^LN", {"loinc": "99999-9"}),  # the service decides on LOINC codes
    ],
)
def test_obx3_names_the_test(obx3: str, expected: dict[str, str]) -> None:
    result = body(obx(code=obx3))

    assert {k: v for k, v in result.items() if k in ("test", "loinc")} == expected


@pytest.mark.parametrize(
    ("obx3", "code"),
    [
        ("FERR^Ferritina^L", ErrorCode.TABLE_VALUE_NOT_FOUND),
        ("CRPX^CRP^99LAB^1988-5^CRP^99LAB", ErrorCode.TABLE_VALUE_NOT_FOUND),
        ("pcr^Proteina C reactiva^L", ErrorCode.TABLE_VALUE_NOT_FOUND),  # codes are exact
        ("^Proteina C reactiva^L", ErrorCode.REQUIRED_FIELD_MISSING),
    ],
)
def test_a_code_that_does_not_map_fails_its_obx(obx3: str, code: ErrorCode) -> None:
    assert failure(obx(code=obx3))[:2] == (3, code)


@pytest.mark.parametrize(
    ("value_type", "value", "expected"),
    [
        ("NM", "1.2", {"value": 1.2}),
        ("NM", " 12 ", {"value": 12.0}),
        ("NM", ".5", {"value": 0.5}),
        ("NM", "-3", {"value": -3.0}),  # the schema refuses negatives, naming the field
        ("nm", "1", {"value": 1.0}),
        ("SN", "<^0.5", {"value": 0.5, "comparator": "<"}),
        ("SN", "<=^0.5", {"value": 0.5, "comparator": "<="}),
        ("SN", ">^160", {"value": 160.0, "comparator": ">"}),
        ("SN", ">=^160", {"value": 160.0, "comparator": ">="}),
        ("SN", "^5", {"value": 5.0}),
        ("SN", "=^5", {"value": 5.0}),
    ],
)
def test_numeric_values(value_type: str, value: str, expected: dict[str, object]) -> None:
    result = body(obx(value, value_type=value_type))

    assert {k: v for k, v in result.items() if k in ("value", "comparator")} == expected
    assert result["unit"] == "mg/L"


@pytest.mark.parametrize(
    ("value_type", "value", "field", "code"),
    [
        ("NM", "abc", 5, ErrorCode.DATA_TYPE),
        ("NM", "<0.5", 5, ErrorCode.DATA_TYPE),  # a comparator needs SN
        ("NM", "1e3", 5, ErrorCode.DATA_TYPE),
        ("NM", "nan", 5, ErrorCode.DATA_TYPE),
        ("NM", "1,5", 5, ErrorCode.DATA_TYPE),
        ("NM", "9" * 400, 5, ErrorCode.DATA_TYPE),  # not finite as a float
        ("NM", "", 5, ErrorCode.REQUIRED_FIELD_MISSING),
        ("NM", "1~2", 5, ErrorCode.DATA_TYPE),  # repeated
        ("NM", "1.2^H", 5, ErrorCode.DATA_TYPE),  # NM has no components
        ("SN", "5", 5, ErrorCode.DATA_TYPE),  # SN-1 is the comparator
        ("SN", "<>^5", 5, ErrorCode.DATA_TYPE),
        ("SN", "^1^-^5", 5, ErrorCode.DATA_TYPE),  # a range
        ("SN", "^1^:^40", 5, ErrorCode.DATA_TYPE),  # a ratio
        ("SN", "^1^^^x", 5, ErrorCode.DATA_TYPE),  # more than four components
        ("SN", "<^", 5, ErrorCode.REQUIRED_FIELD_MISSING),
        ("SN", "<^abc", 5, ErrorCode.DATA_TYPE),
        ("TX", "1.2", 2, ErrorCode.DATA_TYPE),
        ("", "1.2", 2, ErrorCode.DATA_TYPE),
    ],
)
def test_values_that_do_not_read_fail_their_obx(
    value_type: str, value: str, field: int, code: ErrorCode
) -> None:
    assert failure(obx(value, value_type=value_type))[:2] == (field, code)


@pytest.mark.parametrize(
    "segment",
    [
        obx("4471.5x"),
        obx("<^4471.5x", value_type="SN"),
        obx("4471.5x", value_type="ST", code="ADNA^anti-DNA^L"),
        obx(reference="4471.5x"),
        obx(observed="4471.5x"),
    ],
)
def test_an_error_never_repeats_the_value(segment: str) -> None:
    assert "4471.5" not in failure(segment)[2]


def test_a_numeric_value_needs_a_unit_and_keeps_it_as_sent() -> None:
    assert failure(obx(unit=""))[:2] == (6, ErrorCode.REQUIRED_FIELD_MISSING)
    assert body(obx(unit="mg/dl"))["unit"] == "mg/dl"
    assert body(obx(unit="mmol/L"))["unit"] == "mmol/L"  # CRP takes no mmol/L: the service says
    assert body(obx(unit="mg/L^milligram per liter^UCUM"))["unit"] == "mg/L"


@pytest.mark.parametrize(
    ("value_type", "value", "expected"),
    [
        ("CE", "NEG^Negativo^L", "negative"),
        ("CE", "neg^Negativo^L", "negative"),  # the text map ignores case
        ("CWE", "260385009^Negative^SCT", "negative"),  # the identifier unknown, the text maps
        ("CWE", "10828004^Positive^SCT", "positive"),
        ("CE", "DETECTED", "positive"),
        ("ST", "Not detected", "negative"),
        ("ST", " POSITIVE ", "positive"),
    ],
)
def test_qualitative_values_map_through_the_text_map(
    value_type: str, value: str, expected: str
) -> None:
    segment = obx(value, value_type=value_type, code="ADNA^anti-DNA^L", unit="IU/mL")

    # A qualitative result carries no unit and no range: OBX-6 and OBX-7 are not read.
    assert body(segment.replace("IU/mL|", "IU/mL|NEG")) == {
        "test": "anti_dsdna",
        "value_text": expected,
        "collected_at": "2016-01-15T07:10:00Z",
        "external_id": "GL160115-0042-1",
    }


@pytest.mark.parametrize(
    ("value_type", "value", "code"),
    [
        ("CE", "EQV^Equivocal^L", ErrorCode.TABLE_VALUE_NOT_FOUND),
        ("ST", "Dudoso", ErrorCode.TABLE_VALUE_NOT_FOUND),
        ("ST", "NEG^POS", ErrorCode.DATA_TYPE),  # ST has no components
        ("ST", "", ErrorCode.REQUIRED_FIELD_MISSING),
    ],
)
def test_text_outside_the_map_fails_its_obx(value_type: str, value: str, code: ErrorCode) -> None:
    segment = obx(value, value_type=value_type, code="ADNA^anti-DNA^L", unit="")

    assert failure(segment)[:2] == (5, code)


def test_a_custom_text_map_replaces_the_default() -> None:
    text_map = {"Dudoso": "borderline", "Negativo": "negative"}

    def read(value: str) -> ObxItem:
        segment = obx(value, value_type="ST", code="ADNA^anti-DNA^L", unit="")
        return only_item(segment, text_map=text_map)

    assert read("DUDOSO") == LabResultItem(
        ObxRef(1, "1"),
        {
            "test": "anti_dsdna",
            "value_text": "borderline",
            "collected_at": "2016-01-15T07:10:00Z",
            "external_id": "GL160115-0042-1",
        },
        correction=False,
    )
    assert isinstance(read("negativo"), LabResultItem)
    assert isinstance(read("NEG"), ObxFailure)


@pytest.mark.parametrize(
    ("obx7", "expected"),
    [
        ("0-0.5", {"low": 0.0, "high": 0.5}),
        ("0.0 - 5", {"low": 0.0, "high": 5.0}),
        ("<5", {"low": None, "high": 5.0}),
        ("<=5", {"low": None, "high": 5.0}),
        (">10", {"low": 10.0, "high": None}),
        (">= 10", {"low": 10.0, "high": None}),
        (" ", None),
        ("", None),
    ],
)
def test_reference_ranges(obx7: str, expected: dict[str, float | None] | None) -> None:
    assert body(obx(reference=obx7)).get("reference_range") == expected


@pytest.mark.parametrize("obx7", ["normal", "0-", "-5", "5-0", "<", "1-2-3", "0.5 mg/L", "=5"])
def test_a_range_that_does_not_read_fails_its_obx(obx7: str) -> None:
    assert failure(obx(reference=obx7))[:2] == (7, ErrorCode.DATA_TYPE)


@pytest.mark.parametrize(("status", "correction"), [("F", False), ("C", True), ("c", True)])
def test_final_and_corrected_results_are_stored(status: str, correction: bool) -> None:
    item = only_item(obx(status=status))

    assert isinstance(item, LabResultItem)
    assert item.correction is correction


def test_a_preliminary_result_is_acknowledged_whatever_its_content() -> None:
    item = only_item(obx("not a number", code="UNMAPPED^x^L", unit="", status="P", set_id="4"))

    assert item == PreliminaryItem(ObxRef(1, "4"))


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("X", ErrorCode.TABLE_VALUE_NOT_FOUND),  # cannot be obtained
        ("D", ErrorCode.TABLE_VALUE_NOT_FOUND),  # delete
        ("W", ErrorCode.TABLE_VALUE_NOT_FOUND),  # wrong
        ("FINAL", ErrorCode.TABLE_VALUE_NOT_FOUND),
        ("", ErrorCode.REQUIRED_FIELD_MISSING),
    ],
)
def test_other_result_statuses_fail_their_obx(status: str, code: ErrorCode) -> None:
    assert failure(obx(status=status))[:2] == (11, code)


@pytest.mark.parametrize(
    ("obx14", "obr7", "collected_at"),
    [
        ("201601150812", "201601150810", "2016-01-15T07:12:00Z"),  # OBX-14 first
        ("", "201601150810", "2016-01-15T07:10:00Z"),  # else OBR-7
        ("201607150812", "", "2016-07-15T06:12:00Z"),  # summer time in Madrid
        ("20160715081230-0500", "", "2016-07-15T13:12:30Z"),  # an offset wins over the zone
        ("201607150812^M", "", "2016-07-15T06:12:00Z"),  # TS degree of precision (v2.3)
    ],
)
def test_collection_time(obx14: str, obr7: str, collected_at: str) -> None:
    item = only_item(obx(observed=obx14), obr_time=obr7)

    assert isinstance(item, LabResultItem)
    assert item.body["collected_at"] == collected_at


@pytest.mark.parametrize(
    ("obx14", "obr7", "code", "source"),
    [
        ("", "", ErrorCode.REQUIRED_FIELD_MISSING, "OBR-7"),
        ("20160115", "", ErrorCode.DATA_TYPE, "OBX-14"),  # a date is not a time
        ("", "2016011508", ErrorCode.DATA_TYPE, "OBR-7"),
        ("201602300800", "", ErrorCode.DATA_TYPE, "OBX-14"),  # 30 February
        ("201603270230", "", ErrorCode.DATA_TYPE, "OBX-14"),  # skipped in Madrid
        ("201610300230", "", ErrorCode.DATA_TYPE, "OBX-14"),  # twice in Madrid
        ("201607150800+0160", "", ErrorCode.DATA_TYPE, "OBX-14"),  # 60 offset minutes
        ("201607150800+2500", "", ErrorCode.DATA_TYPE, "OBX-14"),  # beyond a day
        ("201607150800+02", "", ErrorCode.DATA_TYPE, "OBX-14"),
    ],
)
def test_a_missing_or_wrong_time_fails_its_obx(
    obx14: str, obr7: str, code: ErrorCode, source: str
) -> None:
    field, found, text = failure(obx(observed=obx14), obr_time=obr7)

    assert (field, found) == (14, code)
    assert source in text


def test_the_external_id_is_the_filler_order_number_and_the_set_id() -> None:
    assert body(obx(set_id="7"))["external_id"] == "GL160115-0042-7"


def test_an_obx_without_a_set_id_fails() -> None:
    assert failure(obx(set_id=""))[:2] == (1, ErrorCode.REQUIRED_FIELD_MISSING)
