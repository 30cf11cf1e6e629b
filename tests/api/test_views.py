"""Views for people over the demo patients (loaded once per module by `python -m app demo`'s
loader, each test on its own copy): timeline, chart, what-if, the case-series report."""

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.errors import Conflict
from app.main import create_app
from app.services import demo
from tests.charts.svg_reading import all_text, find, one, parse
from tests.support import factories as f
from tests.support.clients import SECRET, client_with, token
from tests.support.databases import Databases

pytestmark = pytest.mark.anyio


async def _load(url: str) -> None:
    settings = Settings(database_url=url, jwt_secret=SECRET)
    database = Database.open(settings)
    try:
        loaded = await demo.load(database, settings)
        assert len(loaded.created) == 6
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def demo_database(databases: Databases) -> Iterator[str]:
    url = databases.new()
    asyncio.run(_load(url))  # its own event loop: no connection outlives it
    yield url
    databases.drop(url)


@pytest.fixture
def database_url(databases: Databases, demo_database: str) -> Iterator[str]:
    url = databases.clone(demo_database)
    yield url
    databases.drop(url)


async def _ids(client: httpx.AsyncClient) -> dict[str, str]:
    listed = (await client.get("/v1/patients", params={"limit": 50})).json()["items"]
    return {p["mrn"]: p["id"] for p in listed}


