"""The published remission definitions, reported beside the remission flag (not stored).

ACR/EULAR Boolean 2011 (Felson et al., Arthritis Rheum 2011;63:573-86): TJC28 <= 1,
SJC28 <= 1, CRP <= 1 mg/dL, PtGA <= 1 (0-10). Boolean 2022 (Studenic et al., Ann Rheum
Dis 2022): the same with PtGA <= 2. SDAI <= 3.3 and CDAI <= 2.8 (Aletaha & Smolen 2005).

Each definition reads the latest assessment in the remission window (`as_of - 90 days`
to `as_of`) that has the items it needs, and (Boolean, SDAI) the latest CRP collected
within 14 days of that assessment, on either side, never after `as_of`. Globals are
recorded 0-100 mm and divided by 10; CRP is canonical mg/L and divided by 10 into mg/dL.
A missing CRP makes the definition `insufficient_data`: it never falls back to the
CRP-free variant. All sums and comparisons are exact decimals.
"""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from app.rules.activity import cdai
from app.rules.dates import clinical_date, days_before, instant
from app.rules.exact import Reading, exact, reported
from app.rules.inputs import Assessment, LabResult, PatientRecords
from app.rules.labs import lab_order, reading
from app.rules.outcomes import (
    Criterion,
    RemissionDefinition,
    RemissionDefinitions,
    Status,
    combine,
)
from app.rules.remission_criteria import TRUTH
from app.rules.settings import RuleSettings

TEN = Decimal(10)
ONE = Decimal(1)
CRP_LIMIT_MG_DL = ONE
SDAI_LIMIT = Decimal("3.3")
CDAI_LIMIT = Decimal("2.8")
BOOLEAN_ITEMS = ("tender_joints_28", "swollen_joints_28", "patient_global")
SCORE_ITEMS = (*BOOLEAN_ITEMS, "evaluator_global")


class _Window:
    """The remission window's assessments (newest first) and CRP results."""

    def __init__(self, records: PatientRecords, as_of: date, settings: RuleSettings) -> None:
        self.tz, self.as_of, self.settings = settings.clinical_timezone, as_of, settings
        first = days_before(as_of, settings.remission_window_days)
        self.visits = sorted(
            (v for v in records.assessments if first <= self.day(v.assessed_at) <= as_of),
            key=lambda v: (self.day(v.assessed_at), instant(v.assessed_at), v.recorded_seq),
            reverse=True,
        )
        self.crp = sorted(
            (lab for lab in records.lab_results if lab.test == "crp"),
            key=lambda lab: lab_order(lab, self.tz),
            reverse=True,
        )

    def day(self, moment: datetime) -> date:
        return clinical_date(moment, self.tz)

    def visit_with(self, items: Sequence[str]) -> Assessment | None:
        return next(
            (v for v in self.visits if all(getattr(v, name) is not None for name in items)),
            None,
        )

    def crp_near(self, visit: Assessment) -> LabResult | None:
        """The latest CRP within 14 days of the visit (either side), not after `as_of`."""
        visit_day = self.day(visit.assessed_at)
        window = self.settings.activity_lab_window_days
        return next(
            (
                lab
                for lab in self.crp
                if self.day(lab.collected_at) <= self.as_of
                and abs((self.day(lab.collected_at) - visit_day).days) <= window
            ),
            None,
        )


def _judged(
    name: str,
    value: Reading | None,
    limit: Decimal,
    unit: str | None,
    source: LabResult | Assessment | None,
) -> Criterion:
    """value <= limit, exactly (a censored value that cannot tell: insufficient data)."""
    status = Status.INSUFFICIENT_DATA if value is None else TRUTH[value.at_most(limit)]
    shown = None if value is None else value.shown()
    if source is None:
        return Criterion(name, status, shown, float(limit), unit)
    observed = source.collected_at if isinstance(source, LabResult) else source.assessed_at
    return Criterion(name, status, shown, float(limit), unit, source.id, observed)


