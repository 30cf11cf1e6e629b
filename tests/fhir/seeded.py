"""A realistic patient recorded through /v1 (every record kind, entered-in-error ones, a
regimen history that makes refractory met), for the tests of the served /fhir face."""

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support import factories as f

FHIR = "application/fhir+json"


@dataclass
class Seeded:
    patient: dict[str, Any]
    regimens: dict[str, dict[str, Any]] = field(default_factory=dict)
    infusions: dict[str, dict[str, Any]] = field(default_factory=dict)
    labs: dict[str, dict[str, Any]] = field(default_factory=dict)
    assessments: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.patient["id"])


def _ended(drug: str, route: str, dose: tuple[float, str], start: str, end: str) -> dict[str, Any]:
    return f.regimen_body(
        drug=drug,
        route=route,
        dose={"value": dose[0], "unit": dose[1]},
        interval_days=7 if route == "sc" else None,
        start_date=start,
        end_date=end,
        discontinuation_reason="inefficacy",
    )


REGIMENS = {
    "mtx": _ended("methotrexate", "oral", (15, "mg"), "2002-05-01", "2008-03-01"),
    "ada": _ended("adalimumab", "sc", (40, "mg"), "2009-01-01", "2011-06-01"),
    "aba": _ended("abatacept", "sc", (125, "mg"), "2011-07-01", "2014-01-01"),
    "toci": f.regimen_body(start_date="2016-01-10"),
    "pred": {**f.PREDNISONE, "dose": {"value": 10, "unit": "mg/day"}, "start_date": "2010-01-01"},
    "wrong": f.regimen_body(drug="rituximab", dose={"value": 1000, "unit": "mg"}),
}
INFUSIONS = {
    "first": f.infusion_body(external_id="ADM-1"),
    "interrupted": f.infusion_body(
        administered_at="2016-03-06T08:30:00Z", status="interrupted", weight_kg=62.5
    ),
    "cancelled": f.infusion_body(
        administered_at="2016-04-03T08:30:00Z", status="cancelled", weight_kg=None
    ),
    "wrong": f.infusion_body(administered_at="2016-05-01T08:30:00Z", dose_mg=900),
}
LABS = {
    "esr": f.lab_body(test="esr", value=30, unit="mm/h", reference_range=None, external_id="L-1"),
    "crp": f.lab_body(),
    "dsdna-neg": {"loinc": "5130-0", "value_text": "negative",
                  "collected_at": "2016-05-10T08:00:00Z"},
    "dsdna-pos": {"loinc": "5130-0", "value_text": "positive",
                  "collected_at": "2015-11-02T08:00:00Z"},
    "dsdna-border": {"test": "anti_dsdna", "value_text": "borderline",
                     "collected_at": "2015-12-01T08:00:00Z"},
    "dsdna-num": f.lab_body(test="anti_dsdna", value=12, unit="IU/mL",
                            reference_range={"low": None, "high": 30}),
    "wrong": f.lab_body(test="esr", value=300, unit="mm/h", reference_range=None),
}  # fmt: skip
ASSESSMENTS = {
    "visit": f.assessment_body(swollen_joints_28=1, patient_global=33.3),
    "weigh-in": {"assessed_at": "2016-06-10T09:00:00Z", "weight_kg": 61},
    "doppler": f.assessment_body(
        assessed_at="2015-11-02T09:00:00Z", power_doppler="positive", tender_joints_28=4
    ),
    "wrong": f.assessment_body(tender_joints_28=28),
}
IN_ERROR = ("wrong",)


async def realistic_patient(client: httpx.AsyncClient, **over: Any) -> Seeded:
    seeded = Seeded(await f.patient(client, **over))
    pid = seeded.id
    for name, body in REGIMENS.items():
        seeded.regimens[name] = await f.created(client, f"/v1/patients/{pid}/regimens", body)
    toci = seeded.regimens["toci"]["id"]
    for name, body in INFUSIONS.items():
        seeded.infusions[name] = await f.created(client, f"/v1/regimens/{toci}/infusions", body)
    for name, body in LABS.items():
        seeded.labs[name] = await f.created(client, f"/v1/patients/{pid}/lab-results", body)
    for name, body in ASSESSMENTS.items():
        seeded.assessments[name] = await f.created(client, f"/v1/patients/{pid}/assessments", body)
    await client.delete(f"/v1/infusions/{seeded.infusions['wrong']['id']}")
    for collection, records in (
        ("regimens", seeded.regimens),
        ("lab-results", seeded.labs),
        ("assessments", seeded.assessments),
    ):
        response = await client.delete(f"/v1/{collection}/{records['wrong']['id']}")
        assert response.status_code == 200, response.text
    return seeded
