"""Small typed builders of rules inputs for the unit tests."""

from datetime import UTC, date, datetime

from app.rules.inputs import (
    Assessment,
    DoseChange,
    DrugFacts,
    Infusion,
    LabResult,
    Patient,
    PatientRecords,
    Regimen,
)

DRUGS = {
    fact.code: fact
    for fact in (
        DrugFacts("methotrexate", "csDMARD", "antifolate"),
        DrugFacts("leflunomide", "csDMARD", "DHODH"),
        DrugFacts("hydroxychloroquine", "csDMARD", "antimalarial"),
        DrugFacts("mycophenolate_mofetil", "immunosuppressant", "IMPDH"),
        DrugFacts("adalimumab", "bDMARD", "TNF"),
        DrugFacts("etanercept", "bDMARD", "TNF"),
        DrugFacts("abatacept", "bDMARD", "CTLA4-Ig (T-cell costimulation)"),
        DrugFacts("rituximab", "bDMARD", "CD20"),
        DrugFacts("tocilizumab", "bDMARD", "IL-6R", max_mg_per_infusion=800.0),
        DrugFacts("tofacitinib", "tsDMARD", "JAK"),
        DrugFacts("prednisone", "glucocorticoid", "glucocorticoid", prednisone_factor=1.0),
        DrugFacts("prednisolone", "glucocorticoid", "glucocorticoid", prednisone_factor=1.0),
        DrugFacts("methylprednisolone", "glucocorticoid", "glucocorticoid", 1.25),
        DrugFacts("dexamethasone", "glucocorticoid", "glucocorticoid", prednisone_factor=6.67),
        DrugFacts("hydrocortisone", "glucocorticoid", "glucocorticoid", prednisone_factor=0.25),
        DrugFacts("deflazacort", "glucocorticoid", "glucocorticoid", prednisone_factor=0.83),
        DrugFacts("triamcinolone", "glucocorticoid", "glucocorticoid", prednisone_factor=1.25),
        DrugFacts("betamethasone", "glucocorticoid", "glucocorticoid", prednisone_factor=6.67),
        DrugFacts("cortisone", "glucocorticoid", "glucocorticoid", prednisone_factor=0.2),
        DrugFacts("budesonide", "glucocorticoid", "glucocorticoid"),
        DrugFacts("cyclophosphamide", "immunosuppressant", "alkylating"),
        DrugFacts("baricitinib", "tsDMARD", "JAK"),
        DrugFacts("sarilumab", "bDMARD", "IL-6R"),
    )
}
WOMAN = Patient("female", date(1957, 3, 1))


def day(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str, hour: int = 9) -> datetime:
    """A UTC timestamp on a day."""
    return datetime.fromisoformat(text).replace(hour=hour, tzinfo=UTC)


def regimen(
    regimen_id: str,
    drug: str,
    start: str = "2010-01-01",
    end: str | None = None,
    reason: str | None = None,
    dose: float = 10.0,
    unit: str = "mg/day",
    interval_days: int | None = None,
    route: str = "oral",
    changes: tuple[DoseChange, ...] = (),
) -> Regimen:
    return Regimen(
        id=regimen_id,
        drug=DRUGS[drug],
        dose_value=dose,
        dose_unit=unit,
        route=route,
        interval_days=interval_days,
        start_date=day(start),
        end_date=None if end is None else day(end),
        discontinuation_reason=reason,
        dose_changes=changes,
    )


def change(
    change_id: str,
    effective: str,
    dose: float,
    unit: str = "mg/day",
    interval_days: int | None = None,
    entered_in_error: bool = False,
) -> DoseChange:
    return DoseChange(change_id, day(effective), dose, unit, interval_days, entered_in_error)


def lab(
    lab_id: str,
    test: str,
    when: str,
    value: float | None = None,
    text: str | None = None,
    high: float | None = None,
    seq: int = 0,
    unit: str | None = None,
    comparator: str | None = None,
) -> LabResult:
    return LabResult(
        id=lab_id,
        test=test,
        collected_at=at(when),
        canonical_value=value,
        canonical_unit=unit,
        value_text=text,
        reference_high=high,
        recorded_seq=seq,
        comparator=comparator,
    )


def visit(
    visit_id: str,
    when: str,
    tender: int | None = 0,
    swollen: int | None = 0,
    doppler: str | None = "negative",
    patient_global: float | None = None,
    evaluator_global: float | None = None,
    weight_kg: float | None = None,
    seq: int = 0,
    height_cm: float | None = None,
) -> Assessment:
    return Assessment(
        id=visit_id,
        assessed_at=at(when),
        tender_joints_28=tender,
        swollen_joints_28=swollen,
        power_doppler=doppler,
        patient_global=patient_global,
        evaluator_global=evaluator_global,
        weight_kg=weight_kg,
        recorded_seq=seq,
        height_cm=height_cm,
    )


def infusion(
    infusion_id: str,
    when: str,
    dose_mg: float = 640.0,
    weight_kg: float | None = None,
    status: str = "completed",
    regimen_id: str = "toci",
) -> Infusion:
    return Infusion(infusion_id, regimen_id, at(when), dose_mg, weight_kg, status)


def normal_labs(when: str, prefix: str = "") -> tuple[LabResult, ...]:
    """ESR, CRP and anti-dsDNA results that meet remission for `WOMAN`."""
    return (
        lab(f"{prefix}esr", "esr", when, 30.0),
        lab(f"{prefix}crp", "crp", when, 3.0),
        lab(f"{prefix}dna", "anti_dsdna", when, text="negative"),
    )


def records(
    *,
    patient: Patient = WOMAN,
    regimens: tuple[Regimen, ...] = (),
    infusions: tuple[Infusion, ...] = (),
    labs: tuple[LabResult, ...] = (),
    visits: tuple[Assessment, ...] = (),
) -> PatientRecords:
    return PatientRecords(patient, regimens, infusions, labs, visits)


def in_remission(when: str, prefix: str = "") -> PatientRecords:
    """Labs and an assessment on one day meeting all six remission criteria."""
    return records(labs=normal_labs(when, prefix), visits=(visit(f"{prefix}visit", when),))


def merge(*parts: PatientRecords) -> PatientRecords:
    return records(
        patient=parts[0].patient,
        regimens=tuple(r for p in parts for r in p.regimens),
        infusions=tuple(i for p in parts for i in p.infusions),
        labs=tuple(x for p in parts for x in p.lab_results),
        visits=tuple(v for p in parts for v in p.assessments),
    )
