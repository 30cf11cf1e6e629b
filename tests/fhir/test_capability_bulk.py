"""CapabilityStatement from a description, Bulk Data kick-off, NDJSON and manifest."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.fhir.bulk import (
    EXPORT_TYPES,
    NDJSON,
    ExportFile,
    export_manifest,
    ndjson,
    ndjson_line,
    parse_export_request,
)
from app.fhir.capability import (
    EVERYTHING,
    ResourceSupport,
    SearchParam,
    ServerSupport,
    capability_statement,
    interop_support,
)
from app.fhir.config import FhirConfig
from app.fhir.errors import InvalidRequest
from app.fhir.labs import lab_observation

from .records import labs
from .validation import assert_valid

NOW = datetime(2018, 1, 15, 12, 30, tzinfo=UTC)
SERVER = "https://tr.example/fhir"


def statement(support: ServerSupport) -> dict[str, object]:
    found = capability_statement(support, server_url=SERVER, software_version="1.4.0", date=NOW)
    assert_valid(found)
    return found


def test_the_interop_contract() -> None:
    found = statement(interop_support(tenancy=True, smart=True))
    rest = found["rest"][0]  # type: ignore[index]
    resources = {r["type"]: r for r in rest["resource"]}

    assert found["fhirVersion"] == "4.0.1"
    assert found["instantiates"] == [
        "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"
    ]
    assert found["date"] == "2018-01-15T12:30:00Z"
    assert set(resources) == {
        "Patient", "Observation", "MedicationRequest", "MedicationAdministration", "Flag",
        "DetectedIssue", "Group",
    }  # fmt: skip
    observation = resources["Observation"]
    assert [i["code"] for i in observation["interaction"]] == [
        "read", "vread", "search-type", "create",
    ]  # fmt: skip
    assert observation["conditionalCreate"] is True
    assert observation["versioning"] == "versioned"
    assert {p["name"] for p in observation["searchParam"]} == {
        "patient",
        "code",
        "date",
        "category",
    }
    assert resources["Flag"]["versioning"] == "no-version"
    assert resources["Flag"]["readHistory"] is False
    assert "conditionalCreate" not in resources["Flag"]
    assert resources["Group"] == {
        "type": "Group",
        "operation": [{"name": "export", "definition":
                       "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"}],
    }  # fmt: skip
    assert rest["interaction"] == [{"code": "transaction"}]
    assert rest["operation"][0]["name"] == "export"
    assert rest["security"]["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_only_what_is_described() -> None:
    support = ServerSupport(
        resources=(
            ResourceSupport("Patient", ("read",), (SearchParam("identifier", "token"),),
                            operations=(EVERYTHING,)),
        ),
    )  # fmt: skip
    found = statement(support)
    rest = found["rest"][0]  # type: ignore[index]

    assert "instantiates" not in found
    assert set(rest) == {"mode", "resource"}
    assert rest["resource"] == [
        {
            "type": "Patient",
            "interaction": [{"code": "read"}],
            "versioning": "no-version",
            "readHistory": False,
            "searchParam": [{"name": "identifier", "type": "token"}],
            "operation": [{"name": "everything",
                           "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}],
        }
    ]  # fmt: skip
    assert "Group" not in str(statement(interop_support(tenancy=False, smart=False)))


def test_ndjson_lines() -> None:
    resources = [lab_observation(lab, FhirConfig()) for lab in labs()]
    tricky = {**resources[0], "id": "x", "code": {"text": "line\nbreak \u00e9"}}
    lines = list(ndjson([*resources, tricky]))

    assert all(line.endswith(b"\n") and line.count(b"\n") == 1 for line in lines)
    assert [json.loads(line) for line in lines] == [*resources, tricky]
    assert "\u00e9".encode() in ndjson_line(tricky)
    with pytest.raises(ValueError, match="JSON compliant"):
        ndjson_line({"value": float("nan")})


def test_manifest() -> None:
    manifest = export_manifest(
        transaction_time=NOW,
        request=f"{SERVER}/$export?_type=Patient,Observation",
        output=[ExportFile("Patient", f"{SERVER}/bulk/1/Patient.ndjson", 10000),
                ExportFile("Observation", f"{SERVER}/bulk/1/Observation.ndjson", 412345)],
        error=[ExportFile("OperationOutcome", f"{SERVER}/bulk/1/errors.ndjson", 1)],
    )  # fmt: skip

    assert manifest == {
        "transactionTime": "2018-01-15T12:30:00Z",
        "request": f"{SERVER}/$export?_type=Patient,Observation",
        "requiresAccessToken": True,
        "output": [
            {"type": "Patient", "url": f"{SERVER}/bulk/1/Patient.ndjson", "count": 10000},
            {"type": "Observation", "url": f"{SERVER}/bulk/1/Observation.ndjson",
             "count": 412345},
        ],
        "error": [{"type": "OperationOutcome", "url": f"{SERVER}/bulk/1/errors.ndjson",
                   "count": 1}],
    }  # fmt: skip
    empty = export_manifest(transaction_time=NOW, request=f"{SERVER}/$export", output=[])
    assert (empty["output"], empty["error"]) == ([], [])


def test_export_request() -> None:
    default = parse_export_request([])
    chosen = parse_export_request(
        [("_type", "Observation, Patient"), ("_type", "Flag"),
         ("_since", "2016-01-01T00:00:00+01:00"), ("_outputFormat", "ndjson"),
         ("_typeFilter", "Observation?code=x"), ("other", "1")],
        handling="lenient",
    )  # fmt: skip

    assert default.types == EXPORT_TYPES
    assert (default.since, default.output_format) == (None, NDJSON)
    assert chosen.types == ("Patient", "Observation", "Flag")
    assert chosen.since == datetime(2016, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert chosen.output_format == NDJSON
    assert parse_export_request([("other", "1")]).types == EXPORT_TYPES


@pytest.mark.parametrize(
    ("params", "handling", "expression"),
    [
        ([("_type", "Patient,Encounter")], None, "_type"),
        ([("_since", "2016-01-01")], None, "_since"),
        ([("_since", "2016-01-01T00:00:00")], None, "_since"),
        ([("_since", "yesterday")], None, "_since"),
        ([("_outputFormat", "text/csv")], None, "_outputFormat"),
        ([("_typeFilter", "Observation?code=x")], None, "_typeFilter"),
        ([("_elements", "id")], "strict", "_elements"),
        ([("other", "1")], "strict", "other"),
    ],
)
def test_export_request_refusals(
    params: list[tuple[str, str]], handling: str | None, expression: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_export_request(params, handling=handling)

    assert refused.value.issues[0].expression == (expression,)
    assert refused.value.status == 400
