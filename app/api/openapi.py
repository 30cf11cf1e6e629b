"""Post-processing of the generated OpenAPI document.

FastAPI files every documented response model under application/json; error answers here are
application/problem+json, so they are moved there, and its default 422 schema is dropped
(our 422 is a Problem). A write answers either the record or its receipt (least exposure):
exactly one of the two, which FastAPI renders as anyOf; it is stated as oneOf.
"""

from typing import Any

from fastapi import FastAPI

from app.api.routes.fhir_outcomes import FHIR_JSON, OUTCOME_REF, PREFIX, SCHEMAS

PROBLEM = "application/problem+json"
UNUSED = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = _receipts_as_one_of(_problems_as_problem_json(generate()))
            app.openapi_schema = _fhir_outcomes(spec)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problems_as_problem_json(spec: dict[str, Any]) -> dict[str, Any]:
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            for code, response in operation.get("responses", {}).items():
                if code[0] in "45" and "content" in response:
                    schema = response["content"].pop("application/json", {}).get("schema")
                    if schema is not None:
                        response["content"][PROBLEM] = {"schema": _problem_ref(schema)}
    schemas = spec.get("components", {}).get("schemas", {})
    for name in UNUSED:
        schemas.pop(name, None)
    return spec


def _problem_ref(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("$ref", "").endswith("/HTTPValidationError"):
        return {"$ref": "#/components/schemas/Problem"}
    return schema


RECEIPT_NOTE = (
    "The record; a caller without `records:read` gets its receipt instead (least exposure)."
)


def _receipts_as_one_of(spec: dict[str, Any]) -> dict[str, Any]:
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            for code, response in operation.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if code.startswith("2") and schema is not None and _is_record_or_receipt(schema):
                    schema["oneOf"] = schema.pop("anyOf")
                    schema["description"] = RECEIPT_NOTE
    return spec


def _is_record_or_receipt(schema: dict[str, Any]) -> bool:
    refs = [choice.get("$ref", "") for choice in schema.get("anyOf", [])]
    return len(refs) == 2 and refs[1].endswith("Receipt")


def _fhir_outcomes(spec: dict[str, Any]) -> dict[str, Any]:
    """Under /fhir every error is an OperationOutcome (application/fhir+json), the request
    validation errors FastAPI documents by itself included."""
    for path, item in spec.get("paths", {}).items():
        if not path.startswith(PREFIX):
            continue
        for operation in item.values():
            for code, response in operation.get("responses", {}).items():
                if code[0] in "45":
                    response["content"] = {FHIR_JSON: {"schema": dict(OUTCOME_REF)}}
    spec.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    return spec
