"""An integration engine's view: the fhirpy client library against a real server finds the
patient by MRN, posts results (conditionally, and in a transaction), pages a search, reads
$everything, and meets OperationOutcomes for what it may not do."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from app.config import Settings
from app.fhir.config import DEFAULT_MRN_SYSTEM
from tests.support import factories as f
from tests.support.clients import token
from tests.support.routes import ZERO
from tests.support.serving import Server

from .inbound_builders import lab_observation_in, transaction, transaction_entry
from .validation import assert_valid

pytestmark = pytest.mark.slow


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[str]:
    secret = settings.jwt_secret or ""
    with Server(settings.database_url, secret, tmp_path / "server.log") as server:
        yield server.base


def _patient_with_regimen(base: str, bearer: str) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {bearer}"}
    with httpx.Client(base_url=base, headers=headers) as http:
        patient = http.post("/v1/patients", json=f.patient_body()).json()
        http.post(f"/v1/patients/{patient['id']}/regimens", json=f.regimen_body())
    return patient["id"], patient["mrn"]


def test_fhirpy_drives_the_face_as_an_integration_would(served: str, settings: Settings) -> None:
    bearer = token(settings)
    pid, mrn = _patient_with_regimen(served, bearer)
    fhir = SyncFHIRClient(f"{served}/fhir", authorization=f"Bearer {bearer}")
    assert fhir.execute("metadata", method="get")["fhirVersion"] == "4.0.1"

    patient = fhir.resources("Patient").search(identifier=f"{DEFAULT_MRN_SYSTEM}|{mrn}").get()
    assert patient.id == pid
    for n in range(3):
        sent = lab_observation_in(
            subject={"reference": f"Patient/{pid}"},
            identifier=[{"system": "http://acme-lab.example/accession", "value": f"A-{n}"}],
        )
        created = fhir.resource("Observation", **sent).save()
        assert created["valueQuantity"]["code"] == "mg/dL"
        again = fhir.resource("Observation", **sent).save()  # a re-send: the same record
        assert again.id == created.id
    labs = fhir.resources("Observation").search(patient=pid, category="laboratory").limit(2)
    found = labs.fetch_all()  # follows the `next` links
    assert len(found) == 3
    assert all(o["subject"]["reference"] == f"Patient/{pid}" for o in found)

    by_mrn = {"reference": f"Patient?identifier={DEFAULT_MRN_SYSTEM}|{mrn}"}
    entry = transaction_entry(
        lab_observation_in(subject=by_mrn, identifier=None),
        "urn:uuid:0d4c1a64-5f7e-4d43-9f49-2f3c1e0b7a10",
        "Observation",
    )
    answered = fhir.execute("", method="post", data=transaction(entry))
    assert answered["entry"][0]["response"]["status"] == "201 Created"

    everything: dict[str, Any] = fhir.execute(f"Patient/{pid}/$everything", method="get")
    assert_valid(everything)
    kinds = {e["resource"]["resourceType"] for e in everything["entry"]}
    assert {"Patient", "MedicationRequest", "Observation", "Flag", "DetectedIssue"} <= kinds

    with pytest.raises(ResourceNotFound):
        fhir.reference("Patient", ZERO).to_resource()
    unknown = lab_observation_in(
        subject={"reference": f"Patient/{pid}"},
        code={"coding": [{"system": "http://loinc.org", "code": "9999-9"}]},
    )
    with pytest.raises(OperationOutcome) as refused:
        fhir.resource("Observation", **unknown).save()
    assert "9999-9" in str(refused.value)
