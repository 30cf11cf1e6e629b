"""What the rules read: plain frozen records a service builds from database rows.

Conventions: ids are strings; timestamps are timezone-aware (a naive one is read as
UTC); lab values are already in the test's canonical unit (`canonical_unit`, see the
lab test catalogue; `labs.to_canonical` converts a value and its reference limit alike),
and so is `reference_high`. Numbers may be floats, ints or Decimals: the rules read a
float as the decimal it prints as (`exact.exact`). `recorded_seq` is the insertion
order, used when two records share a timestamp (the one recorded later wins).
Records with `entered_in_error` are ignored by every rule.

New fields are appended with defaults, so the positional constructors of the first
edition keep working.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

from app.rules.exact import Number

CONVENTIONAL_CLASSES = frozenset({"csDMARD", "immunosuppressant"})
ADVANCED_CLASSES = frozenset({"bDMARD", "tsDMARD"})
GLUCOCORTICOID_CLASS = "glucocorticoid"


@dataclass(frozen=True)
class DrugFacts:
    """Catalogue facts of one drug; the service copies them from the drug catalogue."""

    code: str
    drug_class: str
    mechanism: str
    prednisone_factor: Number | None = None
    max_mg_per_infusion: Number | None = None


@dataclass(frozen=True)
class DoseChange:
    """A dated change of a regimen's dose (an escalation, a taper step): in force from
    `effective_date` until the next change. `interval_days` None keeps the interval in
    force; the unit may differ from the starting one."""

    id: str
    effective_date: date
    dose_value: Number
    dose_unit: str
    interval_days: int | None = None
    entered_in_error: bool = False


@dataclass(frozen=True)
class Regimen:
    """A prescribed course: `dose_unit` is 'mg', 'mg/kg', 'mg/m2' or 'mg/day'; route
    'iv', 'sc', 'oral', 'im', 'intra_articular' or 'topical'; dates inclusive.

    `dose_value`, `dose_unit` and `interval_days` are the starting dose; `dose_changes`
    the later ones (see `doses.dose_on`). `discontinuation_reason` is one of inefficacy,
    intolerance, adverse_event, remission, patient_choice, access, other, or None (not
    recorded).
    """

    id: str
    drug: DrugFacts
    dose_value: Number
    dose_unit: str
    route: str
    interval_days: int | None
    start_date: date
    end_date: date | None = None
    discontinuation_reason: str | None = None
    entered_in_error: bool = False
    dose_changes: tuple[DoseChange, ...] = ()

    def active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class Infusion:
    """One administration; `status` is 'completed', 'interrupted' or 'cancelled'."""

    id: str
    regimen_id: str
    administered_at: datetime
    dose_mg: Number
    weight_kg: Number | None = None
    status: str = "completed"
    entered_in_error: bool = False


@dataclass(frozen=True)
class LabResult:
    """A result of a catalogue test (esr, crp, anti_dsdna, c3, c4, neutrophils, ...).

    Numeric results carry `canonical_value`/`canonical_unit`; qualitative ones carry
    `value_text` ('negative', 'positive', 'borderline'). `reference_high` is the lab's
    upper reference limit converted to the canonical unit, or None when not given.
    `comparator` ('<', '<=', '>', '>=') marks a censored value such as '<0.3'. An
    anti-dsDNA titer (LOINC 11013-0) travels unconverted with the unit '{titer}'.
    """

    id: str
    test: str
    collected_at: datetime
    canonical_value: Number | None = None
    canonical_unit: str | None = None
    value_text: str | None = None
    reference_high: Number | None = None
    recorded_seq: int = 0
    entered_in_error: bool = False
    comparator: str | None = None


@dataclass(frozen=True)
class Assessment:
    """A visit: 28-joint counts, power Doppler ('positive'/'negative'), globals (0-100 mm),
    body weight (kg) and height (cm)."""

    id: str
    assessed_at: datetime
    tender_joints_28: int | None = None
    swollen_joints_28: int | None = None
    power_doppler: str | None = None
    patient_global: Number | None = None
    evaluator_global: Number | None = None
    weight_kg: Number | None = None
    recorded_seq: int = 0
    entered_in_error: bool = False
    height_cm: Number | None = None


@dataclass(frozen=True)
class Patient:
    """`sex` is 'female', 'male', 'other' or 'unknown'."""

    sex: str
    birth_date: date | None


@dataclass(frozen=True)
class PatientRecords:
    """Everything the rules read about one patient."""

    patient: Patient
    regimens: tuple[Regimen, ...] = ()
    infusions: tuple[Infusion, ...] = ()
    lab_results: tuple[LabResult, ...] = ()
    assessments: tuple[Assessment, ...] = ()

    def visible(self) -> "PatientRecords":
        """The same records without the ones entered in error."""
        return replace(
            self,
            regimens=tuple(r for r in self.regimens if not r.entered_in_error),
            infusions=tuple(i for i in self.infusions if not i.entered_in_error),
            lab_results=tuple(lab for lab in self.lab_results if not lab.entered_in_error),
            assessments=tuple(a for a in self.assessments if not a.entered_in_error),
        )
