import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement

from app import catalog
from app.errors import Unprocessable
from app.models import LabResult
from app.repositories import patient_records as repo
from app.schemas.common import PageRequest
from app.schemas.lab_result import LabResultCreate
from app.services import records
from app.services.records import Saved
from app.services.resources import LAB_RESULT, PATIENT
from app.services.uow import UnitOfWork


def resolve_test(
    *, key: str | None, loinc: str | None = None, where: str = "body"
) -> catalog.LabTest:
    """The catalogue test named by key or LOINC code (both must agree when both are sent)."""
    by_key = catalog.lab_tests().get(key) if key is not None else None
    by_loinc = catalog.lab_tests_by_loinc().get(loinc) if loinc is not None else None
    if key is not None and by_key is None:
        raise Unprocessable(
            f"this test is not in the catalogue; accepted: {', '.join(catalog.lab_tests())}",
            loc=(where, "test"),
        )
    if loinc is not None and by_loinc is None:
        known = ", ".join(t.loinc for t in catalog.lab_tests().values())
        raise Unprocessable(
            f"this LOINC code is not in the catalogue; accepted: {known}", loc=("body", "loinc")
        )
    if by_key is not None and by_loinc is not None and by_key is not by_loinc:
        raise Unprocessable("test and loinc name different tests", loc=("body", "loinc"))
    found = by_key or by_loinc
    assert found is not None  # the schema requires one of the two
    return found


def _canonical(test: catalog.LabTest, body: LabResultCreate) -> tuple[float | None, str | None]:
    if body.value_text is not None:
        if not test.qualitative:
            raise Unprocessable(
                f"{test.key} takes a numeric value with a unit, not value_text",
                loc=("body", "value_text"),
            )
        return None, None
    # The schema's shape rule guarantees both for a numeric result.
    assert body.value is not None
    assert body.unit is not None
    factor = test.factor(body.unit)
    if factor is None:
        raise Unprocessable(
            f"this unit is not accepted for {test.key}; accepted: {', '.join(test.units)}",
            loc=("body", "unit"),
            accepted_units=list(test.units),
        )
    return round(body.value * factor, 10), test.canonical_unit


async def create(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    body: LabResultCreate,
    *,
    record_id: uuid.UUID | None = None,
) -> Saved[LabResult]:
    await records.target(uow, PATIENT, patient_id, live=True)
    uow.audit.about(LAB_RESULT.name)
    test = resolve_test(key=body.test, loinc=body.loinc)
    canonical_value, canonical_unit = _canonical(test, body)
    rng = body.reference_range
    fields = {
        "test": test.key,
        "loinc": test.loinc,
        "value": body.value,
        "unit": body.unit,
        "value_text": body.value_text,
        "reference_low": rng.low if rng else None,
        "reference_high": rng.high if rng else None,
        "collected_at": body.collected_at,
        "external_id": body.external_id,
    }
    row = LabResult(
        id=record_id,
        patient_id=patient_id,
        canonical_value=canonical_value,
        canonical_unit=canonical_unit,
        **fields,
    )
    return await records.create_natural(uow, row, fields)


async def page(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    request: PageRequest,
    *,
    test: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[Sequence[LabResult], str | None]:
    """A patient's lab results, of one test (key) and collected in a time range if asked."""

    def where() -> list[ColumnElement[bool]]:
        key = resolve_test(key=test, where="query").key if test is not None else None
        return repo.lab_filters(key, start, end)

    return await records.page(uow, LAB_RESULT, patient_id, request, where)
