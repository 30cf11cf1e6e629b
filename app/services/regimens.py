import uuid
from datetime import date

from app import catalog
from app.errors import Conflict, Unprocessable
from app.models import Regimen
from app.repositories import patient_records as repo
from app.schemas.regimen import RegimenCreate, RegimenFields, RegimenRecord, RegimenUpdate
from app.services import records
from app.services.records import Saved
from app.services.resources import PATIENT, REGIMEN
from app.services.uow import UnitOfWork
from app.services.validation import merged


def check_drug(drug_code: str, route: str) -> catalog.Drug:
    drug = catalog.drugs().get(drug_code)
    if drug is None:
        raise Unprocessable(
            f"drug {drug_code!r} is not in the catalogue (GET /v1/catalog/drugs)",
            loc=("body", "drug"),
        )
    if route not in drug.routes:
        raise Unprocessable(
            f"{drug_code} is not given by route {route!r}; accepted: {', '.join(drug.routes)}",
            loc=("body", "route"),
        )
    return drug


async def create(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    body: RegimenCreate,
    *,
    record_id: uuid.UUID | None = None,
) -> Saved[Regimen]:
    await records.target(uow, PATIENT, patient_id, live=True)
    uow.audit.about(REGIMEN.name)
    check_drug(body.drug, body.route)
    fields = {
        "drug": body.drug,
        "dose_value": body.dose.value,
        "dose_unit": body.dose.unit,
        "route": body.route,
        "interval_days": body.interval_days,
        "start_date": body.start_date,
        "end_date": body.end_date,
        "discontinuation_reason": body.discontinuation_reason,
        "external_id": body.external_id,
    }
    return await records.create_natural(
        uow, Regimen(id=record_id, patient_id=patient_id, **fields), fields
    )


async def update(
    uow: UnitOfWork, regimen_id: uuid.UUID, body: RegimenUpdate, *, if_match: int | None
) -> Regimen:
    row = await records.target(uow, REGIMEN, regimen_id, live=True, lock=True)
    checked = merged(RegimenFields, RegimenRecord.model_validate(row), body)
    await _keep_infusions_inside(uow, row, checked.start_date, checked.end_date)
    dose = (checked.dose.value, checked.dose.unit, checked.interval_days)
    if dose != (row.dose_value, row.dose_unit, row.interval_days):
        await _keep_starting_dose(uow, row)
    changes = {
        "dose_value": checked.dose.value,
        "dose_unit": checked.dose.unit,
        "interval_days": checked.interval_days,
        "start_date": checked.start_date,
        "end_date": checked.end_date,
        "discontinuation_reason": checked.discontinuation_reason,
    }
    return await records.change(uow, row, changes, if_match=if_match)


async def _keep_infusions_inside(
    uow: UnitOfWork, row: Regimen, start: date, end: date | None
) -> None:
    first, last = await repo.infusion_window(uow.session, uow.scope, row.id)
    zone = uow.settings.zone
    if first is not None and first.astimezone(zone).date() < start:
        raise Unprocessable(
            "start_date would leave recorded infusions before the regimen",
            loc=("body", "start_date"),
        )
    if last is not None and end is not None and last.astimezone(zone).date() > end:
        raise Unprocessable(
            "end_date would leave recorded infusions after the regimen", loc=("body", "end_date")
        )


async def _keep_starting_dose(uow: UnitOfWork, row: Regimen) -> None:
    """Editing the starting dose would rewrite the past (earlier infusions' checks, a taper's
    history): once the regimen has consequences, doses change by dated dose changes."""
    started = row.start_date < uow.settings.today()
    if started or await repo.has_dose_consequences(uow.session, uow.scope, row.id):
        raise Conflict(
            "the starting dose and interval of a regimen that has started, or has infusions "
            "or dose changes, are fixed: record a dose change (POST "
            "/v1/regimens/{id}/dose-changes; one effective on the start date corrects the "
            "starting dose), or enter the regimen in error and record it again"
        )
