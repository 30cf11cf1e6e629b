"""Every /v1 operation of an app, with concrete paths, for tests that sweep them all."""

import re

from fastapi import FastAPI

ZERO = "00000000-0000-4000-8000-000000000000"
_PARAMETER = re.compile(r"\{[a-z_]+_id\}")


def v1_operations(app: FastAPI) -> list[tuple[str, str]]:
    """(METHOD, path) of each operation under /v1, every `{..._id}` a well-formed id."""
    operations = [
        (method.upper(), _PARAMETER.sub(ZERO, path))
        for path, item in app.openapi()["paths"].items()
        for method in item
        if path.startswith("/v1")
    ]
    assert len(operations) > 20, "the sweep found too few operations to mean anything"
    return operations
