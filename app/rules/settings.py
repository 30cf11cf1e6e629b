"""Every threshold and window the rules use, with the defaults of clinical-rules.md.

A deployment may change any of them; each status names `RULES_VERSION` and the
dict from `RuleSettings.as_dict()` so a flag can be explained years later.
"""

import hashlib
import json
from dataclasses import dataclass, fields
from functools import cached_property

# 2026.2: second edition (exact decimals, dose changes, clinical-day windows, remission
# caveats and definitions, per-score activity inputs, catalogue additions).
RULES_VERSION = "2026.2"


@dataclass(frozen=True)
class RuleSettings:
    """Thresholds (units in the field names) and windows (days) of every rule.

    Fields keep simple types (a pydantic-settings model nests this class); thresholds
    given as floats are read as the decimals they print as (`exact.exact`).
    """

    # Timestamps map to calendar dates in this IANA zone.
    clinical_timezone: str = "UTC"
    # Refractory: EULAR 2021 difficult-to-treat RA, criterion 1.
    refractory_min_conventional_failures: int = 1
    refractory_min_advanced_mechanisms: int = 2
    # Steroid dependence: prednisone-equivalent mg/day held for this many days.
    steroid_threshold_mg_per_day: float = 7.5
    steroid_duration_days: int = 180
    # Glucocorticoids by these routes do not count toward the daily systemic dose.
    steroid_non_systemic_routes: tuple[str, ...] = ("intra_articular", "topical")
    # Complete clinical remission.
    remission_window_days: int = 90
    remission_sustained_days: int = 180
    crp_upper_default_mg_per_l: float = 5.0
    # IL-6R and JAK inhibitors lower ESR/CRP directly: remission carries a caveat while
    # the patient is on one, or stopped it less than this many days before.
    remission_caveat_mechanisms: tuple[str, ...] = ("IL-6R", "JAK")
    remission_caveat_days: int = 90
    # Disease activity: ESR/CRP paired with the latest assessment.
    activity_lab_window_days: int = 14
    activity_warning_mechanisms: tuple[str, ...] = ("IL-6R", "JAK")
    # A score's assessment older than this is not scored (reason `stale`).
    activity_stale_days: int = 90
    # Infusions.
    dose_tolerance_pct: float = 10.0
    dose_weight_lookback_days: int = 30
    interval_tolerance_days: int = 7
    # Tocilizumab safety (tocilizumab SmPC laboratory monitoring).
    safety_drug_codes: tuple[str, ...] = ("tocilizumab",)
    safety_window_days: int = 30
    neutrophils_discontinue_below_e9_per_l: float = 0.5
    neutrophils_interrupt_up_to_e9_per_l: float = 1.0
    platelets_discontinue_below_e9_per_l: float = 50.0
    platelets_interrupt_up_to_e9_per_l: float = 100.0
    transaminase_discontinue_above_uln: float = 5.0
    transaminase_interrupt_above_uln: float = 3.0
    transaminase_uln_default_u_per_l: float = 40.0

    def as_dict(self) -> dict[str, object]:
        """The settings as a JSON-ready dict (tuples become lists)."""
        # Field by field (every value is a str, a number or a tuple of str): cheaper than
        # asdict's deep copy, and it runs with every status.
        values = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {name: list(value) if isinstance(value, tuple) else value for name, value in values}

    @cached_property
    def digest(self) -> str:
        """The rules version and these settings, hashed: a stored evaluation made under
        another digest is not resumed (stored_flags), only replaced."""
        text = json.dumps([RULES_VERSION, self.as_dict()], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]
