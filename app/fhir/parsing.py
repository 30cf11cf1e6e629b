"""Inbound basics: validate a posted resource with the R4 models, then read references,
identifiers, times and UCUM quantities out of it, refusing what we cannot map."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from app.fhir.codes import UCUM
from app.fhir.config import FhirConfig
from app.fhir.errors import InvalidResource, MappingError
from app.fhir.ids import record_id

Model = TypeVar("Model", bound=Resource)


@dataclass(frozen=True, slots=True)
class Ref:
    """What a posted reference points at: one of our records by id, a record found by an
    identifier (system may be None: any), or another entry of the same transaction."""

    resource_type: str
    id: str | None = None
    identifier: tuple[str | None, str] | None = None
    placeholder: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """A posted resource mapped onto our create body, plus what the body's path needs:
    the patient (and, for an administration, the regimen) it belongs to, and the drug it
    names (the service checks it is the regimen's)."""

    resource_type: str
    body: dict[str, Any]
    patient: Ref | None = None
    regimen: Ref | None = None
    drug: str | None = None

    def refs(self) -> list[tuple[str, Ref]]:
        """(element, Ref) of every reference the body depends on."""
        found = [("subject", self.patient), ("request", self.regimen)]
        return [(name, ref) for name, ref in found if ref is not None]


def validated(model: type[Model], data: object) -> Model:
    """`data` parsed as an R4 resource of `model`'s type, or InvalidResource (400)."""
    resource_type = model.get_resource_type()
    if not isinstance(data, Mapping) or data.get("resourceType") != resource_type:
        raise InvalidResource(resource_type, f"expected a JSON object of type {resource_type}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidResource.from_validation(error, resource_type) from None


def reference_to(
    ref: Reference | None, expression: str, resource_type: str, config: FhirConfig
) -> Ref:
    """A reference to one of our `resource_type` records: `Type/{uuid}`, a transaction
    entry `urn:uuid:...`, a conditional `Type?identifier=system|value`, or a logical
    reference by identifier (a Patient's must use the MRN system)."""
    if ref is not None and ref.type is not None and ref.type != resource_type:
        raise MappingError(f"{expression}.type", f"must reference a {resource_type}", code="value")
    if ref is not None and ref.reference is not None:
        return _literal(ref.reference, f"{expression}.reference", resource_type, config)
    if ref is not None and ref.identifier is not None:
        token = _identifier_token(ref.identifier, f"{expression}.identifier")
        return _by_identifier(resource_type, token, f"{expression}.identifier", config)
    message = f"a reference to a {resource_type} is required"
    raise MappingError(expression, message, code="required")


def _literal(text: str, expression: str, resource_type: str, config: FhirConfig) -> Ref:
    if text.startswith("urn:uuid:"):
        return Ref(resource_type, placeholder=text)
    prefix = f"{resource_type}?"
    if text.startswith(prefix):
        token = identifier_query(text.removeprefix(prefix), expression)
        return _by_identifier(resource_type, token, expression, config)
    kind, _, rest = text.partition("/")
    found = record_id(rest) if kind == resource_type else None
    if found is None:
        message = f"must be {resource_type}/<id> of one of our records (a relative reference)"
        raise MappingError(expression, message, code="value")
    return Ref(resource_type, id=found)


def _by_identifier(
    resource_type: str, token: tuple[str | None, str], expression: str, config: FhirConfig
) -> Ref:
    if resource_type == "Patient" and token[0] not in (None, config.mrn_system):
        raise MappingError(expression, "a patient is identified by the MRN system", code="value")
    return Ref(resource_type, identifier=token)


def _identifier_token(identifier: Identifier, expression: str) -> tuple[str | None, str]:
    if not identifier.value:
        raise MappingError(f"{expression}.value", "an identifier needs a value", code="required")
    return identifier.system, identifier.value


def identifier_query(query: str, expression: str) -> tuple[str | None, str]:
    """`identifier=system|value` (URL-encoded; a bare value: any system), the one search
    that finds a record here: conditional references and conditional creates."""
    params = parse_qsl(query, keep_blank_values=True)
    if len(params) != 1 or params[0][0] != "identifier":
        raise MappingError(expression, "expected identifier=system|value", code="not-supported")
    return parse_token(params[0][1], expression)


def parse_token(text: str, expression: str) -> tuple[str | None, str]:
    """`system|value` (or a bare `value`: any system) -> (system, value)."""
    system, bar, value = text.rpartition("|")
    if not value or (bar and not system):
        raise MappingError(expression, "expected identifier=system|value", code="value")
    return (system or None), value


def external_id(
    identifiers: Sequence[Identifier] | None, expression: str, config: FhirConfig
) -> str | None:
    """The sender's id of a record: the identifier with our external-id system, else the
    only identifier sent. Several without ours are ambiguous: refused, not picked."""
    found = [i for i in identifiers or [] if i.value]
    ours = [i for i in found if i.system == config.identifier_system]
    chosen = ours or found
    if len(chosen) > 1:
        message = f"send one identifier, or mark the record's id with {config.identifier_system}"
        raise MappingError(expression, message, code="value")
    return chosen[0].value if chosen else None


def moment(value: object, expression: str) -> str:
    """A FHIR dateTime that is a full timestamp with an offset, as RFC 3339."""
    if not isinstance(value, datetime):
        message = "a date and time with an offset is required (YYYY-MM-DDThh:mm:ss+zz:zz)"
        raise MappingError(expression, message, code="value" if value is not None else "required")
    return value.isoformat()


def number(value: Decimal) -> int | float:
    """A FHIR decimal as the JSON number our bodies take (integers stay integers)."""
    return int(value) if value == value.to_integral_value() else float(value)


def ucum_quantity(found: Quantity | None, expression: str) -> tuple[int | float, str, str | None]:
    """(value, UCUM code, comparator) of a Quantity that has a value and a UCUM code."""
    if found is None or found.value is None:
        raise MappingError(f"{expression}.value", "a value is required", code="required")
    if found.system != UCUM or not found.code:
        message = f"the unit must be a UCUM code (system {UCUM})"
        raise MappingError(f"{expression}.code", message, code="code-invalid")
    return number(found.value), found.code, found.comparator
