"""The case-series report: one drug's outcomes over the patients the caller sees.

Read in one pass (four statements for the whole cohort): the patients, their regimens, the
regimens' dose changes, and their stored remission flags, whose history holds every change
of remission up to the day they were stored (at each write and by the daily job). A patient
whose stored history is missing, from other rules or rule settings (its digest), or older
than the report's `as_of` is evaluated from its records instead, through the same loader as
the status, so the answer never depends on how fresh the stored flags are."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row

from app import catalog, rules
from app.errors import Unprocessable
from app.metrics import RULES
from app.models import Patient
from app.repositories import base, cohort_records
from app.rules import case_series
from app.services import clinical_inputs, stored_flags
from app.services.uow import UnitOfWork


def _grouped(rows: Iterable[Row[Any]]) -> dict[str, list[Row[Any]]]:
    by_patient: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        by_patient[row[0]].append(row)
    return by_patient


def _stored(
    row: Row[Any] | None, as_of: date, settings: rules.RuleSettings
) -> list[rules.FlagChange] | None:
    """The stored remission history, if these rules and settings stored it (the digest
    hashes both) and it tells the status on every day up to `as_of`."""
    if row is None or row.history is None or row.rules_digest != settings.digest:
        return None
    if row.as_of < as_of:
        return None
    return stored_flags.history_changes(row.history)


async def _replayed(uow: UnitOfWork, patient_key: str, as_of: date) -> list[rules.FlagChange]:
    patient = await base.get(uow.session, uow.scope, Patient, uuid.UUID(patient_key))
    assert patient is not None  # in the cohort read in this transaction
    loaded = await clinical_inputs.load(
        await uow.connection(), uow.scope, patient, as_of, uow.settings.rules
    )
    return rules.flag_changes("remission", loaded, as_of, uow.settings.rules)


async def report(uow: UnitOfWork, drug: str, as_of: date | None) -> case_series.CaseSeries:
    """The case series of `drug` as of a date (default today) over the caller's patients."""
    uow.audit.about("case_series")
    if drug not in catalog.drugs():
        raise Unprocessable("not a catalogue drug code", loc=("query", "drug"))
    day = as_of or uow.settings.today()
    session = uow.session
    cohort = cohort_records.takers(uow.scope, drug, day)
    people = await cohort_records.patients(session, cohort)
    regimens = _grouped(await cohort_records.regimens(session, cohort))
    doses = clinical_inputs.by_regimen(await cohort_records.dose_changes(session, cohort))
    stored = {
        row.patient_key: row for row in await cohort_records.stored_remission(session, cohort)
    }
    uow.audit.listed((uuid.UUID(p.id), p.organization) for p in people)
    histories = {}
    for person in people:
        changes = _stored(stored.get(person.id), day, uow.settings.rules)
        histories[person.id] = (
            changes if changes is not None else await _replayed(uow, person.id, day)
        )
    with RULES.labels("case_series").time():
        outcomes = [
            case_series.outcome(
                p.id,
                _regimens(regimens[p.id], doses),
                histories[p.id],
                drug,
                day,
                uow.settings.rules,
            )
            for p in people
        ]
    return case_series.summarize(drug, day, (o for o in outcomes if o is not None))


def _regimens(rows: Sequence[Row[Any]], doses: clinical_inputs.DoseChanges) -> list[rules.Regimen]:
    return [clinical_inputs.regimen(row, doses) for row in rows]
