"""Flag (one per clinical flag) and DetectedIssue (its evidence) from our status JSON."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from app.fhir.codes import FLAG_CATEGORY, FLAG_DETAIL
from app.fhir.config import FhirConfig
from app.fhir.datatypes import Record, Resource, coding, concept, day, instant, reference
from app.fhir.ids import FLAG_NAMES, evidence_id, flag_id, item_id

LABELS: Mapping[str, str] = {
    "refractory": "Refractory (EULAR 2021 difficult-to-treat RA, criterion 1)",
    "steroid_dependent": "Steroid-dependent",
    "remission": "Complete clinical remission",
}
# Remission criteria taken from an assessment name the item Observation behind them.
CRITERION_ITEMS: Mapping[str, str] = {
    "no_tender_joints": "tender_joints_28",
    "no_swollen_joints": "swollen_joints_28",
    "power_doppler_negative": "power_doppler",
}
# Where the rules' evidence lists regimens, by key (lists of objects with `id`, or of ids).
REGIMEN_EVIDENCE = ("failed_regimens", "regimens", "unrecorded_reason_regimen_ids")


def flag_resources(
    status: Record, config: FhirConfig, *, history: Sequence[Record] = ()
) -> list[Resource]:
    """The three Flags of a status, in FLAG_NAMES order."""
    return [flag_resource(status, name, config, history=history) for name in FLAG_NAMES]


def detected_issues(status: Record, config: FhirConfig) -> list[Resource]:
    """The three DetectedIssues (evidence) of a status, in FLAG_NAMES order."""
    return [detected_issue(status, name, config) for name in FLAG_NAMES]


def flag_resource(
    status: Record, flag: str, config: FhirConfig, *, history: Sequence[Record] = ()
) -> Resource:
    """Flag `{patient id}-{flag}`: active when met, inactive otherwise; the tri-state value
    and rules version in an extension; the evidence through the core `flag-detail`.

    `period.start` (active flags only) is remission's `since`, or else the date of the
    flag's latest change to met in `history` (our status history items); none without it."""
    result, patient_id = status[flag], status["patient_id"]
    evidence = {"reference": f"DetectedIssue/{evidence_id(patient_id, flag)}"}
    resource: Resource = {
        "resourceType": "Flag",
        "id": flag_id(patient_id, flag),
        "extension": [
            _evaluation(status, flag, config),
            {"url": FLAG_DETAIL, "valueReference": evidence},
        ],
        "status": "active" if result["status"] == "met" else "inactive",
        "category": [concept(coding(FLAG_CATEGORY, "clinical", "Clinical"))],
        "code": _code(flag, config),
        "subject": reference("Patient", patient_id),
    }
    start = _start(status, flag, history) if result["status"] == "met" else None
    if start is not None:
        resource["period"] = {"start": start}
    return resource


def _code(flag: str, config: FhirConfig) -> dict[str, Any]:
    return concept(coding(config.code_system("flag"), flag, LABELS[flag]), text=LABELS[flag])


def _evaluation(status: Record, flag: str, config: FhirConfig) -> dict[str, Any]:
    result = status[flag]
    parts: list[dict[str, Any]] = [
        {"url": "status", "valueCode": result["status"]},
        {"url": "rulesVersion", "valueString": status["rules_version"]},
        {"url": "asOf", "valueDate": day(status["as_of"])},
    ]
    if result.get("since"):
        parts.append({"url": "since", "valueDate": day(result["since"])})
    if "sustained" in result:
        parts.append({"url": "sustained", "valueBoolean": bool(result["sustained"])})
    return {"url": config.extension("flag-evaluation"), "extension": parts}


def _start(status: Record, flag: str, history: Sequence[Record]) -> str | None:
    since = status[flag].get("since")
    if since:
        return day(since)
    as_of = day(status["as_of"])
    changes = [
        day(h["effective_date"])
        for h in history
        if h["flag"] == flag and h["to"] == "met" and day(h["effective_date"]) <= as_of
    ]
    return max(changes, default=None)


def detected_issue(status: Record, flag: str, config: FhirConfig) -> Resource:
    """DetectedIssue `{patient id}-{flag}-evidence`: the summary, each criterion as an
    extension, and `implicated` = the records the criteria and evidence name."""
    result, patient_id = status[flag], status["patient_id"]
    resource: Resource = {
        "resourceType": "DetectedIssue",
        "id": evidence_id(patient_id, flag),
        "status": "final",
        "code": _code(flag, config),
        "patient": reference("Patient", patient_id),
        "identifiedDateTime": day(status["as_of"]),
        "detail": result["summary"],
    }
    criteria = [_criterion(c, config) for c in result.get("criteria") or []]
    implicated = _dedupe(_implicated(result))
    if criteria:
        resource["extension"] = criteria
    if implicated:
        resource["implicated"] = [{"reference": r} for r in implicated]
    return resource


def _implicated(result: Record) -> Iterable[str]:
    for criterion in result.get("criteria") or []:
        source = criterion.get("source_id")
        if source:
            yield _source_reference(criterion["name"], source)
    evidence = result.get("evidence") or {}
    for key in REGIMEN_EVIDENCE:
        for entry in evidence.get(key) or []:
            regimen_id = entry["id"] if isinstance(entry, Mapping) else entry
            yield f"MedicationRequest/{regimen_id}"


def _source_reference(criterion: str, source_id: str) -> str:
    """A lab result is Observation/{id}; an assessment criterion names its item."""
    item = CRITERION_ITEMS.get(criterion)
    return f"Observation/{item_id(source_id, item) if item else source_id}"


def _dedupe(references: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(references))


def _criterion(criterion: Record, config: FhirConfig) -> dict[str, Any]:
    """One criterion: name, status, value, limit, unit, source record, observed at."""
    parts: list[dict[str, Any]] = [
        {"url": "name", "valueCode": criterion["name"]},
        {"url": "status", "valueCode": criterion["status"]},
    ]
    value = criterion.get("value")
    if isinstance(value, str):
        parts.append({"url": "value", "valueString": value})
    elif value is not None:
        parts.append({"url": "value", "valueDecimal": value})
    optional = {
        "limit": ("valueDecimal", criterion.get("limit")),
        "unit": ("valueString", criterion.get("unit")),
        "observedAt": ("valueDateTime", _when(criterion.get("observed_at"))),
    }
    parts += [{"url": url, kind: v} for url, (kind, v) in optional.items() if v is not None]
    source = criterion.get("source_id")
    if source:
        ref = {"reference": _source_reference(criterion["name"], source)}
        parts.append({"url": "source", "valueReference": ref})
    return {"url": config.extension("criterion"), "extension": parts}


def _when(value: str | date | None) -> str | None:
    """A criterion's `observed_at`: a timestamp with an offset becomes an instant; a date,
    or a timestamp without an offset (pydantic reads a JSON date into one), its date."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(moment, datetime):
        return instant(moment) if moment.tzinfo else moment.date().isoformat()
    return moment.isoformat()
