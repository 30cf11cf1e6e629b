"""Bulk Data Access 2.0 pieces: kick-off parameters, NDJSON lines, the completion manifest."""

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.fhir.datatypes import Resource, instant
from app.fhir.errors import InvalidRequest

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = frozenset({NDJSON, "application/ndjson", "ndjson"})
# Kick-off parameters of the specification this server does not implement: refused unless
# the client asked for lenient handling (the specification's rule for _typeFilter).
UNSUPPORTED = frozenset({"_typeFilter", "_elements", "patient", "includeAssociatedData"})
EXPORT_TYPES = (
    "Patient",
    "Condition",
    "MedicationRequest",
    "MedicationAdministration",
    "Observation",
    "Flag",
    "DetectedIssue",
)


def ndjson_line(resource: Resource) -> bytes:
    """One resource as one NDJSON line: compact UTF-8 JSON (newlines inside strings are
    escaped by JSON), then `\\n`."""
    text = json.dumps(resource, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode() + b"\n"


def ndjson(resources: Iterable[Resource]) -> Iterator[bytes]:
    """Lines one at a time, so a file is written in constant memory."""
    return (ndjson_line(resource) for resource in resources)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    types: tuple[str, ...]  # in EXPORT_TYPES order; every supported type when none asked
    since: datetime | None
    output_format: str


def parse_export_request(
    params: Sequence[tuple[str, str]],
    *,
    supported_types: Collection[str] = EXPORT_TYPES,
    handling: str | None = None,
) -> ExportRequest:
    """The kick-off query (`_type`, `_since`, `_outputFormat`; repeated `_type` values add
    up). `handling` is Prefer's: `strict` refuses unknown parameters too; `lenient`
    ignores the specification's parameters this server lacks."""
    types: list[str] = []
    since, output_format = None, NDJSON
    for name, value in params:
        if name == "_type":
            types += [t.strip() for t in value.split(",") if t.strip()]
        elif name == "_since":
            since = _instant(value)
        elif name == "_outputFormat":
            output_format = _format(value)
        elif (name in UNSUPPORTED and handling != "lenient") or handling == "strict":
            raise InvalidRequest(
                name, "parameter not supported by this server", code="not-supported"
            )
    unknown = sorted(set(types) - set(supported_types))
    if unknown:
        message = f"resource types not exported here: {', '.join(unknown)}"
        raise InvalidRequest("_type", message, code="not-supported")
    chosen = tuple(t for t in supported_types if not types or t in types)
    return ExportRequest(chosen, since, output_format)


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in value:
        raise InvalidRequest("_since", "must be a FHIR instant (date, time and offset)")
    return moment


def _format(value: str) -> str:
    if value not in OUTPUT_FORMATS:
        formats = ", ".join(sorted(OUTPUT_FORMATS))
        raise InvalidRequest("_outputFormat", f"supported: {formats}", code="not-supported")
    return NDJSON


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One NDJSON file of the manifest: its resource type, download URL, resource count."""

    type: str
    url: str
    count: int

    def as_json(self) -> dict[str, Any]:
        return {"type": self.type, "url": self.url, "count": self.count}


def export_manifest(
    *,
    transaction_time: datetime,
    request: str,
    output: Sequence[ExportFile],
    error: Sequence[ExportFile] = (),
) -> dict[str, Any]:
    """The completion manifest. `transaction_time`: the instant the export's data is
    consistent with (use it as the next `_since`); `request`: the kick-off URL; files need
    the caller's token; `error` files hold OperationOutcomes (type OperationOutcome)."""
    return {
        "transactionTime": instant(transaction_time),
        "request": request,
        "requiresAccessToken": True,
        "output": [file.as_json() for file in output],
        "error": [file.as_json() for file in error],
    }
