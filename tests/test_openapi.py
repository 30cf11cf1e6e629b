"""openapi.yaml at the root is what the app serves (regenerate with `make openapi`)."""

import json
from typing import Any

import yaml

from app.config import Settings
from app.main import create_app
from tests.support.clients import ROOT


def test_openapi_yaml_matches_the_app() -> None:
    served = json.loads(json.dumps(create_app(Settings(_env_file=None)).openapi()))
    committed = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert committed == served, "openapi.yaml is stale: run `make openapi` and commit it"


def test_operation_ids_are_unique_and_protected_operations_declare_bearer() -> None:
    spec = create_app(Settings(_env_file=None)).openapi()
    operations = [(path, op) for path, item in spec["paths"].items() for op in item.values()]
    ids = [op["operationId"] for _, op in operations]
    assert len(ids) == len(set(ids))
    for path, op in operations:
        if path.startswith("/v1"):
            assert op["security"] == [{"HTTPBearer": []}], path
            assert "401" in op["responses"], path


def _is_record(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    properties = spec["components"]["schemas"].get(name, {}).get("properties", {})
    return {"version", "entered_in_error"} <= set(properties)


def test_writes_document_the_record_or_its_receipt() -> None:
    """Least exposure is in the contract: every write answering a record also documents the
    receipt a caller without records:read gets, and an external_id re-send's 200."""
    spec = create_app(Settings(_env_file=None)).openapi()
    documented: list[str] = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not path.startswith("/v1") or method not in ("post", "patch", "delete"):
                continue
            for code, response in op["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if not code.startswith("2") or schema is None:
                    continue
                choices = schema.get("oneOf", [schema])
                if any(_is_record(spec, c) for c in choices):
                    assert [c["$ref"].endswith("Receipt") for c in choices] == [False, True]
                    documented.append(f"{op['operationId']} {code}")
    assert "createLabResult 200" in documented
    assert "createInfusion 200" in documented
    assert len(documented) >= 16, documented
