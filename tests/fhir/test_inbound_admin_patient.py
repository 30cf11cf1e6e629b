"""Posted MedicationAdministration and Patient -> our bodies, round trips and refusals."""

from datetime import datetime
from typing import Any

import pytest

from app.fhir.config import FhirConfig
from app.fhir.errors import InvalidResource, MappingError
from app.fhir.inbound import infusion_from_fhir, patient_from_fhir
from app.fhir.medication import medication_administration
from app.fhir.parsing import Ref
from app.fhir.patient import patient_resource
from app.schemas.infusion import InfusionCreate
from app.schemas.patient import PatientCreate

from .inbound_builders import (
    UCUM,
    administration_in,
    patient_in,
    stored_infusion,
    stored_patient,
)
from .records import PATIENT_ID, regimens, rid
from .validation import assert_valid

MRN = "urn:oid:1.2.3.4.5"
CONFIG = FhirConfig(mrn_system=MRN)
TENANCY = FhirConfig(mrn_system=MRN, tenancy=True)
TOCI = next(r for r in regimens() if r["id"] == rid("toci"))


def test_administration_body() -> None:
    inbound = infusion_from_fhir(administration_in(), CONFIG)

    assert inbound.body == {
        "administered_at": "2016-02-07T09:30:00+01:00",
        "dose_mg": 496,
        "status": "completed",
        "weight_kg": 62,
        "external_id": "ADM-2016-0207-01",
    }
    assert inbound.patient == Ref("Patient", id=PATIENT_ID)
    assert inbound.regimen == Ref("MedicationRequest", id=rid("toci"))
    assert inbound.drug == "tocilizumab"
    assert inbound.refs() == [("subject", inbound.patient), ("request", inbound.regimen)]
    InfusionCreate.model_validate(inbound.body)


def administered(resource: dict[str, Any]) -> dict[str, Any]:
    """The clinical content of a MedicationAdministration."""
    contained = {c["id"]: c for c in resource.get("contained", [])}
    weights = [
        contained[s["reference"][1:]]["valueQuantity"]["value"]
        for s in resource.get("supportingInformation", [])
    ]
    atc = [
        c["code"]
        for c in resource["medicationCodeableConcept"]["coding"]
        if c["system"] == "http://www.whocc.no/atc"
    ]
    return {
        "status": resource["status"],
        "atc": atc,
        "when": datetime.fromisoformat(resource["effectiveDateTime"]),
        "dose": {k: resource["dosage"]["dose"][k] for k in ("value", "system", "code")},
        "weights": weights,
        "subject": resource["subject"],
        "request": resource["request"],
        "identifier": [i["value"] for i in resource.get("identifier", [])],
    }


@pytest.mark.parametrize(
    "posted",
    [
        administration_in(),
        administration_in(status="stopped"),
        administration_in(status="not-done", contained=None, supportingInformation=None,
                          identifier=None),
    ],
    ids=["completed", "stopped", "not-done"],
)  # fmt: skip
def test_administration_round_trip(posted: dict[str, Any]) -> None:
    posted = {k: v for k, v in posted.items() if v is not None}
    inbound = infusion_from_fhir(posted, CONFIG)
    read_back = medication_administration(stored_infusion(inbound), TOCI, CONFIG)

    assert_valid(read_back)
    assert administered(read_back) == administered(posted)


def test_period_our_drug_code_and_other_supporting_information() -> None:
    posted = administration_in(
        effectiveDateTime=None,
        effectivePeriod={"start": "2016-02-07T09:30:00+01:00", "end": "2016-02-07T10:30:00+01:00"},
        medicationCodeableConcept={
            "coding": [{"system": f"{CONFIG.base_url}/CodeSystem/drug", "code": "tocilizumab"},
                       {"system": "http://www.whocc.no/atc", "code": "L04AC07"}]
        },
        supportingInformation=[{"reference": "Observation/" + rid("visit")}, {"reference": "#w1"}],
    )  # fmt: skip
    posted["contained"].append(
        {"resourceType": "Observation", "id": "h", "status": "final",
         "code": {"coding": [{"system": "http://loinc.org", "code": "8302-2"}]}}
    )  # fmt: skip
    posted["supportingInformation"].append({"reference": "#h"})
    inbound = infusion_from_fhir({k: v for k, v in posted.items() if v is not None}, CONFIG)

    assert inbound.body["administered_at"] == "2016-02-07T09:30:00+01:00"
    assert inbound.body["weight_kg"] == 62
    assert inbound.drug == "tocilizumab"