def _crp_mg_dl(lab: LabResult | None) -> Reading | None:
    """The CRP in mg/dL (canonical mg/L / 10), censored or not; None when unusable."""
    found = None if lab is None else reading(lab)
    return None if found is None else Reading(found.value / TEN, found.comparator, "mg/dL")


def _missing(name: str, items: Sequence[str]) -> RemissionDefinition:
    criteria = tuple(Criterion(item, Status.INSUFFICIENT_DATA) for item in items)
    return RemissionDefinition(name, Status.INSUFFICIENT_DATA, None, criteria, None)


def _boolean(name: str, window: _Window, ptga_limit: Decimal) -> RemissionDefinition:
    visit = window.visit_with(BOOLEAN_ITEMS)
    if visit is None:
        return _missing(name, (*BOOLEAN_ITEMS[:2], "crp", BOOLEAN_ITEMS[2]))
    lab = window.crp_near(visit)
    crp = _crp_mg_dl(lab)
    tjc, sjc, ptga = (exact(getattr(visit, item)) for item in BOOLEAN_ITEMS)
    criteria = (
        _judged("tender_joints_28", Reading(tjc), ONE, "joints", visit),
        _judged("swollen_joints_28", Reading(sjc), ONE, "joints", visit),
        _judged("crp", crp, CRP_LIMIT_MG_DL, "mg/dL", lab),
        _judged("patient_global", Reading(ptga / TEN), ptga_limit, "0-10", visit),
    )
    # A missing CRP never turns Boolean into its CRP-free variant.
    status = Status.INSUFFICIENT_DATA if crp is None else combine(c.status for c in criteria)
    ids = (visit.id,) if lab is None else (visit.id, lab.id)
    return RemissionDefinition(name, status, None, criteria, visit.id, ids)


def _score(
    name: str, visit: Assessment, total: Reading | None, limit: Decimal, ids: tuple[str, ...]
) -> RemissionDefinition:
    """A score at or below its remission limit; a censored total is shown as its bound."""
    status = Status.INSUFFICIENT_DATA if total is None else TRUTH[total.at_most(limit)]
    value = None if total is None or total.censored else reported(total.value)
    shown = total.shown() if total is not None and total.censored else value
    criterion = Criterion(name, status, shown, float(limit), None, visit.id, visit.assessed_at)
    return RemissionDefinition(name, status, value, (criterion,), visit.id, ids)


def _cdai(window: _Window) -> RemissionDefinition:
    visit = window.visit_with(SCORE_ITEMS)
    if visit is None:
        return _missing("cdai", ("cdai",))
    total = cdai(*(exact(getattr(visit, item)) for item in SCORE_ITEMS))
    return _score("cdai", visit, Reading(total), CDAI_LIMIT, (visit.id,))


def _sdai(window: _Window) -> RemissionDefinition:
    visit = window.visit_with(SCORE_ITEMS)
    if visit is None:
        return _missing("sdai", ("sdai",))
    lab = window.crp_near(visit)
    crp = _crp_mg_dl(lab)
    total = None
    if crp is not None:
        # SDAI = CDAI + CRP: a censored CRP bounds the SDAI the same way ('<x' -> '<CDAI + x').
        cdai_value = cdai(*(exact(getattr(visit, item)) for item in SCORE_ITEMS))
        total = Reading(cdai_value + crp.value, crp.comparator)
    ids = (visit.id,) if lab is None else (visit.id, lab.id)
    return _score("sdai", visit, total, SDAI_LIMIT, ids)


def remission_definitions(
    records: PatientRecords, as_of: date, settings: RuleSettings
) -> RemissionDefinitions:
    """Boolean 2011, Boolean 2022, SDAI and CDAI remission on `as_of`, side by side."""
    window = _Window(records, as_of, settings)
    return RemissionDefinitions(
        boolean_2011=_boolean("boolean_2011", window, Decimal(1)),
        boolean_2022=_boolean("boolean_2022", window, Decimal(2)),
        sdai=_sdai(window),
        cdai=_cdai(window),
    )
