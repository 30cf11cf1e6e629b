"""Building blocks of outbound resources: meta, references, codings, quantities, times."""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from app.fhir.codes import OBSERVATION_CATEGORY, UCUM
from app.fhir.config import FhirConfig

Record = Mapping[str, Any]
Resource = dict[str, Any]


def instant(value: str | datetime) -> str:
    """An RFC 3339 timestamp as a FHIR instant: UTC spelled `Z`, other offsets kept."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError("a FHIR instant needs an offset")
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.removesuffix("+00:00") + "Z" if moment.utcoffset() == timedelta(0) else text


def day(value: str | date) -> str:
    """A date (`YYYY-MM-DD`) as FHIR writes it."""
    return value if isinstance(value, str) else value.isoformat()


def meta(record: Record) -> dict[str, str]:
    """`meta` of a stored record: versionId = our `version`, lastUpdated = `updated_at`."""
    return {"versionId": str(record["version"]), "lastUpdated": instant(record["updated_at"])}


def reference(resource_type: str, resource_id: object) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    found = {"system": system, "code": code}
    if display is not None:
        found["display"] = display
    return found


def concept(*codings: dict[str, str], text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"coding": list(codings)}
    if text is not None:
        found["text"] = text
    return found


def category(code: str, display: str) -> list[dict[str, Any]]:
    """An Observation category (laboratory, exam, vital-signs)."""
    return [concept(coding(OBSERVATION_CATEGORY, code, display))]


def quantity(
    value: float, ucum: str, unit: str | None = None, comparator: str | None = None
) -> dict[str, Any]:
    """A UCUM Quantity: `code` is the UCUM code, `unit` the human spelling (default: code)."""
    found: dict[str, Any] = {"value": value}
    if comparator is not None:
        found["comparator"] = comparator
    found.update({"unit": unit or ucum, "system": UCUM, "code": ucum})
    return found


def identifiers(record: Record, config: FhirConfig) -> list[dict[str, str]]:
    """The sender's id of a record (`external_id`) as an identifier; none when absent."""
    external_id = record.get("external_id")
    return [{"system": config.identifier_system, "value": external_id}] if external_id else []


def with_optional(resource: Resource, **elements: Any) -> Resource:
    """`resource` with each element that has a value (None, [] and {} are left out)."""
    resource.update({k: v for k, v in elements.items() if v not in (None, [], {})})
    return resource


def in_error(record: Record) -> bool:
    return bool(record.get("entered_in_error"))
