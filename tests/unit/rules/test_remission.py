from dataclasses import replace
from datetime import date, timedelta

import pytest

from app.rules.inputs import Assessment, LabResult, Patient, PatientRecords
from app.rules.outcomes import Criterion, RemissionResult, Status
from app.rules.remission import remission
from app.rules.settings import RuleSettings

from .builders import WOMAN, day, in_remission, lab, merge, records, visit

SETTINGS = RuleSettings()
EXAMPLE_DAY = "2016-05-10"
MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.INSUFFICIENT_DATA


def evaluate(patient_records: PatientRecords, as_of: str = EXAMPLE_DAY) -> RemissionResult:
    return remission(patient_records, day(as_of), SETTINGS)


def criterion(result: RemissionResult, name: str) -> Criterion:
    return next(c for c in result.criteria if c.name == name)


def test_worked_example_woman_born_1957_is_in_remission() -> None:
    result = evaluate(in_remission(EXAMPLE_DAY))

    assert result.status is MET
    assert (result.since, result.duration_days, result.sustained) == (day(EXAMPLE_DAY), 0, False)
    esr = criterion(result, "esr_normal")
    assert (esr.status, esr.value, esr.limit, esr.unit, esr.source_id) == (
        MET,
        30.0,
        34.5,
        "mm/h",
        "esr",
    )
    crp = criterion(result, "crp_normal")
    assert (crp.value, crp.limit, crp.unit) == (3.0, 5.0, "mg/L")
    assert result.summary == "In complete clinical remission since 2016-05-10"


def test_worked_example_without_power_doppler_is_insufficient() -> None:
    base = in_remission(EXAMPLE_DAY)
    no_doppler = replace(base, assessments=(visit("v", EXAMPLE_DAY, doppler=None),))

    result = evaluate(no_doppler)

    assert result.status is UNKNOWN
    assert criterion(result, "power_doppler_negative") == Criterion(
        "power_doppler_negative", UNKNOWN
    )
    assert (result.since, result.duration_days, result.sustained) == (None, None, False)
    assert result.summary == "Insufficient data for remission: power_doppler_negative unknown"


ESR, CRP, DNA = "esr_normal", "crp_normal", "anti_dsdna_negative"
SJC, TJC, PD = "no_swollen_joints", "no_tender_joints", "power_doppler_negative"


def newer(
    test: str,
    value: float | None = None,
    text: str | None = None,
    high: float | None = None,
    unit: str | None = None,
    comparator: str | None = None,
) -> LabResult:
    """A result of the worked example's day, recorded after the example's one."""
    return lab("x", test, EXAMPLE_DAY, value, text, high, seq=1, unit=unit, comparator=comparator)


def newer_visit(
    tender: int | None = 0, swollen: int | None = 0, doppler: str | None = "negative"
) -> Assessment:
    return visit("x", EXAMPLE_DAY, tender, swollen, doppler, seq=1)


OVERRIDES: list[tuple[str, LabResult | Assessment, str, Status]] = [
    ("esr at the age/sex limit", newer("esr", 34.5), ESR, MET),
    ("esr above it", newer("esr", 34.6), ESR, NOT_MET),
    ("esr without a number", newer("esr", text="n/a"), ESR, UNKNOWN),
    ("lab range beats age/sex", newer("esr", 25.0, high=20.0), ESR, NOT_MET),
    ("esr at the lab range", newer("esr", 20.0, high=20.0), ESR, MET),
    ("crp at 5 mg/L", newer("crp", 5.0), CRP, MET),
    ("crp above 5 mg/L", newer("crp", 5.1), CRP, NOT_MET),
    # Range 0-1 mg/dL, converted by the service to 10 mg/L; value 0.8 mg/dL = 8 mg/L.
    ("crp within a mg/dL range", newer("crp", 8.0, high=10.0), CRP, MET),
    # Range 0-0.3 mg/dL = 3 mg/L; value 0.4 mg/dL = 4 mg/L, below the 5 mg/L default.
    ("crp above a narrow range", newer("crp", 4.0, high=3.0), CRP, NOT_MET),
    ("crp not in mg/L", newer("crp", 0.3, unit="mg/dL"), CRP, UNKNOWN),
    ("crp in mg/L", newer("crp", 3.0, unit="mg/L"), CRP, MET),
    ("dsDNA positive", newer("anti_dsdna", text="positive"), DNA, NOT_MET),
    ("dsDNA borderline", newer("anti_dsdna", text="borderline"), DNA, NOT_MET),
    ("dsDNA Negative", newer("anti_dsdna", text=" Negative"), DNA, MET),
    ("dsDNA at range", newer("anti_dsdna", 20.0, high=20.0), DNA, MET),
    ("dsDNA above range", newer("anti_dsdna", 21.0, high=20.0), DNA, NOT_MET),
    ("dsDNA number, no range", newer("anti_dsdna", 5.0), DNA, UNKNOWN),
    ("dsDNA unknown word", newer("anti_dsdna", text="trace"), DNA, UNKNOWN),
    ("one swollen joint", newer_visit(swollen=1), SJC, NOT_MET),
    ("two tender joints", newer_visit(tender=2), TJC, NOT_MET),
    ("doppler positive", newer_visit(doppler="positive"), PD, NOT_MET),
    ("doppler equivocal", newer_visit(doppler="equivocal"), PD, UNKNOWN),
    ("visit without counts", newer_visit(None, None, None), SJC, MET),
]