async def _json(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_demo_load_is_idempotent_and_refuses_other_patients(
    client: httpx.AsyncClient, settings: Settings, app: FastAPI
) -> None:
    again = await demo.load(app.state.database, settings)
    assert again.created == []
    assert len(again.present) == 6

    await f.patient(client)
    with pytest.raises(Conflict):
        await demo.load(app.state.database, settings)
    assert len((await demo.load(app.state.database, settings, force=True)).present) == 6


async def test_case_series_report_of_the_demo(client: httpx.AsyncClient) -> None:
    ids = await _ids(client)
    report = await _json(client, "/v1/reports/case-series", drug="tocilizumab")

    rows = {row["patient_id"]: row for row in report["items"]}
    assert set(rows) == {ids[m] for m in ("DEMO-0001", "DEMO-0002", "DEMO-0004", "DEMO-0006")}
    first, second, lost = rows[ids["DEMO-0001"]], rows[ids["DEMO-0002"]], rows[ids["DEMO-0004"]]
    for woman, months in ((first, 23), (second, 11)):  # the seed's two women
        assert woman["refractory_at_start"] == "met"
        assert woman["remission_ongoing"] is True
        assert round(woman["longest_remission_days"] / 30.44) == months
    assert lost["in_remission_at_end"] is False
    assert lost["longest_remission_days"] > 365
    summary = report["summary"]
    assert (summary["patients"], summary["reached_remission"]) == (4, 4)
    assert summary["kaplan_meier"][0] == {"day": 0, "remission_free_probability": 1.0, "at_risk": 4}
    assert summary["kaplan_meier"][-1]["remission_free_probability"] == 0.0

    response = await client.get("/v1/reports/case-series", headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["patient_id"]: r["longest_remission_days"] for r in table} == {
        k: str(v["longest_remission_days"]) for k, v in rows.items()
    }

    km = await client.get("/v1/reports/case-series/km.svg")
    assert km.headers["content-type"] == "image/svg+xml"
    steps = find(parse(km.text), "km-step")
    assert [int(step.get("data-day", "")) for step in steps] == [
        point["day"] for point in summary["kaplan_meier"]
    ]
    for patient_id in ids.values():
        assert patient_id not in km.text


async def test_case_series_refuses_an_unknown_drug_and_a_bad_date(
    client: httpx.AsyncClient,
) -> None:
    for params in ({"drug": "aspirin"}, {"as_of": "0"}):
        response = await client.get("/v1/reports/case-series", params=params)
        assert response.status_code == 422, response.text


async def test_case_series_covers_the_callers_organizations(
    settings: Settings, database_url: str
) -> None:
    tenancy = settings.model_copy(update={"tenancy": True})
    app = create_app(tenancy)
    try:
        for orgs, patients in ((["elsewhere"], 0), ([settings.default_organization], 4)):
            async with client_with(app, token(tenancy, orgs=orgs)) as c:
                report = await _json(c, "/v1/reports/case-series")
                assert report["summary"]["patients"] == patients
    finally:
        await app.state.engine.dispose()


async def test_timeline_in_order_paged_and_bounded(client: httpx.AsyncClient) -> None:
    pid = (await _ids(client))["DEMO-0001"]
    whole = await _json(client, f"/v1/patients/{pid}/timeline", limit=500)
    items = whole["items"]
    assert whole["next_cursor"] is None
    starts = [item.get("date") or item["start"] for item in items]
    assert starts == sorted(starts)
    kinds = Counter(item["kind"] for item in items)
    assert set(kinds) == {"regimen", "infusion", "lab_result", "assessment", "flag_change"}
    infusion = next(i for i in items if i["kind"] == "infusion")
    assert {"dose_check", "interval_check"} <= set(infusion["record"])
    assert any("interval late" in i["summary"] for i in items if i["kind"] == "infusion")
    change = next(i for i in items if i["kind"] == "flag_change")
    assert {"flag", "from", "to", "date"} <= set(change)
    assert change["record_id"] is None

    paged, cursor = [], None
    while True:
        page = await _json(
            client,
            f"/v1/patients/{pid}/timeline",
            limit=37,
            **({"cursor": cursor} if cursor else {}),
        )
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == items

    day = next(i["date"] for i in items if i["kind"] == "lab_result")
    bounded = await _json(client, f"/v1/patients/{pid}/timeline", **{"from": day, "to": day})
    assert {i.get("date") for i in bounded["items"] if "date" in i} == {day}
    assert all(i["start"] <= day for i in bounded["items"] if i["kind"] == "regimen")

    audit = await _json(client, "/v1/audit-events", patient_id=pid)
    assert any(e["resource_type"] == "timeline" for e in audit["items"])


async def test_timeline_refusals(client: httpx.AsyncClient) -> None:
    pid = (await _ids(client))["DEMO-0001"]
    bad = [
        {"from": "2020-01-02", "to": "2020-01-01"},
        {"from": "0"},
        {"cursor": "not-a-cursor"},
    ]
    for params in bad:
        response = await client.get(f"/v1/patients/{pid}/timeline", params=params)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    missing = await client.get("/v1/patients/00000000-0000-4000-8000-000000000000/timeline")
    assert missing.status_code == 404


async def test_chart_svg_parts(client: httpx.AsyncClient) -> None:
    ids = await _ids(client)
    pid = ids["DEMO-0002"]
    response = await client.get(f"/v1/patients/{pid}/chart.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = parse(response.text)
    items = (await _json(client, f"/v1/patients/{pid}/timeline", limit=500))["items"]
    labs = Counter(i["record"]["test"] for i in items if i["kind"] == "lab_result")
    for key in ("esr", "crp"):
        assert len(find(one(root, "series", key), "point", key)) == labs[key]
    infusions = [i for i in items if i["kind"] == "infusion"]
    assert len(find(root, "marker", "infusion")) == len(infusions)
    assert len(find(root, "marker", "infusion", "out_of_range")) == 1
    # Shading spans == the remission runs of the status history (the last one ongoing).
    history = await _json(client, f"/v1/patients/{pid}/status/history")
    met = [c for c in history["items"] if c["flag"] == "remission" and c["to"] == "met"]
    shaded = find(root, "remission-run")
    assert [s.get("data-start") for s in shaded] == [c["effective_date"] for c in met]
    assert shaded[-1].get("data-end") == history["as_of"]
    drugs = [i["record"]["drug"] for i in items if i["kind"] == "regimen"]
    assert [bar.get("data-drug") for bar in find(root, "regimen")] == drugs
    text = all_text(root)
    for secret in (pid, "DEMO-0002", "1963-09-15"):
        assert secret not in text


async def test_chart_of_a_sparse_patient(client: httpx.AsyncClient) -> None:
    pid = (await _ids(client))["DEMO-0005"]
    root = parse((await client.get(f"/v1/patients/{pid}/chart.svg")).text)

    assert find(root, "point") == []
    assert find(root, "remission-run") == []
    assert len(find(root, "marker", "infusion")) == 0


async def _counts(app: FastAPI) -> dict[str, int]:
    engine = app.state.engine
    async with engine.connect() as conn:
        names = await conn.run_sync(
            lambda sync: __import__("sqlalchemy").inspect(sync).get_table_names()
        )
        counts = {}
        for name in names:
            counts[name] = (await conn.execute(text(f'SELECT count(*) FROM "{name}"'))).scalar_one()
        flags = (
            await conn.execute(text("SELECT patient_id, flag, status, since FROM patient_flag"))
        ).all()
    counts["flags"] = hash(tuple(sorted(map(tuple, flags))))
    return counts


async def test_what_if_changes_the_answer_and_stores_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    pid = (await _ids(client))["DEMO-0004"]  # remission lost two months ago
    status = await _json(client, f"/v1/patients/{pid}/status")
    assert status["remission"]["status"] == "not_met"
    items = (await _json(client, f"/v1/patients/{pid}/timeline", limit=500))["items"]
    flare_day = max(i["date"] for i in items if i["kind"] == "assessment")
    flare = [
        i["record_id"] for i in items if i.get("date") == flare_day and i["kind"] != "flag_change"
    ]
    regimens = {i["record"]["drug"]: i["record_id"] for i in items if i["kind"] == "regimen"}
    before = await _counts(app)

    answer = await client.post(
        f"/v1/patients/{pid}/status:evaluate",
        json={
            "exclude": flare,
            "add": {
                "lab_results": [f.lab_body(value=0.1, collected_at=f"{flare_day}T10:00:00Z")],
                "infusions": [
                    {
                        **f.infusion_body(administered_at=f"{flare_day}T11:00:00Z"),
                        "regimen_id": regimens["tocilizumab"],
                    }
                ],
            },
        },
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["remission"]["status"] == "met"
    assert answer.json()["patient_id"] == pid
    after = await _counts(app)
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }
    assert after["audit_event"] == before["audit_event"] + 1
    assert (await _json(client, f"/v1/patients/{pid}/status"))["remission"] == status["remission"]
    audit = await _json(client, "/v1/audit-events", patient_id=pid)
    posted = [e for e in audit["items"] if e["method"] == "POST"]
    assert [(e["resource_type"], e["status"]) for e in posted] == [("patient_status", 200)]


async def test_what_if_validates_like_the_posts(
    client: httpx.AsyncClient, settings: Settings, app: FastAPI
) -> None:
    ids = await _ids(client)
    pid, other = ids["DEMO-0004"], ids["DEMO-0001"]
    other_lab = next(
        i["record_id"]
        for i in (await _json(client, f"/v1/patients/{other}/timeline", limit=50))["items"]
        if i["kind"] == "lab_result"
    )
    path = f"/v1/patients/{pid}/status:evaluate"
    cases = [
        (
            {"add": {"lab_results": [f.lab_body(unit="furlongs")]}},
            ["body", "add", "lab_results", 0, "unit"],
        ),
        (
            {"add": {"regimens": [f.regimen_body(drug="aspirin")]}},
            ["body", "add", "regimens", 0, "drug"],
        ),
        ({"add": {"lab_results": [{**f.lab_body(), "colour": "red"}]}}, None),
        (
            {"add": {"infusions": [{**f.infusion_body(), "regimen_index": 0}]}},
            ["body", "add", "infusions", 0, "regimen_index"],
        ),
        ({"exclude": [other_lab]}, ["body", "exclude", 0]),
        ({"exclude": ["00000000-0000-4000-8000-000000000000"]}, ["body", "exclude", 0]),
        (
            {
                "as_of": "2020-01-01",
                "add": {"lab_results": [f.lab_body(collected_at="2020-01-02T08:00:00Z")]},
            },
            ["body", "add", "lab_results", 0, "collected_at"],
        ),
    ]
    for body, loc in cases:
        response = await client.post(path, json=body)
        assert response.status_code == 422, (body, response.text)
        if loc is not None:
            assert loc in [e["loc"] for e in response.json()["errors"]], response.text
    async with client_with(app, token(settings, "records:write")) as writer:
        assert (await writer.post(path, json={})).status_code == 403


async def test_case_series_from_stored_histories_equals_replaying_the_records(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    stored = await _json(client, "/v1/reports/case-series")
    async with app.state.engine.begin() as conn:
        await conn.execute(text("UPDATE patient_flag SET history = NULL"))

    assert await _json(client, "/v1/reports/case-series") == stored


async def test_case_series_replays_histories_stored_under_other_rule_settings(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """The demo's flags were stored under the default settings. A service restarted with a
    stricter remission (its records within 30 days, not 90) reads none of those histories: its
    report is the one it gives when every history has to be replayed."""
    before = await _json(client, "/v1/reports/case-series")
    stricter = replace(settings.rules, remission_window_days=30)
    restarted = create_app(settings.model_copy(update={"rules": stricter}))
    try:
        async with client_with(restarted, token(settings)) as c:
            stored = await _json(c, "/v1/reports/case-series")
            async with restarted.state.engine.begin() as conn:
                await conn.execute(text("UPDATE patient_flag SET history = NULL"))
            replayed = await _json(c, "/v1/reports/case-series")
    finally:
        await restarted.state.engine.dispose()
    assert stored == replayed
    assert stored != before  # the stricter rule does change the report


async def test_case_series_reads_a_steroid_taper_recorded_as_dose_changes(
    client: httpx.AsyncClient,
) -> None:
    """Prednisone 20 mg/day from 2014; one patient's is tapered to 5 mg/day in 2015 by a dose
    change. The report's steroid dependence at the start of tocilizumab is the status's."""
    kept, tapered = (
        (await f.patient(client))["id"],
        (await f.patient(client, mrn="MRN-TAPER"))["id"],
    )
    for pid in (kept, tapered):
        steroid = await f.prednisone(client, pid, start_date="2014-01-01", end_date=None)
        await f.regimen(client, pid)  # tocilizumab from 2016-01-10
        if pid == tapered:
            body = {"effective_date": "2015-01-01", "dose": {"value": 5, "unit": "mg/day"}}
            await f.created(client, f"/v1/regimens/{steroid['id']}/dose-changes", body)

    report = await _json(client, "/v1/reports/case-series", drug="tocilizumab")

    rows = {row["patient_id"]: row["steroid_dependent_at_start"] for row in report["items"]}
    for pid in (kept, tapered):
        status = await _json(client, f"/v1/patients/{pid}/status", as_of="2016-01-10")
        assert rows[pid] == status["steroid_dependent"]["status"]
    assert (rows[kept], rows[tapered]) == ("met", "not_met")
