"""The record types the service keeps, in one registry: what each is called (audit, history,
operation ids), where it lives (/v1/{collection}/{id}), the table, how a patient's records
of that type are ordered, and how one is shown and kept in its history."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from app.models import Assessment, DoseChange, Infusion, LabResult, Patient, Regimen
from app.models.base import Record
from app.schemas.assessment import AssessmentRead
from app.schemas.common import RecordReceipt
from app.schemas.dose_change import DoseChangeRead
from app.schemas.infusion import InfusionRead, InfusionReceipt, InfusionRecord
from app.schemas.lab_result import LabResultRead
from app.schemas.patient import PatientRead
from app.schemas.regimen import RegimenRead, RegimenRecord
from app.services import current_doses, infusion_checks
from app.services.uow import UnitOfWork

M = TypeVar("M", bound=Record)
Presenter = Callable[[UnitOfWork, Sequence[Any]], Awaitable[Sequence[BaseModel]]]


@dataclass(frozen=True, slots=True, eq=False)
class Resource(Generic[M]):
    name: str  # resource_type in audit events and history rows
    collection: str
    model: type[M]
    read: type[BaseModel]
    sort_key: Any  # the column a listing is ordered by, oldest first (the id breaks ties)
    stored: type[BaseModel] | None = None  # what a history row keeps (default: read)
    unique: tuple[str, ...] = ()  # fields a new record can collide on (unique constraints)
    presenter: Presenter | None = None  # adds derived fields (default: read as stored)
    receipt: type[BaseModel] = RecordReceipt  # a write's answer to a caller who may not read
    # Labs and visits: the attribute of the instant from which a change of the record can move
    # the flags (remission only, from that clinical date on: stored_flags resumes its
    # stored history there). None: a change may move any flag on any date.
    moves_flags_from: str | None = None

    @property
    def snapshot(self) -> type[BaseModel]:
        return self.stored or self.read


PATIENT = Resource("patient", "patients", Patient, PatientRead, Patient.created_at, unique=("mrn",))
REGIMEN = Resource(
    "regimen",
    "regimens",
    Regimen,
    RegimenRead,
    Regimen.start_date,
    stored=RegimenRecord,
    presenter=current_doses.present,
    unique=("external_id",),
)
INFUSION = Resource(
    "infusion",
    "infusions",
    Infusion,
    InfusionRead,
    Infusion.administered_at,
    stored=InfusionRecord,
    unique=("external_id",),
    presenter=infusion_checks.present,
    receipt=InfusionReceipt,
)
LAB_RESULT = Resource(
    "lab_result",
    "lab-results",
    LabResult,
    LabResultRead,
    LabResult.collected_at,
    unique=("external_id",),
    moves_flags_from="collected_at",
)
ASSESSMENT = Resource(
    "assessment",
    "assessments",
    Assessment,
    AssessmentRead,
    Assessment.assessed_at,
    unique=("external_id",),
    moves_flags_from="assessed_at",
)
DOSE_CHANGE = Resource(
    "dose_change",
    "dose-changes",
    DoseChange,
    DoseChangeRead,
    DoseChange.effective_date,
    # One live change per regimen and date (a partial unique index): inserted at once.
    unique=("effective_date",),
)
_BY_MODEL: dict[type[Record], Resource[Any]] = {
    kind.model: kind for kind in (PATIENT, REGIMEN, INFUSION, LAB_RESULT, ASSESSMENT, DOSE_CHANGE)
}


def of(model: type[M]) -> Resource[M]:
    kind: Resource[M] = _BY_MODEL[model]
    return kind


async def present(uow: UnitOfWork, kind: Resource[Any], rows: Sequence[Any]) -> list[BaseModel]:
    """The rows as the API shows them."""
    if kind.presenter is not None:
        return list(await kind.presenter(uow, rows))
    return [kind.read.model_validate(row) for row in rows]
