from dataclasses import replace
from datetime import date, timedelta

import pytest

from app.rules.history import flag_changes, status_history
from app.rules.outcomes import FlagChange, Status
from app.rules.settings import RuleSettings

from .builders import day, in_remission, merge, records, regimen

MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.INSUFFICIENT_DATA
AS_OF = day("2017-12-01")
REGIMENS = (
    regimen("mtx", "methotrexate", end="2012-01-01", reason="inefficacy"),
    regimen("ada", "adalimumab", end="2013-01-01", reason="inefficacy"),
    regimen("aba", "abatacept", end="2017-03-01", reason="intolerance"),
    regimen("pred", "prednisone", "2016-01-01", "2016-12-31", dose=10),
)


def test_every_change_of_every_flag_oldest_first() -> None:
    patient_records = merge(records(regimens=REGIMENS), in_remission("2017-03-01"))

    history = status_history(patient_records, AS_OF, RuleSettings())

    assert history == [
        FlagChange("refractory", None, NOT_MET, date(2012, 1, 1)),
        FlagChange("steroid_dependent", None, NOT_MET, date(2016, 1, 1)),
        FlagChange("steroid_dependent", NOT_MET, MET, date(2016, 1, 1) + timedelta(days=180)),
        FlagChange("steroid_dependent", MET, NOT_MET, date(2017, 1, 1)),  # end + 1 day
        FlagChange("refractory", NOT_MET, MET, date(2017, 3, 1)),
        FlagChange("remission", None, MET, date(2017, 3, 1)),
        FlagChange("remission", MET, UNKNOWN, date(2017, 3, 1) + timedelta(days=91)),
    ]


@pytest.mark.parametrize("flag", ["refractory", "steroid_dependent", "remission"])
def test_one_flags_changes_are_its_part_of_the_history(flag: str) -> None:
    corrected = (replace(REGIMENS[0], entered_in_error=True), *REGIMENS[1:])
    patient_records = merge(records(regimens=corrected), in_remission("2017-03-01"))

    changes = flag_changes(flag, patient_records, AS_OF)

    assert changes  # every flag changes at least once here
    assert changes == [c for c in status_history(patient_records, AS_OF) if c.flag == flag]


def test_no_such_flag() -> None:
    with pytest.raises(ValueError, match="no flag 'activity'"):
        flag_changes("activity", records(), AS_OF)


def test_records_entered_in_error_rewrite_the_past() -> None:
    corrected = (replace(REGIMENS[0], entered_in_error=True), *REGIMENS[1:3])

    history = status_history(records(regimens=corrected), AS_OF)

    assert history == [
        FlagChange("refractory", None, NOT_MET, date(2013, 1, 1)),
        FlagChange("remission", None, UNKNOWN, AS_OF),
    ]


def test_remission_broken_and_regained() -> None:
    flare = in_remission("2017-02-01", "flare")
    flare = replace(flare, assessments=(replace(flare.assessments[0], swollen_joints_28=3),))
    patient_records = merge(in_remission("2017-01-01"), flare, in_remission("2017-03-01", "b"))

    history = status_history(patient_records, AS_OF)

    assert [(c.from_status, c.to_status, c.effective_date) for c in history] == [
        (None, MET, date(2017, 1, 1)),
        (MET, NOT_MET, date(2017, 2, 1)),
        (NOT_MET, MET, date(2017, 3, 1)),
        (MET, UNKNOWN, date(2017, 5, 31)),
    ]


def test_no_records_reports_remission_only_at_as_of() -> None:
    assert status_history(records(), AS_OF) == [FlagChange("remission", None, UNKNOWN, AS_OF)]
