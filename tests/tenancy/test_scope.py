"""The organization filter below HTTP: every patient-scoped table gets it from its columns,
the lookups the other doors use (MRN, lock) go through it, and the jobs see everything."""

import uuid
from collections.abc import AsyncIterator

import pytest

from app.config import Settings
from app.db import Database
from app.errors import Conflict, NotFound
from app.models import Base, LabResult, Regimen
from app.repositories import audit_events, base, clinical, flags, patient_records, versions
from app.repositories import patients as patients_repo
from app.repositories.scope import Scope
from app.schemas.common import PageRequest
from app.security import Principal
from app.services import patients, tenancy
from app.services.uow import UnitOfWork, system_caller
from tests.support import factories as f
from tests.support.clients import unique_mrn
from tests.tenancy.conftest import Callers, Seeded

pytestmark = pytest.mark.anyio


def _caller(*orgs: str) -> Principal:
    return Principal(sub="service-test", scopes=frozenset({"admin"}), organizations=frozenset(orgs))


@pytest.fixture
async def database(tenant_settings: Settings) -> AsyncIterator[Database]:
    opened = Database.open(tenant_settings)
    yield opened
    await opened.dispose()


def test_every_table_about_patients_is_filtered_by_construction() -> None:
    scoped = [
        mapper.class_
        for mapper in Base.registry.mappers
        if hasattr(mapper.class_, "patient_id") or hasattr(mapper.class_, "organization")
    ]
    others = {m.class_.__tablename__ for m in Base.registry.mappers if m.class_ not in scoped}
    # Webhooks: a subscription names organizations itself, and an attempt is its delivery's
    # (which carries the patient); both are reached only through a subscription (admin).
    # A FHIR $export job keeps its asker's organizations and is read only by its asker; its
    # files are made by reading the records under that asker's scope.
    assert others == {"subscription", "delivery_attempt", "export_job", "export_chunk"}
    for model in scoped:
        assert len(Scope.within(frozenset({"A"})).where(model)) == 1, model
        assert Scope.everything().where(model) == ()

    class Unrelated:
        pass

    for scope in (Scope.everything(), Scope.within(frozenset({"A"}))):
        with pytest.raises(TypeError, match="not patient-scoped"):
            scope.where(Unrelated)


async def test_an_mrn_lookup_searches_the_callers_organizations(
    callers: Callers, database: Database, tenant_settings: Settings
) -> None:
    mrn = unique_mrn()
    in_a = await f.patient(callers.a, mrn=mrn)
    await f.patient(callers.b, mrn=mrn)
    async with UnitOfWork(database, _caller("A"), tenant_settings) as uow:
        assert str((await patients.by_mrn(uow, mrn)).id) == in_a["id"]
    async with UnitOfWork(database, _caller("*"), tenant_settings) as uow:
        with pytest.raises(Conflict):  # one mrn, two organizations: which patient is meant?
            await patients.by_mrn(uow, mrn)
    async with UnitOfWork(database, _caller("C"), tenant_settings) as uow:
        with pytest.raises(NotFound):
            await patients.by_mrn(uow, mrn)


async def test_a_writer_cannot_lock_another_organizations_patient(
    callers: Callers, database: Database, tenant_settings: Settings
) -> None:
    in_b = await f.patient(callers.b)
    async with UnitOfWork(database, _caller("A"), tenant_settings, write=True) as uow:
        with pytest.raises(NotFound):
            await uow.lock_patient(uuid.UUID(in_b["id"]))


def test_the_services_own_jobs_see_every_organization(tenant_settings: Settings) -> None:
    assert tenancy.scope_of(system_caller("reevaluate"), tenant_settings).unrestricted
    unnamed = Principal(sub="no-orgs-claim", scopes=frozenset({"admin"}))
    assert tenancy.scope_of(unnamed, tenant_settings) == Scope.within(frozenset())  # sees none


async def test_each_repository_read_filters_by_itself(
    callers: Callers, seeded: Seeded, database: Database, tenant_settings: Settings
) -> None:
    """Not only the first look-up of a request: every patient-scoped read, called directly
    with the scope of an organization that has no patients, finds nothing."""
    pid, rid = uuid.UUID(seeded.a["patients"]), uuid.UUID(seeded.a["regimens"])
    lab = uuid.UUID(seeded.a["lab-results"])
    page = PageRequest(cursor=None, limit=50)

    async def reads(scope: Scope) -> list[object]:
        async with UnitOfWork(database, _caller("*"), tenant_settings) as uow:
            s, c = uow.session, await uow.connection()
            return [
                await base.get(s, scope, LabResult, lab),
                (await patients_repo.page(s, scope, page))[0],
                (
                    await patient_records.page_for_patient(
                        c, scope, Regimen, pid, page, sort=Regimen.id
                    )
                )[0],
                await patient_records.by_external_id(s, scope, LabResult, pid, "LAB-778812"),
                (await versions.page_for_record(s, scope, "regimen", rid, cursor=None, limit=9))[0],
                await clinical.regimens(c, scope, pid),
                await clinical.lab_results(c, scope, pid, tests=("crp",)),
                await clinical.assessments(c, scope, pid),
                await clinical.infusions(c, scope, pid),
                await clinical.regimen_rows(c, scope, {rid}),
                await flags.patient_ids_after(s, scope, None, 500),
                await flags.count_live_patients(s, scope),
                await flags.counts(s, scope),
                await patients_repo.by_mrn(s, scope, "TO-0001"),
                (await audit_events.page(s, scope, [], None, 50))[0],
            ]

    in_a = await reads(Scope.within(frozenset({"A"})))
    assert all(found for found in in_a), in_a
    assert not any(await reads(Scope.within(frozenset({"C"}))))
