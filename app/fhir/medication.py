"""MedicationRequest (regimen, one dosage instruction per dose period) and
MedicationAdministration (infusion, with its checks and the weight it was dosed by)."""

from datetime import date, timedelta
from typing import Any, NamedTuple

from app.catalog import drugs
from app.fhir.codes import (
    ADMINISTRATION_STATUS,
    ATC,
    BODY_WEIGHT,
    BODY_WEIGHT_PROFILE,
    DOSE_UNITS,
    LOINC,
    ROUTES,
    SNOMED,
)
from app.fhir.config import FhirConfig
from app.fhir.datatypes import (
    Record,
    Resource,
    category,
    coding,
    concept,
    identifiers,
    in_error,
    instant,
    meta,
    quantity,
    reference,
    with_optional,
)

WEIGHT_ID = "weight"


class DosePeriod(NamedTuple):
    """A stretch of a regimen with one dose: from `start` to `end` (inclusive; None: open)."""

    start: date
    end: date | None
    dose: Record
    interval_days: int | None


def _date(value: str | date) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def dose_periods(regimen: Record) -> list[DosePeriod]:
    """The starting dose, then each live dose change, each until the day before the next;
    the interval in force carries over a change that omits it. Empty periods (a change
    effective on the start date) are left out."""
    changes = [c for c in regimen.get("dose_changes") or [] if not in_error(c)]
    changes.sort(key=lambda c: _date(c["effective_date"]))
    start, dose, interval = _date(regimen["start_date"]), regimen["dose"], regimen["interval_days"]
    periods = []
    for change in changes:
        effective = _date(change["effective_date"])
        periods.append(DosePeriod(start, effective - timedelta(days=1), dose, interval))
        start, dose = effective, change["dose"]
        interval = change.get("interval_days") or interval
    end = regimen.get("end_date")
    periods.append(DosePeriod(start, _date(end) if end else None, dose, interval))
    return [p for p in periods if p.end is None or p.end >= p.start]


def medication_concept(drug: str, config: FhirConfig) -> dict[str, Any]:
    """ATC coding (when the drug is in the catalogue), our drug code, the code as text."""
    known = drugs().get(drug)
    atc = [coding(ATC, known.atc)] if known else []
    return concept(*atc, coding(config.code_system("drug"), drug), text=drug)


def route_concept(route: str, config: FhirConfig) -> dict[str, Any]:
    """SNOMED CT route (when we know it), our route code, the code as text."""
    snomed = [coding(SNOMED, *ROUTES[route])] if route in ROUTES else []
    return concept(*snomed, coding(config.code_system("route"), route), text=route)


def medication_request(regimen: Record, config: FhirConfig, *, today: date) -> Resource:
    """MedicationRequest of a regimen; `stopped` once its end date is before `today`."""
    resource: Resource = {
        "resourceType": "MedicationRequest",
        "id": str(regimen["id"]),
        "meta": meta(regimen),
        "status": _request_status(regimen, today),
        "intent": "order",
        "medicationCodeableConcept": medication_concept(regimen["drug"], config),
        "subject": reference("Patient", regimen["patient_id"]),
        "authoredOn": instant(regimen["created_at"]),
        "dosageInstruction": [
            _dosage(number, period, regimen["route"], config)
            for number, period in enumerate(dose_periods(regimen), start=1)
        ],
    }
    reason = regimen.get("discontinuation_reason")
    status_reason = _reason(reason, config) if reason else None
    return with_optional(
        resource, identifier=identifiers(regimen, config), statusReason=status_reason
    )


def _request_status(regimen: Record, today: date) -> str:
    if in_error(regimen):
        return "entered-in-error"
    end = regimen.get("end_date")
    return "stopped" if end and _date(end) < today else "active"


def _reason(reason: str, config: FhirConfig) -> dict[str, Any]:
    display = reason.replace("_", " ").capitalize()
    return concept(
        coding(config.code_system("discontinuation-reason"), reason, display), text=display
    )


