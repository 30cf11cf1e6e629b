"""The readers over python-hl7 segments: absent parts read as empty."""

import hl7
import pytest

from app.hl7v2.fields import component, components, raw, repetitions, subcomponent

PID = hl7.parse(
    "MSH|^~\\&|GESTLAB\rPID|1||NHC1^^^HUVH&2.16.724&ISO^MR~X9^^^MI||A\\T\\B^MARIA"
).segment("PID")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((3, 1), "NHC1"),
        ((3, 4), "HUVH"),
        ((3, 5), "MR"),
        ((3, 1, 2), "X9"),
        ((3, 5, 2), ""),  # past the last component
        ((3, 1, 3), ""),  # past the last repetition
        ((1, 2), ""),  # a plain value has no second component
        ((5, 1), "A&B"),  # unescaped
        ((40, 1), ""),  # past the last field
        ((40, 2), ""),
    ],
)
def test_component(args: tuple[int, ...], expected: str) -> None:
    assert component(PID, *args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((3, 4, 1), "HUVH"),
        ((3, 4, 2), "2.16.724"),
        ((3, 4, 2, 2), ""),  # MI has no universal id
        ((3, 4, 4), ""),
        ((40, 4, 2), ""),  # past the last field
    ],
)
def test_subcomponent(args: tuple[int, ...], expected: str) -> None:
    assert subcomponent(PID, *args) == expected


def test_components_repetitions_and_raw_text() -> None:
    assert components(PID, 3) == ["NHC1", "", "", "HUVH", "MR"]
    assert components(PID, 3, 2) == ["X9", "", "", "MI"]
    assert components(PID, 1) == ["1"]
    assert components(PID, 3, 3) == [""]
    assert components(PID, 40) == [""]
    assert [repetitions(PID, n) for n in (1, 2, 3, 40)] == [1, 0, 2, 0]
    assert raw(PID, 5) == "A\\T\\B^MARIA"
    assert raw(PID, 40) == ""
