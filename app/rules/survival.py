"""Time to an event with right censoring: the Kaplan-Meier estimator, and plain medians.

Kaplan-Meier (product-limit) estimator (Kaplan & Meier, JASA 1958): at each distinct time t
with d events among the n subjects still at risk (duration >= t),
S(t) = S(t-) * (1 - d / n). A subject censored at t is still at risk at t, so at one time
events come before censorings: the standard convention, and lifelines' KaplanMeierFitter's.
The product is kept as an exact fraction and reported as a float.

In the case series (clinical-rules.md, "Case-series outcomes") the event is remission, the
duration is days from the start of the drug, and a patient who did not reach remission is
censored at the course's end or `as_of`.
"""

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class KmPoint:
    """From `day` on (until the next point) the estimate is `remission_free_probability`;
    `at_risk` counts the subjects whose duration is at least `day`."""

    day: int
    remission_free_probability: float
    at_risk: int


def kaplan_meier(durations: Sequence[int], observed: Sequence[bool]) -> list[KmPoint]:
    """The Kaplan-Meier estimate as a step list: day 0 with probability 1 and every subject
    at risk, then one point for each distinct day on which an event or a censoring happened
    (so the at-risk count at any day can be read off the list). Events on day 0 give a
    second day-0 point with the probability after them. `observed[i]` is True when subject
    i had the event at `durations[i]` days, False when censored then.

    Raises ValueError for sequences of different lengths or a negative duration."""
    if len(durations) != len(observed):
        raise ValueError("durations and observed must have the same length")
    if any(duration < 0 for duration in durations):
        raise ValueError("durations must be zero or more days")
    events = Counter(d for d, seen in zip(durations, observed, strict=True) if seen)
    leaving = Counter(durations)
    at_risk = len(durations)
    survival = Fraction(1)
    points = [KmPoint(0, 1.0, at_risk)]
    for day in sorted(leaving):
        if events[day]:
            survival *= 1 - Fraction(events[day], at_risk)
        if day > 0 or events[day]:
            points.append(KmPoint(day, float(survival), at_risk))
        at_risk -= leaving[day]
    return points


def median(values: Iterable[int]) -> float | None:
    """The median of the values (the mean of the two middle ones for an even count);
    None when there are none."""
    ordered = list(values)
    return float(statistics.median(ordered)) if ordered else None