@pytest.mark.parametrize(
    ("record", "name", "expected"),
    [case[1:] for case in OVERRIDES],
    ids=[case[0] for case in OVERRIDES],
)
def test_one_criterion_decides(record: LabResult | Assessment, name: str, expected: Status) -> None:
    base = in_remission(EXAMPLE_DAY)
    if isinstance(record, LabResult):
        changed = replace(base, lab_results=(*base.lab_results, record))
    else:
        changed = replace(base, assessments=(*base.assessments, record))

    result = evaluate(changed)

    assert criterion(result, name).status is expected
    assert result.status is expected


def test_not_met_outweighs_insufficient_data() -> None:
    patient_records = records(
        labs=in_remission(EXAMPLE_DAY).lab_results,
        visits=(visit("v", EXAMPLE_DAY, swollen=3, doppler=None),),
    )

    result = evaluate(patient_records)

    assert result.status is NOT_MET
    assert result.summary == "Not in remission: no_swollen_joints not met"


@pytest.mark.parametrize(
    ("patient", "collected", "value", "limit", "expected"),
    [
        (Patient("female", date(1957, 3, 1)), "2016-05-10", 34.5, 34.5, MET),
        (Patient("female", date(1957, 3, 1)), "2016-05-10", 35.0, 34.5, NOT_MET),
        # Before her birthday she is still 58: (58 + 10) / 2.
        (Patient("female", date(1957, 3, 1)), "2016-02-29", 34.5, 34.0, NOT_MET),
        (Patient("female", date(1957, 3, 1)), "2016-03-01", 34.5, 34.5, MET),
        (Patient("male", date(1957, 3, 1)), "2016-05-10", 29.5, 29.5, MET),
        (Patient("male", date(1957, 3, 1)), "2016-05-10", 30.0, 29.5, NOT_MET),
        (Patient("other", date(1957, 3, 1)), "2016-05-10", 30.0, 29.5, NOT_MET),
        (Patient("unknown", date(1957, 3, 1)), "2016-05-10", 29.5, 29.5, MET),
        (Patient("female", None), "2016-05-10", 10.0, None, UNKNOWN),
    ],
)
def test_esr_limit_by_age_and_sex(
    patient: Patient, collected: str, value: float, limit: float | None, expected: Status
) -> None:
    patient_records = records(patient=patient, labs=(lab("esr", "esr", collected, value),))

    esr = criterion(evaluate(patient_records, collected), "esr_normal")

    assert (esr.limit, esr.status) == (limit, expected)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2016-05-09", UNKNOWN),  # records collected after as_of do not exist yet
        ("2016-05-10", MET),
        ("2016-08-08", MET),  # as_of - 90 days: still in the window
        ("2016-08-09", UNKNOWN),  # as_of - 91 days: dropped out
    ],
)
def test_window_includes_both_edges(as_of: str, expected: Status) -> None:
    assert evaluate(in_remission(EXAMPLE_DAY), as_of).status is expected