def _dosage(sequence: int, period: DosePeriod, route: str, config: FhirConfig) -> dict[str, Any]:
    value, unit = period.dose["value"], period.dose["unit"]
    end = period.end.isoformat() if period.end else None
    bounds = with_optional({"start": period.start.isoformat()}, end=end)
    repeat: dict[str, Any] = {"boundsPeriod": bounds}
    text = f"{value} {unit}"
    if period.interval_days:
        repeat.update(frequency=1, period=period.interval_days, periodUnit="d")
        text += f" every {period.interval_days} days"
    return {
        "sequence": sequence,
        "text": text,
        "timing": {"repeat": repeat},
        "route": route_concept(route, config),
        "doseAndRate": [{"doseQuantity": quantity(value, DOSE_UNITS.get(unit, unit), unit)}],
    }


def medication_administration(infusion: Record, regimen: Record, config: FhirConfig) -> Resource:
    """MedicationAdministration of an infusion of `regimen` (its drug and route)."""
    status = "entered-in-error" if in_error(infusion) else ADMINISTRATION_STATUS[infusion["status"]]
    resource: Resource = {
        "resourceType": "MedicationAdministration",
        "id": str(infusion["id"]),
        "meta": meta(infusion),
        "status": status,
        "medicationCodeableConcept": medication_concept(regimen["drug"], config),
        "subject": reference("Patient", infusion["patient_id"]),
        "effectiveDateTime": instant(infusion["administered_at"]),
        "request": reference("MedicationRequest", infusion["regimen_id"]),
        "dosage": {
            "route": route_concept(regimen["route"], config),
            "dose": quantity(infusion["dose_mg"], "mg"),
        },
    }
    weight = infusion.get("weight_kg")
    if weight is not None:
        resource["contained"] = [_weight(infusion, weight)]
        resource["supportingInformation"] = [{"reference": f"#{WEIGHT_ID}"}]
    checks = [_dose_check(infusion, config), _interval_check(infusion, config)]
    extensions = [check for check in checks if check]
    return with_optional(resource, identifier=identifiers(infusion, config), extension=extensions)


def _weight(infusion: Record, weight_kg: float) -> Resource:
    """The weight the dose was computed from, as a contained vital-signs Observation."""
    return {
        "resourceType": "Observation",
        "id": WEIGHT_ID,
        "meta": {"profile": [BODY_WEIGHT_PROFILE]},
        "status": "final",
        "category": category("vital-signs", "Vital Signs"),
        "code": concept(coding(LOINC, *BODY_WEIGHT), text=BODY_WEIGHT[1]),
        "subject": reference("Patient", infusion["patient_id"]),
        "effectiveDateTime": instant(infusion["administered_at"]),
        "valueQuantity": quantity(weight_kg, "kg"),
    }


def _dose_check(infusion: Record, config: FhirConfig) -> dict[str, Any] | None:
    """dose_check as a complex extension: status, expected dose (mg), deviation (%)."""
    check = infusion.get("dose_check")
    if not check:
        return None
    parts: list[dict[str, Any]] = [{"url": "status", "valueCode": check["status"]}]
    if check.get("expected_mg") is not None:
        parts.append({"url": "expected", "valueQuantity": quantity(check["expected_mg"], "mg")})
    if check.get("deviation_pct") is not None:
        parts.append({"url": "deviationPercent", "valueDecimal": check["deviation_pct"]})
    return {"url": config.extension("dose-check"), "extension": parts}


def _interval_check(infusion: Record, config: FhirConfig) -> dict[str, Any] | None:
    """interval_check as a complex extension: status, days since the previous infusion."""
    check = infusion.get("interval_check")
    if not check:
        return None
    parts: list[dict[str, Any]] = [{"url": "status", "valueCode": check["status"]}]
    days = check.get("days_since_previous")
    if days is not None:
        parts.append({"url": "daysSincePrevious", "valueInteger": days})
    return {"url": config.extension("interval-check"), "extension": parts}
