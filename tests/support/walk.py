"""A walk of every /v1 operation of the app's OpenAPI document with real ids: one record of
every kind that a POST of the document creates (from the request body's example), and each
operation's path filled with those ids. A new route is walked as soon as it is in the
document; a path parameter the walk cannot fill fails loudly instead of being skipped."""

import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from tests.support.routes import ZERO

_PARAMETER = re.compile(r"\{([a-z_]+)\}")
Ids = dict[str, str]  # collection (path segment, e.g. "lab-results") -> a record's id


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    template: str  # the path as documented, e.g. /v1/regimens/{record_id}/history
    spec: dict[str, Any]

    @property
    def has_ids(self) -> bool:
        return "{" in self.template

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


# Not patient data: subscriptions are the admin's, and their URLs must resolve to public
# addresses (tests/api/test_subscriptions.py covers them, their organizations included).
NOT_WALKED = "/v1/subscriptions"


def operations(app: FastAPI) -> list[Operation]:
    found = [
        Operation(method.upper(), path, spec)
        for path, item in app.openapi()["paths"].items()
        for method, spec in item.items()
        if path.startswith("/v1") and not path.startswith(NOT_WALKED)
    ]
    assert len(found) > 20, "the walk found too few operations to mean anything"
    return found


def fill(template: str, ids: Ids | None) -> str:
    """The path with each `{..._id}` replaced by the id of a record of its collection
    (`ids` None: a well-formed id no record has)."""

    def value(match: re.Match[str]) -> str:
        if ids is None:
            return ZERO
        collection = _collection(template, match.group(1))
        if collection not in ids:
            raise LookupError(f"no record to fill {match.group(0)} of {template}: seed one")
        return ids[collection]

    return _PARAMETER.sub(value, template)


def body(app: FastAPI, operation: Operation) -> dict[str, Any] | None:
    """A valid body: the documented example of a creating POST, `{}` for a PATCH (every
    field optional), none for the rest."""
    if operation.method == "PATCH":
        return {}
    content = operation.spec.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    name = schema["$ref"].rsplit("/", 1)[-1]
    examples = app.openapi()["components"]["schemas"][name].get("examples")
    assert examples, f"{operation}: give {name} an example so the walk can send one"
    return dict(examples[0])


async def seed(app: FastAPI, client: httpx.AsyncClient) -> Ids:
    """One record of each kind a documented POST creates, parents first."""
    ids: Ids = {}
    pending = [op for op in operations(app) if _creates(op)]
    while pending:
        ready = [op for op in pending if _fillable(op.template, ids)]
        assert ready, f"cannot seed {[str(op) for op in pending]}: unknown parents"
        for op in ready:
            response = await client.post(fill(op.template, ids), json=body(app, op))
            assert response.status_code == 201, (str(op), response.text)
            ids[op.template.rsplit("/", 1)[-1]] = response.json()["id"]
            pending.remove(op)
    return ids


def _creates(op: Operation) -> bool:
    last = op.template.rsplit("/", 1)[-1]
    return (
        op.method == "POST"
        and "{" not in last
        and ":" not in last
        and "201" in op.spec.get("responses", {})
    )


def _fillable(template: str, ids: Ids) -> bool:
    try:
        fill(template, ids)
    except LookupError:
        return False
    return True


def _collection(template: str, parameter: str) -> str:
    """`record_id` names the collection it follows; `regimen_id` the regimens'."""
    if parameter == "record_id":
        return template.split("/")[2]
    return parameter.removesuffix("_id").replace("_", "-") + "s"
