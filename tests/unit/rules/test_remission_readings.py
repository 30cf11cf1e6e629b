"""Remission criteria on exact, censored and titer values (clinical-rules.md, second
edition, and the contract's clarifications)."""

from dataclasses import replace

import pytest

from app.rules.inputs import LabResult
from app.rules.labs import to_canonical
from app.rules.outcomes import Criterion, Status

from .builders import in_remission
from .test_remission import CRP, DNA, ESR, EXAMPLE_DAY, criterion, evaluate, newer

MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.INSUFFICIENT_DATA


def test_crp_exactly_at_its_own_mg_dl_limit_is_normal() -> None:
    """Issue 11, defect 1: 0.57 mg/dL with a reference high of 0.57 mg/dL."""
    base = in_remission(EXAMPLE_DAY)
    crp = replace(newer("crp"), canonical_value=to_canonical(0.57, 10.0),
                  reference_high=to_canonical(0.57, 10.0))  # fmt: skip

    result = evaluate(replace(base, lab_results=(*base.lab_results, crp)))

    assert criterion(result, CRP) == Criterion(CRP, MET, 5.7, 5.7, "mg/L", "x", crp.collected_at)
    assert result.status is MET


CENSORED: list[tuple[str, LabResult, str, Status, object]] = [
    ("crp <5 at the 5 mg/L default", newer("crp", 5.0, comparator="<"), CRP, MET, "<5"),
    ("crp <=3 under a range of 3", newer("crp", 3.0, high=3.0, comparator="<="), CRP, MET, "<=3"),
    ("crp <10: could be above 5", newer("crp", 10.0, comparator="<"), CRP, UNKNOWN, "<10"),
    ("crp >5: above the default", newer("crp", 5.0, comparator=">"), CRP, NOT_MET, ">5"),
    ("crp >=5: could be exactly 5", newer("crp", 5.0, comparator=">="), CRP, UNKNOWN, ">=5"),
    ("crp >2: could be 3 or 30", newer("crp", 2.0, comparator=">"), CRP, UNKNOWN, ">2"),
    ("esr <2 mm/h", newer("esr", 2.0, comparator="<"), ESR, MET, "<2"),
    ("esr >120 mm/h", newer("esr", 120.0, comparator=">"), ESR, NOT_MET, ">120"),
    ("dsDNA <10 under 20", newer("anti_dsdna", 10.0, high=20.0, comparator="<"), DNA, MET, "<10"),
    ("dsDNA >300 over 20", newer("anti_dsdna", 300.0, high=20.0, comparator=">"), DNA, NOT_MET,
     ">300"),
    ("dsDNA <10, no range", newer("anti_dsdna", 10.0, comparator="<"), DNA, UNKNOWN, "<10"),
    ("crp with an unknown comparator", newer("crp", 1.0, comparator="~"), CRP, UNKNOWN, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("record", "name", "expected", "shown"),
    [case[1:] for case in CENSORED],
    ids=[case[0] for case in CENSORED],
)
def test_censored_values(record: LabResult, name: str, expected: Status, shown: object) -> None:
    base = in_remission(EXAMPLE_DAY)

    result = evaluate(replace(base, lab_results=(*base.lab_results, record)))

    assert (criterion(result, name).status, criterion(result, name).value) == (expected, shown)


@pytest.mark.parametrize(
    ("titer", "high", "expected"),
    [(10.0, 10.0, MET), (80.0, 10.0, NOT_MET), (80.0, None, UNKNOWN)],
)
def test_an_anti_dsdna_titer_is_read_only_against_its_own_range(
    titer: float, high: float | None, expected: Status
) -> None:
    base = in_remission(EXAMPLE_DAY)
    record = newer("anti_dsdna", titer, high=high, unit="{titer}")

    result = evaluate(replace(base, lab_results=(*base.lab_results, record)))

    assert (criterion(result, DNA).status, criterion(result, DNA).unit) == (expected, "{titer}")
