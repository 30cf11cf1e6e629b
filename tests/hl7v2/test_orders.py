"""OBX in their OBR: external ids, times and order across several OBR of one message."""

from app.hl7v2 import ErrorCode, LabResultItem, ObxFailure, ObxRef, parse_oru
from tests.hl7v2.messages import GESTLAB, er7, options

HEAD = GESTLAB[:2]
CRP = "OBX|{}|NM|PCR^PCR^L||1.2|mg/L|||||F"
ESR = "OBX|{}|NM|VSG^VSG^L||22|mm/h|||||F"


def parse(*segments: str) -> tuple[object, ...]:
    return parse_oru(er7([*HEAD, *segments]), options()).items


def test_each_obx_takes_the_filler_number_and_time_of_its_own_obr() -> None:
    crp, esr = parse(
        "OBR|1|P1|F-100^LAB||||201601150810",
        CRP.format(1),
        "NTE|1||comment between",
        "OBR|2|P2|F-200^LAB||||201607150810",
        ESR.format(1),
    )

    assert isinstance(crp, LabResultItem)
    assert isinstance(esr, LabResultItem)
    assert (crp.body["external_id"], crp.body["collected_at"]) == (
        "F-100-1",
        "2016-01-15T07:10:00Z",
    )
    assert (esr.body["external_id"], esr.body["collected_at"]) == (
        "F-200-1",
        "2016-07-15T06:10:00Z",
    )
    assert (crp.obx, esr.obx) == (ObxRef(1, "1"), ObxRef(2, "1"))  # occurrence vs set id


def test_an_obx_before_any_obr_fails() -> None:
    orphan, crp = parse(CRP.format(1), "OBR|1|P1|F-100||||201601150810", CRP.format(2))

    assert orphan == ObxFailure(
        ObxRef(1, "1"),
        ObxRef(1, "1").error(ErrorCode.SEGMENT_SEQUENCE, "OBX comes before any OBR"),
    )
    assert isinstance(crp, LabResultItem)


def test_an_obr_without_a_filler_order_number_fails_its_obx() -> None:
    (item,) = parse("OBR|1|P1|||||201601150810", CRP.format(1))

    assert isinstance(item, ObxFailure)
    assert item.error.code == ErrorCode.REQUIRED_FIELD_MISSING
    assert "OBR-3" in item.error.text


def test_a_repeated_external_id_fails_the_later_obx() -> None:
    first, again, other = parse(
        "OBR|1|P1|F-100||||201601150810",
        CRP.format(1),
        ESR.format(1),
        ESR.format(2),
    )

    assert isinstance(first, LabResultItem)
    assert again == ObxFailure(
        ObxRef(2, "1"),
        ObxRef(2, "1").error(
            ErrorCode.DUPLICATE_KEY,
            "OBR-3 filler order number and OBX-1 set id repeat an earlier OBX",
            1,
        ),
    )
    assert isinstance(other, LabResultItem)
    assert other.body["external_id"] == "F-100-2"


def test_a_message_with_no_obx_has_no_items() -> None:
    message = parse_oru(er7([*HEAD, "OBR|1|P1|F-100||||201601150810"]), options())

    assert (message.items, message.results, message.errors) == ((), (), ())
