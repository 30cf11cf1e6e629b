"""Creates by FHIR: conditional create (If-None-Exist) and transaction Bundles, parsed
and mapped entry by entry before anything is written (all or nothing)."""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from fhir.resources.R4B.bundle import Bundle

from app.fhir.config import FhirConfig
from app.fhir.errors import FhirError, InvalidRequest, MappingError
from app.fhir.inbound import infusion_from_fhir, patient_from_fhir
from app.fhir.inbound_lab import lab_result_from_fhir
from app.fhir.parsing import Inbound, identifier_query, validated

Mapper = Callable[[object, FhirConfig], Inbound]
CREATABLE: Mapping[str, Mapper] = {
    "Patient": patient_from_fhir,
    "Observation": lab_result_from_fhir,
    "MedicationAdministration": infusion_from_fhir,
}

Token = tuple[str | None, str]


def parse_if_none_exist(header: str, expression: str = "If-None-Exist") -> Token:
    """`identifier=system|value`: the only search a conditional create takes here, since it
    maps onto the unique `external_id` (a Patient's: the MRN). Anything else is a 400."""
    try:
        return identifier_query(header, expression)
    except MappingError as error:
        raise InvalidRequest(expression, str(error), code=error.issues[0].code) from None


def apply_if_none_exist(inbound: Inbound, token: Token, config: FhirConfig) -> Inbound:
    """The body with the conditional identifier: a Patient's must be its MRN; another
    resource's becomes its `external_id`, or must equal the identifier it carries."""
    system, value = token
    body = dict(inbound.body)
    where = f"{inbound.resource_type}.identifier"
    if inbound.resource_type == "Patient":
        if system not in (None, config.mrn_system) or body["mrn"] != value:
            message = "If-None-Exist must name the patient's MRN identifier"
            raise MappingError(where, message, code="value")
    elif body.setdefault("external_id", value) != value:
        message = "If-None-Exist names another identifier than the resource's"
        raise MappingError(where, message, code="value")
    return dataclasses.replace(inbound, body=body)


@dataclass(frozen=True, slots=True)
class TransactionEntry:
    """One create of a transaction: its position, its `fullUrl` (what other entries'
    `urn:uuid:` references resolve to), the mapped body, and its If-None-Exist."""

    index: int
    full_url: str | None
    inbound: Inbound
    if_none_exist: Token | None


def parse_transaction(data: object, config: FhirConfig) -> list[TransactionEntry]:
    """Every entry of a `transaction` Bundle of POSTs (Patient only as a conditional create,
    by MRN), mapped; the first problem refuses the whole Bundle, naming `Bundle.entry[i]`."""
    bundle = validated(Bundle, data)
    if bundle.type != "transaction":
        message = "only transaction Bundles are processed"
        raise InvalidRequest("Bundle.type", message, code="not-supported")
    raw: Sequence[Mapping[str, Any]] = cast(Mapping[str, Any], data).get("entry") or []
    entries = [_entry(index, raw[index], config) for index in range(len(raw))]
    _check_placeholders(entries)
    return entries


def _entry(index: int, raw: Mapping[str, Any], config: FhirConfig) -> TransactionEntry:
    where = f"Bundle.entry[{index}]"
    request, resource = raw.get("request"), raw.get("resource")
    if request is None or resource is None:
        raise InvalidRequest(where, "each entry needs a resource and a request", code="required")
    kind = resource.get("resourceType")
    if request.get("method") != "POST" or kind not in CREATABLE or request.get("url") != kind:
        message = "entries are POSTs of Patient, Observation or MedicationAdministration"
        raise InvalidRequest(f"{where}.request", message, code="not-supported")
    condition = request.get("ifNoneExist")
    if kind == "Patient" and condition is None:
        message = "a Patient is created only conditionally (ifNoneExist: identifier=mrn)"
        raise InvalidRequest(f"{where}.request.ifNoneExist", message, code="required")
    try:
        inbound = CREATABLE[kind](resource, config)
        token = parse_if_none_exist(condition, "ifNoneExist") if condition else None
        if token is not None:
            inbound = apply_if_none_exist(inbound, token, config)
    except FhirError as error:
        raise error.relocated(kind, f"{where}.resource").relocated(
            "ifNoneExist", f"{where}.request.ifNoneExist"
        ) from None
    return TransactionEntry(index, raw.get("fullUrl"), inbound, token)


def _check_placeholders(entries: Sequence[TransactionEntry]) -> None:
    """Each `urn:uuid:` reference names an entry of the type it expects; fullUrls unique."""
    by_url: dict[str, str] = {}
    for entry in entries:
        if entry.full_url is not None:
            if entry.full_url in by_url:
                where = f"Bundle.entry[{entry.index}].fullUrl"
                raise InvalidRequest(where, "fullUrl is used by two entries", code="value")
            by_url[entry.full_url] = entry.inbound.resource_type
    for entry in entries:
        for element, ref in entry.inbound.refs():
            if ref.placeholder is not None and by_url.get(ref.placeholder) != ref.resource_type:
                where = f"Bundle.entry[{entry.index}].resource.{element}"
                message = f"references no {ref.resource_type} entry of this Bundle"
                raise InvalidRequest(where, message, code="not-found")


def creation_order(entries: Sequence[TransactionEntry]) -> list[TransactionEntry]:
    """Patients first (others may reference them by urn:uuid), then the rest in order.
    The response lists results in the entries' own order (TransactionEntry.index)."""
    return sorted(entries, key=lambda e: (e.inbound.resource_type != "Patient", e.index))
