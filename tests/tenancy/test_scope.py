"""The organization filter below HTTP: every patient-scoped table gets it from its columns,
the lookups the other doors use (MRN, lock) go through it, and the jobs see everything."""

import uuid
from collections.abc import AsyncIterator

import pytest

from app.config import Settings
from app.db import Database
from app.errors import Conflict, NotFound
from app.models import Base
from app.repositories.scope import Scope
from app.security import Principal
from app.services import patients, tenancy
from app.services.uow import UnitOfWork, system_caller
from tests.support import factories as f
from tests.support.clients import unique_mrn
from tests.tenancy.conftest import Callers

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
    assert len(scoped) == len(Base.registry.mappers)  # today every table is about patients
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
