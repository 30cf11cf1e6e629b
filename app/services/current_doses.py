"""A regimen as the API shows it: the starting dose and the dose in force today."""

from collections.abc import Sequence
from datetime import date

from app import rules
from app.models import Regimen
from app.repositories import clinical
from app.schemas.regimen import RegimenRead, RegimenRecord
from app.services import clinical_inputs
from app.services.uow import UnitOfWork


async def present(uow: UnitOfWork, rows: Sequence[Regimen]) -> list[RegimenRead]:
    """The regimens with `current_dose` (today in the clinical time zone; null once ended
    or before the start); one query for the dose changes, whatever the count."""
    if not rows:
        return []
    changes = clinical_inputs.by_regimen(
        await clinical.dose_changes(
            await uow.connection(), uow.scope, rows[0].patient_id, {row.id for row in rows}
        )
    )
    today = uow.settings.today()
    return [_with_current_dose(row, changes, today) for row in rows]


def _with_current_dose(
    row: Regimen, changes: clinical_inputs.DoseChanges, today: date
) -> RegimenRead:
    dose = rules.current_dose(clinical_inputs.regimen(row, changes), today)
    current = (
        None
        if dose is None or row.entered_in_error
        else {"value": float(dose.value), "unit": dose.unit}
    )
    return RegimenRead(**RegimenRecord.model_validate(row).model_dump(), current_dose=current)
