"""Refractory disease, modelled on criterion 1 of the EULAR 2021 definition of
difficult-to-treat RA (Nagy et al., Ann Rheum Dis 2021;80:31-35): failure of at
least one conventional DMARD and of at least two advanced drugs with different
mechanisms of action.

A failure is a regimen ended on or before `as_of` for inefficacy, intolerance or
an adverse event. Conventional failures (csDMARD, immunosuppressant) count by drug;
advanced ones (bDMARD, tsDMARD) by distinct mechanism group, so two TNF inhibitors
count once. Glucocorticoids never count. Ended regimens with no recorded reason
make the flag `insufficient_data` when counting them as failures would make it met.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from app.rules.inputs import ADVANCED_CLASSES, CONVENTIONAL_CLASSES, Regimen
from app.rules.outcomes import Criterion, FlagResult, Status, combine
from app.rules.settings import RuleSettings

FAILURE_REASONS = frozenset({"inefficacy", "intolerance", "adverse_event"})
CONVENTIONAL = "conventional"
ADVANCED = "advanced"
CRITERIA = {
    CONVENTIONAL: ("conventional_failures", "drugs"),
    ADVANCED: ("advanced_mechanisms_failed", "mechanisms"),
}


def _group(regimen: Regimen) -> tuple[str, str] | None:
    """(category, counting key): drug code for conventional, mechanism for advanced."""
    if regimen.drug.drug_class in CONVENTIONAL_CLASSES:
        return CONVENTIONAL, regimen.drug.code
    if regimen.drug.drug_class in ADVANCED_CLASSES:
        return ADVANCED, regimen.drug.mechanism
    return None


def _sets() -> dict[str, set[str]]:
    return {CONVENTIONAL: set(), ADVANCED: set()}


@dataclass
class _Tally:
    """Failures among the ended regimens added so far."""

    failed: dict[str, set[str]] = field(default_factory=_sets)
    unrecorded: dict[str, set[str]] = field(default_factory=_sets)
    inefficacy: dict[str, set[str]] = field(default_factory=_sets)
    failed_regimens: list[Regimen] = field(default_factory=list)
    unrecorded_ids: list[str] = field(default_factory=list)

    def add(self, regimen: Regimen) -> None:
        group = _group(regimen)
        if group is None:
            return
        category, key = group
        reason = regimen.discontinuation_reason
        if reason in FAILURE_REASONS:
            self.failed[category].add(key)
            self.failed_regimens.append(regimen)
        if reason == "inefficacy":
            self.inefficacy[category].add(key)
        if reason is None:
            self.unrecorded[category].add(key)
            self.unrecorded_ids.append(regimen.id)

    def criterion(self, category: str, minimum: int) -> Criterion:
        failed = self.failed[category]
        if len(failed) >= minimum:
            status = Status.MET
        elif len(failed | self.unrecorded[category]) >= minimum:
            status = Status.INSUFFICIENT_DATA
        else:
            status = Status.NOT_MET
        name, unit = CRITERIA[category]
        return Criterion(name, status, len(failed), minimum, unit)

    def criteria(self, settings: RuleSettings) -> tuple[Criterion, Criterion]:
        return (
            self.criterion(CONVENTIONAL, settings.refractory_min_conventional_failures),
            self.criterion(ADVANCED, settings.refractory_min_advanced_mechanisms),
        )


def _ended(regimens: Iterable[Regimen], as_of: date) -> list[tuple[date, Regimen]]:
    """(end date, regimen) of the regimens ended on or before `as_of`, by end date."""
    ended = [(r.end_date, r) for r in regimens if r.end_date is not None and r.end_date <= as_of]
    return sorted(ended, key=lambda pair: (pair[0], pair[1].id))


def refractory_timeline(
    regimens: Iterable[Regimen], as_of: date, settings: RuleSettings
) -> list[tuple[date, Status]]:
    """The flag on every regimen end date up to `as_of`, in one sweep by end date."""
    tally = _Tally()
    timeline = []
    for end_date, ended in groupby(_ended(regimens, as_of), key=lambda pair: pair[0]):
        for _, regimen in ended:
            tally.add(regimen)
        timeline.append((end_date, combine(c.status for c in tally.criteria(settings))))
    return timeline


def _evidence(tally: _Tally, settings: RuleSettings) -> dict[str, object]:
    return {
        "failed_regimens": [
            {
                "id": r.id,
                "drug": r.drug.code,
                "drug_class": r.drug.drug_class,
                "mechanism": r.drug.mechanism,
                "reason": r.discontinuation_reason,
                "end_date": r.end_date,
            }
            for r in tally.failed_regimens
        ],
        "conventional_failures": len(tally.failed[CONVENTIONAL]),
        "advanced_mechanisms_failed": len(tally.failed[ADVANCED]),
        "min_conventional_failures": settings.refractory_min_conventional_failures,
        "min_advanced_mechanisms": settings.refractory_min_advanced_mechanisms,
        "inefficacy_only": {
            "conventional_failures": len(tally.inefficacy[CONVENTIONAL]),
            "advanced_mechanisms_failed": len(tally.inefficacy[ADVANCED]),
        },
        "unrecorded_reason_regimen_ids": tally.unrecorded_ids,
    }


def refractory(regimens: Iterable[Regimen], as_of: date, settings: RuleSettings) -> FlagResult:
    """EULAR 2021 D2T RA criterion 1 on `as_of`: >= 1 conventional drug and >= 2
    advanced mechanisms failed (both thresholds are settings)."""
    tally = _Tally()
    for _, regimen in _ended(regimens, as_of):
        tally.add(regimen)
    criteria = tally.criteria(settings)
    status = combine(c.status for c in criteria)
    conventional, advanced = (c.value for c in criteria)
    summary = f"{conventional} conventional drug(s) and {advanced} advanced mechanism(s) failed"
    if status is Status.INSUFFICIENT_DATA:
        summary += "; ended regimens without a recorded reason could make it met"
    return FlagResult(status, summary, criteria, _evidence(tally, settings))
