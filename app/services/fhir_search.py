"""FHIR searches: the listed parameters parsed by app.fhir.search, turned into the /v1
listings' queries (same services, scope and audit), one cursor page at a time. Records
entered in error are left out, as from every listing."""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from app.errors import NotFound
from app.fhir.bundles import searchset
from app.fhir.datatypes import Resource
from app.fhir.flags import flag_resources
from app.fhir.ids import record_id
from app.fhir.medication import medication_administration, medication_request
from app.fhir.patient import patient_resource
from app.fhir.search import check_format, parse_token, self_link, understood
from app.services import patients, records
from app.services.fhir_observations import observations
from app.services.fhir_query import CURSOR, Found, Params, Query, listed, page_of
from app.services.fhir_reads import fhir_config, shown, status_json
from app.services.resources import INFUSION, PATIENT, REGIMEN
from app.services.uow import UnitOfWork


async def search(
    uow: UnitOfWork, resource_type: str, params: Params, *, server: str, strict: bool
) -> Resource:
    """A searchset page of `resource_type` for the query `params` (link self, next)."""
    handler, known = SEARCHES[resource_type]
    kept = understood(params, {*known, CURSOR}, strict=strict)
    query = Query(kept, page_of(kept), fhir_config(uow.settings))
    check_format(query.first("_format"))
    found, after = await handler(uow, query)
    rest = [(n, v) for n, v in kept if n != CURSOR]
    next_url = self_link(server, resource_type, [*rest, (CURSOR, after)]) if after else None
    return searchset(
        found, server=server, self_url=self_link(server, resource_type, kept), next_url=next_url
    )


async def _patients(uow: UnitOfWork, query: Query) -> Found:
    config = query.config
    wanted_id = query.first("_id")
    if wanted_id is not None:
        found = record_id(wanted_id)
        try:
            row = await records.target(uow, PATIENT, uuid.UUID(found or str(uuid.UUID(int=0))))
        except NotFound:
            return [], None
        shown_rows = [] if row.entered_in_error else await shown(uow, PATIENT, [row])
        return [patient_resource(p, config) for p in shown_rows], None
    mrn = None
    identifier = query.first("identifier")
    if identifier is not None:
        token = parse_token("identifier", identifier)
        if token.no_system or token.system not in (None, config.mrn_system):
            return [], None  # no patient has an identifier of another system here
        mrn = token.code
    rows, after = await patients.page(uow, query.page, mrn=mrn)
    return [patient_resource(p, config) for p in await shown(uow, PATIENT, rows)], after


async def _regimens(uow: UnitOfWork, query: Query) -> Found:
    wanted = set(query.values("status"))
    rows, after = await listed(uow, REGIMEN, query)
    today = uow.settings.today()
    found = [
        medication_request(r, query.config, today=today) for r in await shown(uow, REGIMEN, rows)
    ]
    return [r for r in found if not wanted or r["status"] in wanted], after


async def _administrations(uow: UnitOfWork, query: Query) -> Found:
    rows, after = await listed(uow, INFUSION, query)
    regimens: dict[str, dict[str, Any]] = {}
    for regimen_id in {row.regimen_id for row in rows}:
        regimen = await records.get(uow, REGIMEN, regimen_id)
        regimens[str(regimen_id)] = (await shown(uow, REGIMEN, [regimen]))[0]
    return [
        medication_administration(i, regimens[str(i["regimen_id"])], query.config)
        for i in await shown(uow, INFUSION, rows)
    ], after


async def _flags(uow: UnitOfWork, query: Query) -> Found:
    patient_id = query.patient()
    try:
        current, history = await status_json(uow, patient_id)
    except NotFound:
        return [], None
    return flag_resources(current, query.config, history=history), None


Search = Callable[[UnitOfWork, Query], Awaitable[Found]]
# Each search type: how it runs, and the parameters it understands besides _count, _format.
SEARCHES: Mapping[str, tuple[Search, frozenset[str]]] = {
    "Patient": (_patients, frozenset({"identifier", "_id"})),
    "Observation": (observations, frozenset({"patient", "code", "date", "category"})),
    "MedicationRequest": (_regimens, frozenset({"patient", "status"})),
    "MedicationAdministration": (_administrations, frozenset({"patient"})),
    "Flag": (_flags, frozenset({"patient"})),
}
