"""Re-checking a partial update against the full creation rules."""

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import Unprocessable

C = TypeVar("C", bound=BaseModel)


def merged(create: type[C], current: BaseModel, patch: BaseModel) -> C:
    """The record as it would be after the patch, validated like a new one.

    A PATCH may not leave a record that could not have been created (end before start,
    a required field set to null), so the merged state goes through the create schema.
    """
    state: dict[str, Any] = current.model_dump(mode="json", include=set(create.model_fields))
    state.update(patch.model_dump(mode="json", include=patch.model_fields_set))
    try:
        return create.model_validate_json(json.dumps(state))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ("body", *first["loc"])
        raise Unprocessable(first["msg"], loc=loc, errors=_errors(exc)) from exc


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
