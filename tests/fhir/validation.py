"""Validation of emitted FHIR: the R4B models of fhir.resources, plus the R4 rules those
models do not check (required value sets, id length, empty elements, references, UCUM)."""

import re
from collections.abc import Iterator, Mapping
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

UCUM = "http://unitsofmeasure.org"
# The UCUM codes this service may emit (all valid UCUM; `IU/mL` is not, `[iU]/mL` is).
UCUM_CODES = frozenset(
    {
        "mg", "kg", "cm", "mg/kg", "mg/d", "mg/m2", "mm/h", "mg/L", "mg/dL", "g/L",
        "[iU]/mL", "[IU]/mL", "[iU]/L", "[IU]/L", "10*9/L", "10*3/uL", "U/L", "{score}",
    }
)  # fmt: skip
OBSERVATION_STATUS = {
    "registered", "preliminary", "final", "amended", "corrected", "cancelled",
    "entered-in-error", "unknown",
}  # fmt: skip
STATUS_VALUE_SETS: Mapping[str, frozenset[str]] = {
    "Observation": frozenset(OBSERVATION_STATUS),
    "DetectedIssue": frozenset(OBSERVATION_STATUS),
    "MedicationRequest": frozenset(
        {
            "active",
            "on-hold",
            "cancelled",
            "completed",
            "entered-in-error",
            "stopped",
            "draft",
            "unknown",
        }
    ),
    "MedicationAdministration": frozenset(
        {
            "in-progress",
            "not-done",
            "on-hold",
            "completed",
            "entered-in-error",
            "stopped",
            "unknown",
        }
    ),
    "Flag": frozenset({"active", "inactive", "entered-in-error"}),
    "CapabilityStatement": frozenset({"draft", "active", "retired", "unknown"}),
}
ISSUE_TYPES = frozenset(
    {
        "invalid", "structure", "required", "value", "invariant", "security", "login",
        "unknown", "expired", "forbidden", "suppressed", "processing", "not-supported",
        "duplicate", "multiple-matches", "not-found", "deleted", "too-long", "code-invalid",
        "extension", "too-costly", "business-rule", "conflict", "transient", "lock-error",
        "no-store", "exception", "timeout", "incomplete", "throttled", "informational",
    }
)  # fmt: skip
BUNDLE_TYPES = frozenset(
    {"document", "message", "transaction", "transaction-response", "batch", "batch-response",
     "history", "searchset", "collection"}
)  # fmt: skip
RESOURCE_TYPES = frozenset(
    {"Patient", "Condition", "MedicationRequest", "MedicationAdministration", "Observation",
     "Flag", "DetectedIssue", "Organization"}
)  # fmt: skip
ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
RELATIVE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")


def assert_valid(resource: Mapping[str, Any]) -> None:
    """`resource` parses with the R4B model of its type and keeps the R4 rules below."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    _no_empty(resource, resource["resourceType"])
    for path, node in _nodes(resource, resource["resourceType"]):
        _check_node(path, node)
    _check_contained(resource)


def _nodes(node: object, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        yield path, node
        for key, value in node.items():
            yield from _nodes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, f"{path}[{index}]")


def _no_empty(node: object, path: str) -> None:
    """FHIR JSON has no null, empty string, empty array or empty object."""
    assert node not in (None, "", [], {}), f"empty element at {path}"
    if isinstance(node, Mapping):
        for key, value in node.items():
            _no_empty(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _no_empty(value, f"{path}[{index}]")


def _check_node(path: str, node: Mapping[str, Any]) -> None:
    kind = node.get("resourceType")
    if kind is not None:
        assert ID.match(node.get("id", "x")), f"bad id at {path}"
        allowed = STATUS_VALUE_SETS.get(kind)
        if allowed is not None and "status" in node:
            assert node["status"] in allowed, f"{kind}.status {node['status']} at {path}"
        if kind == "Bundle":
            assert node["type"] in BUNDLE_TYPES
        if kind == "OperationOutcome":
            assert all(i["code"] in ISSUE_TYPES for i in node["issue"]), path
        if kind == "Observation" and _is_vital_sign(node):
            _check_vital_sign(path, node)
    if node.get("system") == UCUM:
        assert node["code"] in UCUM_CODES, f"not a UCUM code we emit at {path}: {node['code']}"
    if "comparator" in node:
        assert node["comparator"] in {"<", "<=", ">", ">="}, path
    ref = node.get("reference")
    if isinstance(ref, str) and not ref.startswith("#"):
        match = RELATIVE.match(ref)
        assert match, f"not a relative reference at {path}"
        assert match.group(1) in RESOURCE_TYPES, f"reference to an unknown type at {path}"


def _is_vital_sign(observation: Mapping[str, Any]) -> bool:
    return any(
        coding.get("code") == "vital-signs"
        for concept in observation.get("category", [])
        for coding in concept.get("coding", [])
    )


def _check_vital_sign(path: str, observation: Mapping[str, Any]) -> None:
    """The R4 vital-signs profile: category, code (LOINC), subject, effective, UCUM value."""
    assert observation.get("meta", {}).get("profile"), path
    codings = observation["code"].get("coding", [])
    assert any(c.get("system") == "http://loinc.org" for c in codings), path
    assert observation.get("subject", {}).get("reference", "").startswith("Patient/"), path
    assert "effectiveDateTime" in observation, path
    assert observation.get("valueQuantity", {}).get("system") == UCUM, path


def _check_contained(resource: Mapping[str, Any]) -> None:
    """dom-2..dom-4 for every resource in `resource` (entries of a Bundle included):
    contained resources are referenced, unnested, and carry no version meta."""
    for _, node in _nodes(resource, ""):
        if "resourceType" in node:
            _check_own_contained(node)


def _check_own_contained(resource: Mapping[str, Any]) -> None:
    contained = resource.get("contained", [])
    ids = {c["id"] for c in contained}
    assert _local_references(resource) == ids, "contained <-> '#' references"
    for inner in contained:
        assert "contained" not in inner
        assert "versionId" not in inner.get("meta", {})
        assert "lastUpdated" not in inner.get("meta", {})


def _local_references(node: object) -> set[str]:
    """`#id` references of one resource and its contained ones, not of a Bundle's entries
    (each entry resource has its own)."""
    if isinstance(node, Mapping):
        found = {node["reference"][1:]} if str(node.get("reference", "")).startswith("#") else set()
        for key, value in node.items():
            if key != "resource":
                found |= _local_references(value)
        return found
    if isinstance(node, list):
        return {r for value in node for r in _local_references(value)}
    return set()
