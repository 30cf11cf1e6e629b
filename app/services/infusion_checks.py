"""dose_check and interval_check for infusions being returned (clinical-rules.md)."""

import uuid
from collections import defaultdict
from collections.abc import Sequence

from app import rules
from app.models import Infusion
from app.repositories import clinical
from app.schemas.infusion import InfusionRead, InfusionRecord
from app.services import clinical_inputs
from app.services.uow import UnitOfWork


async def present(uow: UnitOfWork, rows: Sequence[Infusion]) -> list[InfusionRead]:
    """The infusions with their checks; one query per input kind, whatever the count."""
    if not rows:
        return []
    patient_id: uuid.UUID = rows[0].patient_id
    connection, scope, settings = await uow.connection(), uow.scope, uow.settings.rules
    regimen_ids = {row.regimen_id for row in rows}
    changes = clinical_inputs.by_regimen(
        await clinical.dose_changes(connection, scope, patient_id, regimen_ids)
    )
    regimens = {
        r.id: clinical_inputs.regimen(r, changes)
        for r in await clinical.regimen_rows(connection, scope, regimen_ids)
    }
    by_regimen: dict[str, list[rules.Infusion]] = defaultdict(list)
    for r in await clinical.infusions(connection, scope, patient_id):
        by_regimen[str(r.regimen_id)].append(clinical_inputs.infusion(r))
    body_sizes = clinical_inputs.assessments(
        await clinical.assessments(connection, scope, patient_id, with_body_size_only=True)
    )
    return [
        _with_checks(row, regimens[str(row.regimen_id)], by_regimen, body_sizes, settings)
        for row in rows
    ]


def _with_checks(
    row: Infusion,
    regimen: rules.Regimen,
    by_regimen: dict[str, list[rules.Infusion]],
    body_sizes: tuple[rules.Assessment, ...],
    settings: rules.RuleSettings,
) -> InfusionRead:
    record = InfusionRecord.model_validate(row)
    given = clinical_inputs.infusion(row)
    # Both checks read the dose and interval in force on the infusion's day.
    dose = rules.check_dose(regimen, given, body_sizes, settings)
    interval = rules.check_interval(given, by_regimen.get(regimen.id, ()), regimen, settings)
    return InfusionRead(
        **record.model_dump(),
        dose_check={
            "status": dose.status,
            "expected_mg": dose.expected_mg,
            "deviation_pct": dose.deviation_pct,
        },
        interval_check={
            "status": interval.status,
            "days_since_previous": interval.days_since_previous,
        },
    )
