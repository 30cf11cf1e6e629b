"""Conditional create and transaction Bundles: parsed and mapped whole, or refused whole."""

from typing import Any

import pytest

from app.fhir.config import FhirConfig
from app.fhir.errors import FhirError, InvalidRequest, InvalidResource, MappingError
from app.fhir.inbound import patient_from_fhir
from app.fhir.inbound_lab import lab_result_from_fhir
from app.fhir.parsing import Ref
from app.fhir.transaction import (
    apply_if_none_exist,
    creation_order,
    parse_if_none_exist,
    parse_transaction,
)

from .inbound_builders import administration_in, lab_observation_in, patient_in
from .validation import assert_valid

MRN = "urn:oid:1.2.3.4.5"
CONFIG = FhirConfig(mrn_system=MRN)
PATIENT_URN = "urn:uuid:0b6a1e5e-2f64-4d7e-9c61-3f1d2b8c9a01"


def entry(resource: dict[str, Any], full_url: str | None = None, **request: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"], **request},
    }
    if full_url:
        found["fullUrl"] = full_url
    return found


def transaction(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def new_patient_bundle() -> dict[str, Any]:
    """A new patient and two results about it, referenced by the patient's urn:uuid."""
    subject = {"reference": PATIENT_URN}
    return transaction(
        entry(lab_observation_in(subject=subject), "urn:uuid:lab-1",
              ifNoneExist="identifier=http://acme-lab.example/accession|LAB-778812"),
        entry(patient_in(MRN), PATIENT_URN, ifNoneExist=f"identifier={MRN}|TO-0001"),
        entry(administration_in(subject=subject)),
    )  # fmt: skip


def test_transaction_entries() -> None:
    entries = parse_transaction(new_patient_bundle(), CONFIG)

    assert [e.index for e in entries] == [0, 1, 2]
    assert [e.inbound.resource_type for e in entries] == [
        "Observation", "Patient", "MedicationAdministration",
    ]  # fmt: skip
    assert entries[0].inbound.patient == Ref("Patient", placeholder=PATIENT_URN)
    assert entries[0].if_none_exist == ("http://acme-lab.example/accession", "LAB-778812")
    assert entries[1].full_url == PATIENT_URN
    assert entries[1].inbound.body["mrn"] == "TO-0001"
    assert entries[2].if_none_exist is None
    assert [e.index for e in creation_order(entries)] == [1, 0, 2]


def test_empty_transaction() -> None:
    assert parse_transaction(transaction(), CONFIG) == []
    assert parse_transaction({"resourceType": "Bundle", "type": "transaction"}, CONFIG) == []


def outcome_of(bundle: dict[str, Any]) -> tuple[type[FhirError], dict[str, Any]]:
    with pytest.raises(FhirError) as refused:
        parse_transaction(bundle, CONFIG)
    outcome = refused.value.outcome()
    assert_valid(outcome)
    return type(refused.value), outcome["issue"][0]


def bundle_with(index: int, **change: Any) -> dict[str, Any]:
    bundle = new_patient_bundle()
    bundle["entry"][index].update(change)
    return bundle


def test_refusals_name_the_entry() -> None:
    unknown_loinc = lab_observation_in(
        code={"coding": [{"system": "http://loinc.org", "code": "99999-9"}]},
        subject={"reference": PATIENT_URN},
    )
    cases = [
        ({**transaction(), "type": "batch"}, InvalidRequest, "Bundle.type"),
        (bundle_with(2, request={"method": "PUT", "url": "MedicationAdministration"}),
         InvalidRequest, "Bundle.entry[2].request"),
        (bundle_with(2, request={"method": "POST", "url": "Observation"}),
         InvalidRequest, "Bundle.entry[2].request"),
        (transaction(entry({"resourceType": "Condition", "subject": {"reference": PATIENT_URN}},
                           ))
         , InvalidRequest, "Bundle.entry[0].request"),
        (bundle_with(1, request={"method": "POST", "url": "Patient"}),
         InvalidRequest, "Bundle.entry[1].request.ifNoneExist"),
        (transaction({"fullUrl": "urn:uuid:x", "request": {"method": "POST", "url": "Patient"}}),
         InvalidRequest, "Bundle.entry[0]"),
        (bundle_with(0, resource=unknown_loinc), MappingError,
         "Bundle.entry[0].resource.code.coding[0].code"),
        (bundle_with(0, request={"method": "POST", "url": "Observation",
                                 "ifNoneExist": "identifier=|LAB-1"}),
         InvalidRequest, "Bundle.entry[0].request.ifNoneExist"),
        (bundle_with(0, request={"method": "POST", "url": "Observation",
                                 "ifNoneExist": "identifier=http://x|OTHER"}),
         MappingError, "Bundle.entry[0].resource.identifier"),
        (bundle_with(2, fullUrl=PATIENT_URN), InvalidRequest, "Bundle.entry[2].fullUrl"),
        (bundle_with(1, fullUrl="urn:uuid:someone-else"), InvalidRequest,
         "Bundle.entry[0].resource.subject"),
        (bundle_with(2, resource=administration_in(
            subject={"reference": PATIENT_URN},
            request={"reference": "urn:uuid:lab-1"})), InvalidRequest,
         "Bundle.entry[2].resource.request"),
    ]  # fmt: skip
    for bundle, kind, expression in cases:
        refused, issue = outcome_of(bundle)
        assert refused is kind, expression
        assert issue["expression"] == [expression]


def test_an_invalid_entry_resource_is_a_structure_error() -> None:
    bad = lab_observation_in(valueQuantity={"value": "zero"})
    kind, issue = outcome_of(bundle_with(0, resource=bad))

    assert kind is InvalidResource
    assert issue["expression"] == ["Bundle.entry[0].resource.valueQuantity.value"]


def test_if_none_exist_header() -> None:
    assert parse_if_none_exist("identifier=http%3A%2F%2Flab.example%7CA-1") == (
        "http://lab.example",
        "A-1",
    )
    assert parse_if_none_exist("identifier=A-1") == (None, "A-1")
    for bad in ("", "identifier=", "identifier=x|", "code=1988-5", "identifier=a&_id=b"):
        with pytest.raises(InvalidRequest) as refused:
            parse_if_none_exist(bad)
        assert refused.value.issues[0].expression == ("If-None-Exist",)


def test_if_none_exist_sets_or_checks_the_external_id() -> None:
    posted = lab_observation_in()
    del posted["identifier"]
    without = lab_result_from_fhir(posted, CONFIG)
    with_same = lab_result_from_fhir(lab_observation_in(), CONFIG)

    assert apply_if_none_exist(without, (None, "LAB-9"), CONFIG).body["external_id"] == "LAB-9"
    assert "external_id" not in without.body  # the original is left as it was
    same = apply_if_none_exist(with_same, ("http://x.example", "LAB-778812"), CONFIG)
    assert same.body == with_same.body


def test_if_none_exist_of_a_patient_is_its_mrn() -> None:
    inbound = patient_from_fhir(patient_in(MRN), CONFIG)

    assert apply_if_none_exist(inbound, (MRN, "TO-0001"), CONFIG) == inbound
    assert apply_if_none_exist(inbound, (None, "TO-0001"), CONFIG) == inbound
    for token in ((MRN, "TO-0002"), ("http://national.example/id", "TO-0001")):
        with pytest.raises(MappingError) as refused:
            apply_if_none_exist(inbound, token, CONFIG)
        assert refused.value.issues[0].expression == ("Patient.identifier",)
