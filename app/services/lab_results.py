import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from app import catalog, rules
from app.errors import Conflict, DomainError, Unprocessable
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
        known = ", ".join(catalog.lab_tests_by_loinc())
        raise Unprocessable(
            f"this LOINC code is not in the catalogue; accepted: {known}", loc=("body", "loinc")
        )
    if by_key is not None and by_loinc is not None and by_key is not by_loinc:
        raise Unprocessable("test and loinc name different tests", loc=("body", "loinc"))
    found = by_key or by_loinc
    assert found is not None  # the schema requires one of the two
    return found


def _canonical(
    test: catalog.LabTest, code: str, body: LabResultCreate
) -> tuple[float | None, str | None]:
    """The value in the test's canonical unit, converted exactly (`rules.to_canonical`: the
    decimal sent x the catalogue factor), stored as the double nearest to that decimal."""
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
    if test.is_titer(code):
        return _titer(code, body.value, body.unit)
    factor = test.factor(body.unit)
    if factor is None:
        raise Unprocessable(
            f"this unit is not accepted for {test.key}; accepted: {', '.join(test.units)}",
            loc=("body", "unit"),
            accepted_units=list(test.units),
        )
    return float(rules.to_canonical(body.value, factor)), test.canonical_unit


def _titer(code: str, value: float, unit: str) -> tuple[float, str]:
    """A titer (1:N sent as N) is never converted: it is read against its own range."""
    if unit != catalog.TITER_UNIT:
        raise Unprocessable(
            f"LOINC {code} is a titer: its unit is {catalog.TITER_UNIT}",
            loc=("body", "unit"),
            accepted_units=[catalog.TITER_UNIT],
        )
    return value, catalog.TITER_UNIT


def _columns(body: LabResultCreate) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columns a body sets: those as sent (what an identical re-send must match), and
    the canonical value and unit derived from them."""
    test = resolve_test(key=body.test, loinc=body.loinc)
    code = body.loinc or test.loinc  # an alias code is kept as sent
    canonical_value, canonical_unit = _canonical(test, code, body)
    rng = body.reference_range
    sent = {
        "test": test.key,
        "loinc": code,
        "value": body.value,
        "comparator": body.comparator,
        "unit": body.unit,
        "value_text": body.value_text,
        "reference_low": rng.low if rng else None,
        "reference_high": rng.high if rng else None,
        "collected_at": body.collected_at,
        "external_id": body.external_id,
    }
    return sent, {"canonical_value": canonical_value, "canonical_unit": canonical_unit}


async def create(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    body: LabResultCreate,
    *,
    record_id: uuid.UUID | None = None,
) -> Saved[LabResult]:
    await records.target(uow, PATIENT, patient_id, live=True, lock=True)
    uow.audit.about(LAB_RESULT.name)
    sent, derived = _columns(body)
    row = LabResult(id=record_id, patient_id=patient_id, **derived, **sent)
    return await records.create_natural(uow, row, sent)


async def create_many(
    uow: UnitOfWork, items: Sequence[tuple[uuid.UUID, LabResultCreate, uuid.UUID | None]]
) -> list[Saved[uuid.UUID] | DomainError]:
    """`create` for many results at once (an import batch's): (patient id, body, id to keep
    or None) each; per item, in order, what records.create_batch says or the body's problem
    (a test or unit not accepted), and nothing of a refused item is written."""
    refused: list[DomainError | None] = []
    rows: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for patient_id, body, record_id in items:
        try:
            sent, derived = _columns(body)
        except DomainError as exc:
            refused.append(exc)
            continue
        refused.append(None)
        rows.append(({"id": record_id, "patient_id": patient_id, **derived, **sent}, sent))
    stored = iter(await records.create_batch(uow, LAB_RESULT, rows))
    return [next(stored) if problem is None else problem for problem in refused]


async def correct(
    uow: UnitOfWork, patient_id: uuid.UUID, body: LabResultCreate
) -> Saved[LabResult]:
    """A corrected result (HL7 OBX-11 `C`, FHIR `corrected`): the new content of the record
    with the body's `external_id`, as a new version (its history keeps the earlier value);
    stored as new when no such record exists. `created`: this request wrote something (a new
    record or a new version); a re-sent correction writes nothing."""
    assert body.external_id is not None  # a correction names the record it corrects
    await records.target(uow, PATIENT, patient_id, live=True, lock=True)
    uow.audit.about(LAB_RESULT.name)
    existing = await repo.by_external_id(
        uow.session, uow.scope, LabResult, patient_id, body.external_id
    )
    if existing is None:
        return await create(uow, patient_id, body)
    uow.audit.touch(LAB_RESULT.name, existing.id, patient_id)
    if existing.entered_in_error:
        raise Conflict(
            "a record with this external_id was entered in error; send a new external_id",
            existing_id=str(existing.id),
        )
    sent, derived = _columns(body)
    wanted = {**sent, **derived}
    changes = {name: value for name, value in wanted.items() if getattr(existing, name) != value}
    if changes:
        await records.change(uow, existing, changes, if_match=None)
    return Saved(existing, created=bool(changes))


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
