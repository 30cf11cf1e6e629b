"""What the charts draw: plain frozen values, filled in by the service from the records.

Nothing here can hold a patient identifier (no name, MRN, id or birth date field), so none
can reach the SVG. Dates are clinical calendar dates; ESR is in mm/h and CRP in mg/L
(the service converts mg/dL x 10 before filling these in).
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal

DoseCheckStatus = Literal["ok", "out_of_range", "unknown"]


@dataclass(frozen=True)
class LabPoint:
    day: date
    value: float


@dataclass(frozen=True)
class InfusionMark:
    """An infusion on its day, drawn in its drug's row; `detail` (e.g. "560 mg, expected
    480 mg") is shown on hover."""

    day: date
    drug: str
    dose_check: DoseCheckStatus
    detail: str = ""


@dataclass(frozen=True)
class DoseStep:
    """The dose in force from `start` (the regimen's starting dose, then each change), e.g.
    dose "8 mg/kg", schedule "every 28 days" (empty for a daily dose such as "7.5 mg/day").
    A narrow segment shows the dose alone."""

    start: date
    dose: str
    schedule: str = ""

    @property
    def label(self) -> str:
        return f"{self.dose} {self.schedule}".strip()


@dataclass(frozen=True)
class RegimenBar:
    """A regimen from `start` to `end` (None: ongoing, drawn to the chart's last day)."""

    drug: str
    start: date
    end: date | None
    doses: tuple[DoseStep, ...] = ()


@dataclass(frozen=True)
class DateSpan:
    start: date
    end: date


@dataclass(frozen=True)
class PatientChartData:
    """One patient's course. `first_day`/`last_day` bound the chart (the request's from/to);
    None: the extent of the data. Upper limits of normal, when given, are drawn as dashed
    lines (mm/h and mg/L)."""

    esr: tuple[LabPoint, ...] = ()
    crp: tuple[LabPoint, ...] = ()
    infusions: tuple[InfusionMark, ...] = ()
    regimens: tuple[RegimenBar, ...] = ()
    remission_runs: tuple[DateSpan, ...] = ()
    first_day: date | None = None
    last_day: date | None = None
    esr_upper_limit: float | None = None
    crp_upper_limit: float | None = None


@dataclass(frozen=True)
class KmStep:
    """As `app.rules.survival.KmPoint`: from `day` on the estimate is
    `remission_free_probability`; `at_risk` subjects have a duration of at least `day`."""

    day: int
    remission_free_probability: float
    at_risk: int


@dataclass(frozen=True)
class KmChartData:
    """The Kaplan-Meier steps (day 0 first, a step at every event or censoring day) and the
    day each censored patient left follow-up (one entry a patient)."""

    drug: str
    steps: tuple[KmStep, ...]
    censored_days: tuple[int, ...] = ()
