"""`python -m app demo`: load the demo patients through the services, one unit of work per
patient, into the default organization. Idempotent (a demo patient already there is left
as it is); refuses a database holding any other patient unless forced."""

from dataclasses import dataclass

from app.config import Settings
from app.db import Database
from app.errors import Conflict
from app.repositories import patients as patient_rows
from app.schemas.assessment import AssessmentCreate
from app.schemas.infusion import InfusionCreate
from app.schemas.lab_result import LabResultCreate
from app.schemas.patient import PatientCreate
from app.schemas.regimen import RegimenCreate
from app.services import assessments, infusions, lab_results, patients, regimens
from app.services.demo_patients import PREFIX, DemoPatient, demo_patients
from app.services.uow import UnitOfWork, system_caller

CALLER = system_caller("demo")


@dataclass(frozen=True)
class Loaded:
    created: list[str]
    present: list[str]


async def load(database: Database, settings: Settings, *, force: bool = False) -> Loaded:
    organization = settings.default_organization
    async with UnitOfWork(database, CALLER, settings) as uow:
        total, demo = await patient_rows.mrns_like(uow.session, PREFIX)
    if total > len(demo) and not force:
        raise Conflict(
            f"the database holds {total - len(demo)} patient(s) besides the demo's; "
            "use --force to add the demo patients anyway"
        )
    made = Loaded([], [])
    for patient in demo_patients(settings.today()):
        mrn = patient.patient["mrn"]
        if (organization, mrn) in demo:
            made.present.append(mrn)
            continue
        async with UnitOfWork(database, CALLER, settings, write=True) as uow:
            await _one(uow, patient, organization)
            await uow.commit()  # the stored flags are computed here, once per patient
        made.created.append(mrn)
    return made


async def _one(uow: UnitOfWork, made: DemoPatient, organization: str) -> None:
    body = PatientCreate.model_validate({**made.patient, "organization": organization})
    patient_id = (await patients.create(uow, body)).row.id
    regimen_ids = [
        (await regimens.create(uow, patient_id, RegimenCreate.model_validate(r))).row.id
        for r in made.regimens
    ]
    for index, given in made.infusions:
        await infusions.create(uow, regimen_ids[index], InfusionCreate.model_validate(given))
    for lab in made.labs:
        await lab_results.create(uow, patient_id, LabResultCreate.model_validate(lab))
    for visit in made.assessments:
        await assessments.create(uow, patient_id, AssessmentCreate.model_validate(visit))
