"""Schema fuzzing: every operation of openapi.yaml, against the served app, with a valid token.

Each generated request (valid and invalid input alike) must get no 5xx, a documented status
code, a documented content type and a body that conforms to the documented schema; a request
that breaks the schema (negative data) must be refused with a 4xx, not accepted. Path ids
are random UUIDs or, half of the time, ids of records that exist, so the fuzzer also reaches
past the 404s.

FUZZ_EXAMPLES sets the examples per operation (default 25, deterministic: CI); when it is set
the run is randomised too (`make fuzz`, e.g. FUZZ_EXAMPLES=500).
"""

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.security import mint_token
from tests.support import factories as f
from tests.support.clients import ROOT, SECRET
from tests.support.serving import Server

# One served app and one seed for the module. `serial`: under pytest-xdist schemathesis's
# generated items collapse into one (1 of 84 ran), so make test runs the fuzz in its serial part.
pytestmark = [pytest.mark.slow, pytest.mark.serial]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
RANDOM = "FUZZ_EXAMPLES" in os.environ
CHECKS = [
    not_a_server_error,
    status_code_conformance,  # no undocumented status
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # no schema-breaking request accepted
]
# The operations under /v1/<collection>/{record_id} address one kind of record each.
COLLECTIONS = ("patients", "regimens", "infusions", "lab-results", "assessments")


def _seed(base: str, bearer: str) -> dict[str, str]:
    """One patient with a record of every kind; their ids are fed to the fuzzer."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {bearer}"}) as http:

        def post(path: str, body: dict[str, Any]) -> str:
            response = http.post(path, json=body)
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        pid = post("/v1/patients", f.patient_body())
        rid = post(f"/v1/patients/{pid}/regimens", f.regimen_body())
        return {
            "patients": pid,
            "regimens": rid,
            "infusions": post(f"/v1/regimens/{rid}/infusions", f.infusion_body()),
            "lab-results": post(f"/v1/patients/{pid}/lab-results", f.lab_body()),
            "assessments": post(f"/v1/patients/{pid}/assessments", f.assessment_body()),
        }


def _known_id(path: str, name: str, ids: dict[str, str]) -> str | None:
    if name == "patient_id":
        return ids["patients"]
    if name == "regimen_id":
        return ids["regimens"]
    collection = path.split("/")[2] if path.startswith("/v1/") else ""
    return ids.get(collection) if collection in COLLECTIONS else None


def _is_id(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def bearer() -> str:
    return mint_token(Settings(jwt_secret=SECRET), "fuzzer", "admin", ttl_seconds=3600)


schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
# HL7 v2 messages (POST /hl7v2/oru) are text: sent the way text/plain is.
schemathesis.serializer.alias(
    ["x-application/hl7-v2+er7", "application/hl7-v2+er7", "application/hl7-v2"], "text/plain"
)
# The token is the test's to give (below): negative cases leave Authorization alone, or a
# request refused for its token would count as one refused for its data.
schema.config.generation.with_security_parameters = False
KNOWN: dict[str, str] = {}  # collection -> id of a stored record, filled by `seeded`


@schema.hook
def flatmap_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, Any]
) -> SearchStrategy[dict[str, Any]]:
    if not path_parameters or context.operation is None:
        return st.just(path_parameters)
    path = context.operation.path

    def stored(_: bool) -> dict[str, Any]:  # read KNOWN when drawn: it is filled at run time
        if not all(_is_id(v) for v in path_parameters.values()):
            return path_parameters  # a negative case broke the path: a stored id would mend it
        return {n: _known_id(path, n, KNOWN) or v for n, v in path_parameters.items()}

    return st.one_of(st.just(path_parameters), st.just(True).map(stored))


@pytest.fixture(scope="module", autouse=True)
def seeded(served: Server, bearer: str) -> Iterator[None]:
    KNOWN.update(_seed(served.base, bearer))
    yield
    KNOWN.clear()


@schemathesis.serializer("application/x-ndjson")
def ndjson(_: Any, value: Any) -> bytes:
    """POST /v1/import's body is NDJSON text (documented as a string): sent as drawn."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


# The import answers any body with 200 and a problem per line it cannot read (a bad line never
# stops the others), so a schema-breaking body is not refused as a whole.
PER_LINE = [check for check in CHECKS if check is not negative_data_rejection]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_honours_its_contract(
    case: schemathesis.Case[Any], served: Server, bearer: str
) -> None:
    headers = {"Authorization": f"Bearer {bearer}"}
    checks = PER_LINE if case.operation.path == "/v1/import" else CHECKS
    case.call_and_validate(base_url=served.base, headers=headers, checks=checks, timeout=30)
