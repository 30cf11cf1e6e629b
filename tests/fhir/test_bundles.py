"""Searchset and $everything pages, transaction responses, ETags: all validated."""

from datetime import UTC, datetime
from typing import Any

import pytest

from app.fhir.bundles import (
    EntryResult,
    etag,
    location,
    parse_etag,
    searchset,
    transaction_response,
)
from app.fhir.config import FhirConfig
from app.fhir.everything import PatientRecords, everything, everything_page
from app.fhir.labs import lab_observation

from .records import (
    PATIENT_ID,
    TODAY,
    assessments,
    infusions,
    labs,
    patient,
    regimens,
    rid,
)
from .statuses import status, status_history
from .validation import RELATIVE, assert_valid

CONFIG = FhirConfig(tenancy=True)
SERVER = "https://tr.example/fhir"
TODAY_NOON = datetime(2018, 1, 15, 12, tzinfo=UTC)


def records(**over: Any) -> PatientRecords:
    fields: dict[str, Any] = {
        "patient": patient(),
        "regimens": regimens(),
        "infusions": infusions(),
        "lab_results": labs(),
        "assessments": assessments(),
        "status": status("met"),
        "status_history": status_history(),
        "corrected_lab_ids": frozenset({rid("crp")}),
    }
    return PatientRecords(**{**fields, **over})


def references(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for value in node.values() for r in references(value)]
    if isinstance(node, list):
        return [r for value in node for r in references(value)]
    return []


def test_everything_validates_and_is_self_contained() -> None:
    resources = list(everything(records(), CONFIG, today=TODAY))
    bundle = searchset(resources, server=SERVER, self_url=f"{SERVER}/Patient/x/$everything")

    assert_valid(bundle)
    keys = [f"{r['resourceType']}/{r['id']}" for r in resources]
    assert len(keys) == len(set(keys))
    outside = [r for r in references(resources) if not r.startswith("#") and r not in keys]
    assert outside == []
    assert all(RELATIVE.match(r) or r.startswith("#") for r in references(resources))


def test_everything_leaves_out_records_entered_in_error() -> None:
    resources = list(everything(records(), CONFIG, today=TODAY))
    ids = {r["id"] for r in resources}

    for name in ("rtx", "inf-4", "esr-wrong", "visit-wrong"):
        assert rid(name) not in ids
    assert {r.get("status") for r in resources} >= {"final", "corrected", "active", "stopped"}
    assert "entered-in-error" not in {r.get("status") for r in resources}
    kinds = [r["resourceType"] for r in resources]
    assert kinds[:4] == ["Patient", "Condition", "Condition", "Condition"]
    assert kinds.count("Flag") == kinds.count("DetectedIssue") == 3


def test_everything_without_status() -> None:
    only = records(status=None, regimens=(), infusions=(), lab_results=(), assessments=())
    kinds = [r["resourceType"] for r in everything(only, CONFIG, today=TODAY)]

    assert kinds == ["Patient", "Condition", "Condition", "Condition"]


def page_url(offset: int) -> str:
    return f"{SERVER}/Patient/{PATIENT_ID}/$everything?_count=10&_offset={offset}"


def test_everything_pages() -> None:
    whole = list(everything(records(), CONFIG, today=TODAY))
    pages, offset = [], 0
    while True:
        page = everything_page(records(), CONFIG, today=TODAY, server=SERVER, offset=offset,
                               count=10, page_url=page_url)  # fmt: skip
        assert_valid(page)
        pages.append(page)
        links = {link["relation"]: link["url"] for link in page["link"]}
        assert links["self"] == page_url(offset)
        if "next" not in links:
            break
        assert links["next"] == page_url(offset + 10)
        offset += 10

    assert all(p["total"] == len(whole) for p in pages)
    assert [e["resource"] for p in pages for e in p["entry"]] == whole
    assert len(pages) == -(-len(whole) // 10)


def test_searchset_entries_links_and_total() -> None:
    matches = [lab_observation(lab, CONFIG) for lab in labs()[:2]]
    included = [lab_observation(labs()[3], CONFIG)]
    bundle = searchset(matches, server=SERVER, self_url=f"{SERVER}/Observation?patient=x",
                       next_url=f"{SERVER}/Observation?patient=x&_cursor=abc", total=7,
                       included=included, timestamp=TODAY_NOON)  # fmt: skip

    assert_valid(bundle)
    assert bundle["total"] == 7
    assert bundle["timestamp"] == "2018-01-15T12:00:00Z"
    assert [e["search"]["mode"] for e in bundle["entry"]] == ["match", "match", "include"]
    assert bundle["entry"][0]["fullUrl"] == f"{SERVER}/Observation/{rid('esr')}"
    assert [link["relation"] for link in bundle["link"]] == ["self", "next"]


def test_empty_searchset() -> None:
    bundle = searchset([], server=SERVER, self_url=f"{SERVER}/Flag?patient=x", total=0)

    assert_valid(bundle)
    assert "entry" not in bundle
    assert bundle["total"] == 0


@pytest.mark.parametrize("with_resources", [True, False])
def test_transaction_response(with_resources: bool) -> None:
    created = lab_observation(labs()[0], CONFIG)
    existing = lab_observation(labs()[1], CONFIG)
    bundle = transaction_response(
        [EntryResult(201, created), EntryResult(200, existing)],
        server=SERVER,
        with_resources=with_resources,
    )

    assert_valid(bundle)
    first, second = (e["response"] for e in bundle["entry"])
    assert first == {
        "status": "201 Created",
        "location": f"Observation/{rid('esr')}/_history/1",
        "etag": 'W/"1"',
        "lastModified": "2016-05-10T10:00:00Z",
    }
    assert second["status"] == "200 OK"
    assert second["etag"] == 'W/"2"'
    assert ("resource" in bundle["entry"][0]) is with_resources


def test_etags_and_locations() -> None:
    assert etag(3) == 'W/"3"'
    assert parse_etag('W/"3"') == 3
    assert parse_etag(' "12" ') == 12
    for bad in ("3", 'W/"x"', 'W/""', '"3', "*"):
        assert parse_etag(bad) is None
    assert location({"resourceType": "Patient", "id": "p", "meta": {"versionId": "4"}}) == (
        "Patient/p/_history/4"
    )