def weight(value: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "w1", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
            "valueQuantity": value}  # fmt: skip


MA = "MedicationAdministration"
ADMIN_REFUSALS = [
    ({"status": "in-progress"}, f"{MA}.status", "value"),
    ({"medicationCodeableConcept": None, "medicationReference": {"reference": "#m"}},
     f"{MA}.medicationReference", "not-supported"),
    ({"medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc",
                                                "code": "N02BE01"}]}},
     f"{MA}.medicationCodeableConcept.coding[0].code", "code-invalid"),
    ({"medicationCodeableConcept": {"text": "tocilizumab"}},
     f"{MA}.medicationCodeableConcept.coding", "code-invalid"),
    ({"medicationCodeableConcept": {"coding": [
        {"system": "http://www.whocc.no/atc", "code": "L04AC07"},
        {"system": "http://www.whocc.no/atc", "code": "L04AC14"}]}},
     f"{MA}.medicationCodeableConcept.coding", "value"),
    ({"dosage": None}, f"{MA}.dosage.dose", "required"),
    ({"dosage": {"route": {"text": "IV"}}}, f"{MA}.dosage.dose", "required"),
    ({"dosage": {"dose": {"value": 0.5, "system": UCUM, "code": "g"}}}, f"{MA}.dosage.dose.code",
     "code-invalid"),
    ({"dosage": {"dose": {"value": 496, "system": UCUM, "code": "mg", "comparator": "<"}}},
     f"{MA}.dosage.dose.code", "code-invalid"),
    ({"contained": [weight({"value": 136, "system": UCUM, "code": "[lb_av]"})]},
     f"{MA}.contained[0].valueQuantity.code", "code-invalid"),
    ({"supportingInformation": [{"reference": "#w1"}, {"reference": "#w2"}],
      "contained": [weight({"value": 62, "system": UCUM, "code": "kg"}),
                    {**weight({"value": 63, "system": UCUM, "code": "kg"}), "id": "w2"}]},
     f"{MA}.supportingInformation", "value"),
    ({"supportingInformation": [{"reference": "#w1"}, {"reference": "#nowhere"}]},
     f"{MA}.supportingInformation[1]", "invalid"),
    ({"effectiveDateTime": None, "effectivePeriod": {"end": "2016-02-07T10:00:00Z"}},
     f"{MA}.effectivePeriod.start", "required"),
    ({"request": None}, f"{MA}.request", "required"),
    ({"request": {"reference": f"ServiceRequest/{rid('toci')}"}}, f"{MA}.request.reference",
     "value"),
    ({"identifier": [{"value": "A"}, {"value": "B"}]}, f"{MA}.identifier", "value"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expression", "code"), ADMIN_REFUSALS)
def test_administration_refusals(change: dict[str, Any], expression: str, code: str) -> None:
    posted = {k: v for k, v in administration_in(**change).items() if v is not None}
    with pytest.raises(MappingError) as refused:
        infusion_from_fhir(posted, CONFIG)

    assert refused.value.issues[0].expression == (expression,)
    assert refused.value.issues[0].code == code


def test_administration_needs_effective_by_the_r4_model() -> None:
    posted = {k: v for k, v in administration_in(effectiveDateTime=None).items() if v is not None}
    with pytest.raises(InvalidResource):
        infusion_from_fhir(posted, CONFIG)


def test_regimen_by_identifier_or_transaction_entry() -> None:
    by_identifier = administration_in(request={"identifier": {"value": "ORD-2016-TCZ"}})
    by_entry = administration_in(request={"reference": "urn:uuid:7c0d5a2e-1"})
    conditional = administration_in(
        request={"reference": "MedicationRequest?identifier=http://ehr.example|ORD-2016-TCZ"}
    )

    assert infusion_from_fhir(by_identifier, CONFIG).regimen == Ref(
        "MedicationRequest", identifier=(None, "ORD-2016-TCZ")
    )
    assert infusion_from_fhir(by_entry, CONFIG).regimen == Ref(
        "MedicationRequest", placeholder="urn:uuid:7c0d5a2e-1"
    )
    assert infusion_from_fhir(conditional, CONFIG).regimen == Ref(
        "MedicationRequest", identifier=("http://ehr.example", "ORD-2016-TCZ")
    )


def test_patient_body() -> None:
    inbound = patient_from_fhir(patient_in(MRN), CONFIG)

    assert inbound.body == {
        "mrn": "TO-0001",
        "sex": "female",
        "birth_date": "1957-03-01",
        "given_name": "Ada Maria",
        "family_name": "Rossi",
    }
    assert inbound.patient is None
    PatientCreate.model_validate(inbound.body)


def person(resource: dict[str, Any]) -> dict[str, Any]:
    official = next(n for n in resource["name"] if n["use"] == "official")
    mrn = [i["value"] for i in resource["identifier"] if i["system"] == MRN]
    return {
        "mrn": mrn,
        "gender": resource["gender"],
        "birthDate": resource["birthDate"],
        "name": (official["family"], " ".join(official["given"])),
        "organization": resource.get("managingOrganization", {}).get("identifier"),
    }


@pytest.mark.parametrize("config", [CONFIG, TENANCY], ids=["single", "tenancy"])
def test_patient_round_trip(config: FhirConfig) -> None:
    organization = {"identifier": {"system": config.organization_system, "value": "clinic-a"}}
    posted = patient_in(MRN, managingOrganization=organization)
    inbound = patient_from_fhir(posted, config)
    read_back = patient_resource(stored_patient(inbound), config)

    assert_valid(read_back)
    expected = person(posted)
    if not config.tenancy:  # one organization: the default one, not exposed
        expected["organization"] = None
    assert person(read_back) == expected


def test_patient_with_a_usual_name_or_none() -> None:
    usual = patient_in(MRN, name=[{"use": "nickname", "given": ["Adi"]},
                                  {"use": "usual", "family": "Rossi"}])  # fmt: skip
    nameless = patient_in(MRN, name=None)
    del nameless["name"]

    assert patient_from_fhir(usual, CONFIG).body["family_name"] == "Rossi"
    assert "given_name" not in patient_from_fhir(usual, CONFIG).body
    assert "family_name" not in patient_from_fhir(nameless, CONFIG).body
    assert "organization" not in patient_from_fhir(patient_in(MRN), TENANCY).body


PATIENT_REFUSALS = [
    ({"identifier": [{"system": "http://national.example/id", "value": "NAT-1"}]},
     "Patient.identifier", "required"),
    ({"identifier": [{"system": MRN, "value": "A"}, {"system": MRN, "value": "B"}]},
     "Patient.identifier", "value"),
    ({"gender": None}, "Patient.gender", "required"),
    ({"birthDate": "1957-03"}, "Patient.birthDate", "required"),
    ({"managingOrganization": {"reference": "Organization/clinic-a"}},
     "Patient.managingOrganization", "value"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expression", "code"), PATIENT_REFUSALS)
def test_patient_refusals(change: dict[str, Any], expression: str, code: str) -> None:
    posted = {k: v for k, v in patient_in(MRN, **change).items() if v is not None}
    with pytest.raises(MappingError) as refused:
        patient_from_fhir(posted, TENANCY)

    assert refused.value.issues[0].expression == (expression,)
    assert refused.value.issues[0].code == code
    assert "TO-0001" not in str(refused.value.outcome())