def test_each_criterion_may_come_from_a_different_date() -> None:
    patient_records = records(
        labs=in_remission("2016-03-01").lab_results, visits=(visit("v", "2016-05-10"),)
    )

    result = evaluate(patient_records, "2016-05-30")

    assert (result.status, result.since) == (MET, day("2016-05-10"))
    assert criterion(result, "esr_normal").observed_at == lab("", "", "2016-03-01").collected_at


@pytest.mark.parametrize(
    ("first_seq", "second_seq", "expected"),
    [(1, 2, MET), (2, 1, NOT_MET)],
)
def test_same_time_the_later_recorded_wins(
    first_seq: int, second_seq: int, expected: Status
) -> None:
    base = in_remission(EXAMPLE_DAY)
    esr = (lab("high", "esr", EXAMPLE_DAY, 40.0, seq=first_seq),
           lab("normal", "esr", EXAMPLE_DAY, 30.0, seq=second_seq))  # fmt: skip
    labs = tuple(x for x in base.lab_results if x.test != "esr") + esr

    assert evaluate(replace(base, lab_results=labs)).status is expected


def test_an_uninterpretable_latest_record_is_not_replaced_by_an_older_one() -> None:
    base = in_remission("2016-05-01")
    later = lab("later", "esr", EXAMPLE_DAY, text="haemolysed")

    result = evaluate(replace(base, lab_results=(*base.lab_results, later)))

    assert criterion(result, "esr_normal").source_id == "later"
    assert result.status is UNKNOWN


def test_the_latest_visit_that_recorded_the_item_counts() -> None:
    base = in_remission("2016-05-01")
    weight_only = visit("weight", EXAMPLE_DAY, tender=None, swollen=None, doppler=None)

    result = evaluate(replace(base, assessments=(*base.assessments, weight_only)))

    assert criterion(result, "no_tender_joints").source_id == "visit"
    assert result.status is MET


def test_remission_broken_and_regained_moves_since() -> None:
    patient_records = merge(
        in_remission("2016-01-10"),
        records(labs=in_remission("2016-03-20", "b").lab_results),
        records(visits=(visit("flare", "2016-02-15", swollen=2), visit("ok", "2016-04-01"))),
    )

    before_flare = evaluate(patient_records, "2016-02-14")
    during_flare = evaluate(patient_records, "2016-03-25")
    after_flare = evaluate(patient_records, "2016-05-01")

    assert (before_flare.since, before_flare.duration_days) == (day("2016-01-10"), 35)
    assert (during_flare.status, during_flare.since) == (NOT_MET, None)
    assert (after_flare.status, after_flare.since, after_flare.duration_days) == (
        MET,
        day("2016-04-01"),
        30,
    )


@pytest.mark.parametrize(
    ("second_visit", "since"),
    [
        ("2016-04-09", "2016-01-10"),  # first records still in the window
        ("2016-04-10", "2016-01-10"),  # they drop out the day the next ones arrive
        ("2016-04-11", "2016-04-11"),  # one stale day breaks the run
    ],
)
def test_stale_data_breaks_the_run(second_visit: str, since: str) -> None:
    patient_records = merge(in_remission("2016-01-10"), in_remission(second_visit, "b"))

    result = evaluate(patient_records, "2016-06-01")

    assert (result.status, result.since) == (MET, day(since))


@pytest.mark.parametrize(("days", "sustained"), [(179, False), (180, True)])
def test_sustained_after_180_days(days: int, sustained: bool) -> None:
    start = day("2016-01-10")
    visits = [start + timedelta(days=60 * n) for n in range(4)]
    patient_records = merge(*(in_remission(d.isoformat(), str(d)) for d in visits))

    result = evaluate(patient_records, (start + timedelta(days=days)).isoformat())

    assert (result.status, result.since) == (MET, start)
    assert (result.duration_days, result.sustained) == (days, sustained)


def test_no_records_is_insufficient_data_with_window_evidence() -> None:
    result = evaluate(records(patient=WOMAN))

    assert result.status is UNKNOWN
    assert all(c.status is UNKNOWN for c in result.criteria)
    assert result.evidence == {
        "window_days": 90,
        "window_start": day("2016-02-10"),
        "sustained_days": 180,
    }
