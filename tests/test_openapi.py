"""openapi.yaml at the root is what the app serves (regenerate with `make openapi`)."""

import json

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
