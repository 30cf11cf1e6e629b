from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.rules import (
    RULES_VERSION,
    RuleSettings,
    Status,
    evaluate,
    evaluate_flags,
    flag_changes,
)
from app.rules.dates import age_in_years, clinical_date
from app.rules.inputs import PatientRecords

from .builders import at, day, in_remission, infusion, lab, merge, records, regimen, visit

AS_OF = day("2016-06-01")


def rhupus_patient() -> PatientRecords:
    """Failed methotrexate, two TNF inhibitors and abatacept; in remission on tocilizumab."""
    history = records(
        regimens=(
            regimen("mtx", "methotrexate", "2008-01-01", "2010-01-01", "intolerance"),
            regimen("ada", "adalimumab", "2010-01-01", "2012-01-01", "inefficacy"),
            regimen("etn", "etanercept", "2012-01-01", "2013-01-01", "inefficacy"),
            regimen("aba", "abatacept", "2013-01-01", "2015-06-01", "inefficacy"),
            regimen("toci", "tocilizumab", "2015-06-01", dose=8, unit="mg/kg",
                    interval_days=28),
            regimen("pred", "prednisone", "2015-01-01", "2016-03-31", dose=10),
        ),
        infusions=(infusion("inf", "2016-05-10", 640.0, 80.0),),
        labs=(lab("neut", "neutrophils", "2016-05-20", 0.8),),
        visits=(visit("visit-2", "2016-05-10", patient_global=10, evaluator_global=5, seq=1),),
    )  # fmt: skip
    return merge(in_remission("2016-05-10"), history)


def test_evaluate_returns_every_flag_score_and_alert() -> None:
    status = evaluate(rhupus_patient(), AS_OF)

    assert (status.as_of, status.rules_version) == (AS_OF, RULES_VERSION)
    assert status.settings == RuleSettings().as_dict()
    assert status.refractory.status is Status.MET
    assert status.steroid_dependent.status is Status.NOT_MET
    assert (status.remission.status, status.remission.since) == (Status.MET, day("2016-05-10"))
    assert status.disease_activity.assessment_id == "visit-2"
    assert [(a.test, a.action) for a in status.safety_alerts] == [("neutrophils", "interrupt")]
    assert [c.drug for c in status.remission.caveats] == ["tocilizumab"]
    definitions = status.remission_definitions
    assert definitions is not None
    # visit-2: TJC 0, SJC 0, PtGA 1.0, EGA 0.5; CRP 0.3 mg/dL the same day.
    assert (definitions.boolean_2011.status, definitions.cdai.value) == (Status.MET, 1.5)
    assert definitions.sdai.source_ids == ("visit-2", "crp")


def with_mistakes(patient_records: PatientRecords) -> PatientRecords:
    """Methotrexate, a high CRP and a visit with swollen joints, all entered in error."""
    mistaken = tuple(replace(r, entered_in_error=r.id == "mtx") for r in patient_records.regimens)
    wrong_lab = replace(lab("x", "crp", "2016-05-30", 50.0), entered_in_error=True)
    wrong_visit = replace(visit("y", "2016-05-30", swollen=8), entered_in_error=True)
    patient_records = replace(
        patient_records,
        regimens=mistaken,
        lab_results=(*patient_records.lab_results, wrong_lab),
        assessments=(*patient_records.assessments, wrong_visit),
        infusions=(replace(infusion("z", "2016-05-30"), entered_in_error=True),),
    )
    return patient_records


def test_evaluate_ignores_records_entered_in_error() -> None:
    status = evaluate(with_mistakes(rhupus_patient()), AS_OF)

    assert status.refractory.status is Status.NOT_MET  # no conventional failure left
    assert status.remission.status is Status.MET


def test_the_stored_flags_are_those_of_the_status() -> None:
    patient_records = with_mistakes(rhupus_patient())

    flags = evaluate_flags(patient_records, AS_OF, RuleSettings())
    status = evaluate(patient_records, AS_OF)

    assert (flags.refractory, flags.steroid_dependent, flags.remission) == (
        status.refractory,
        status.steroid_dependent,
        status.remission,
    )
    assert flags.refractory.status is Status.NOT_MET
    # The remission changes the stored flag keeps come from the same sweep as the flag.
    changes = flag_changes("remission", patient_records, AS_OF, RuleSettings())
    assert flags.remission_changes == tuple(changes)
    assert [c.to_status for c in changes][-1] is flags.remission.status is Status.MET


def test_evaluate_uses_the_given_settings() -> None:
    settings = RuleSettings(remission_window_days=10)

    status = evaluate(rhupus_patient(), AS_OF, settings)

    assert status.remission.status is Status.INSUFFICIENT_DATA
    assert status.settings["remission_window_days"] == 10


def test_settings_dump_is_json_ready() -> None:
    dumped = RuleSettings().as_dict()

    assert dumped["activity_warning_mechanisms"] == ["IL-6R", "JAK"]
    assert dumped["remission_caveat_mechanisms"] == ["IL-6R", "JAK"]
    assert dumped["steroid_non_systemic_routes"] == ["intra_articular", "topical"]
    assert (dumped["remission_caveat_days"], dumped["activity_stale_days"]) == (90, 90)
    assert dumped["steroid_threshold_mg_per_day"] == 7.5
    assert dumped["remission_window_days"] == 90
    assert dumped["clinical_timezone"] == "UTC"


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (datetime(2016, 5, 10, 23, 30, tzinfo=UTC), "UTC", date(2016, 5, 10)),
        (datetime(2016, 5, 10, 23, 30, tzinfo=UTC), "Europe/Madrid", date(2016, 5, 11)),
        (datetime(2016, 5, 10, 23, 30), "Europe/Madrid", date(2016, 5, 11)),  # naive = UTC
        (datetime(2016, 5, 10, 3, 0, tzinfo=UTC), "America/New_York", date(2016, 5, 9)),
        (datetime(2016, 5, 10, 23, 30), "UTC", date(2016, 5, 10)),  # naive, no fast path
        (datetime(2016, 5, 10, 23, 30, tzinfo=ZoneInfo("Europe/Madrid")), "UTC", date(2016, 5, 10)),
    ],
)
def test_clinical_date(moment: datetime, zone: str, expected: date) -> None:
    assert clinical_date(moment, zone) == expected


def test_the_clinical_time_zone_moves_records_across_midnight() -> None:
    late = in_remission("2016-05-10")
    late = replace(late, lab_results=tuple(
        replace(x, collected_at=at("2016-05-10", hour=23)) for x in late.lab_results
    ))  # fmt: skip
    madrid = RuleSettings(clinical_timezone="Europe/Madrid")

    assert evaluate(late, day("2016-05-10")).remission.status is Status.MET
    assert evaluate(late, day("2016-05-10"), madrid).remission.status is Status.INSUFFICIENT_DATA


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1957, 3, 1), date(2016, 2, 29), 58),
        (date(1957, 3, 1), date(2016, 3, 1), 59),
        (date(2000, 2, 29), date(2017, 2, 28), 16),
        (date(2000, 2, 29), date(2017, 3, 1), 17),
    ],
)
def test_age_in_whole_years(born: date, on: date, age: int) -> None:
    assert age_in_years(born, on) == age
