"""A plausible long treatment history, written through the API (validation included)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from app.schemas import examples

END = date(2025, 12, 1)


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    if response.status_code != 201:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    data: dict[str, Any] = response.json()
    return data


def at(day: date, hour: int = 8) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


async def seed_patient(client: httpx.AsyncClient, mrn: str, years: int) -> str:
    """Per year: 13 infusions, 63 lab results, 12.6 assessments; plus three regimens.

    20 years: 261 infusions, 1,260 lab results, 252 assessments."""
    patient = await post(
        client, "/v1/patients", {"mrn": mrn, "sex": "female", "birth_date": "1957-03-01"}
    )
    pid = patient["id"]
    start = END - timedelta(days=365 * years)
    await post(
        client,
        f"/v1/patients/{pid}/regimens",
        {
            "drug": "methotrexate",
            "dose": {"value": 15, "unit": "mg"},
            "route": "oral",
            "interval_days": 7,
            "start_date": (start - timedelta(days=900)).isoformat(),
            "end_date": (start - timedelta(days=1)).isoformat(),
            "discontinuation_reason": "inefficacy",
        },
    )
    await post(
        client,
        f"/v1/patients/{pid}/regimens",
        {
            "drug": "prednisone",
            "dose": {"value": 10, "unit": "mg/day"},
            "route": "oral",
            "start_date": (start - timedelta(days=700)).isoformat(),
            "end_date": (start + timedelta(days=400)).isoformat(),
            "discontinuation_reason": "remission",
        },
    )
    toci = await post(
        client,
        f"/v1/patients/{pid}/regimens",
        {
            "drug": "tocilizumab",
            "dose": {"value": 8, "unit": "mg/kg"},
            "route": "iv",
            "interval_days": 28,
            "start_date": start.isoformat(),
        },
    )
    day = start
    while day < END:
        await post(
            client,
            f"/v1/regimens/{toci['id']}/infusions",
            {"administered_at": at(day, 10), "dose_mg": 496, "weight_kg": 62},
        )
        day += timedelta(days=28)
    await _labs_and_visits(client, pid, start)
    return str(pid)


async def _labs_and_visits(client: httpx.AsyncClient, pid: str, start: date) -> None:
    day = start
    while day < END:
        for body in (
            {"test": "crp", "value": 0.3, "unit": "mg/dL"},
            {"test": "esr", "value": 20, "unit": "mm/h"},
            {"test": "anti_dsdna", "value_text": "negative"},
            {"test": "neutrophils", "value": 3.2, "unit": "10*9/L"},
            {"test": "platelets", "value": 250, "unit": "10*9/L"},
        ):
            await post(client, f"/v1/patients/{pid}/lab-results", {**body, "collected_at": at(day)})
        visit = {**examples.ASSESSMENT, "assessed_at": at(day, 9)}  # a quiet visit
        await post(client, f"/v1/patients/{pid}/assessments", visit)
        day += timedelta(days=29)
