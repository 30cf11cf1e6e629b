"""The case-series report: one drug's outcomes over the patients the caller sees, read in one
pass (four statements for the whole cohort) and run through the same converters and rules
as a single patient's status."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Row

from app import catalog, rules
from app.errors import Unprocessable
from app.metrics import RULES
from app.repositories import cohort_records
from app.rules import case_series
from app.services import clinical_inputs
from app.services.uow import UnitOfWork


def _grouped(rows: Iterable[Row[Any]]) -> dict[str, list[Row[Any]]]:
    by_patient: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        by_patient[row[0]].append(row)
    return by_patient


def _records(
    person: Row[Any],
    regimens: Sequence[Row[Any]],
    labs: Sequence[Row[Any]],
    visits: Sequence[Row[Any]],
) -> rules.PatientRecords:
    # Each row starts with its patient's key; the converters read the columns after it.
    return rules.PatientRecords(
        patient=rules.Patient(sex=person.sex, birth_date=person.birth_date),
        regimens=tuple(clinical_inputs.regimen(r) for r in regimens),
        lab_results=tuple(clinical_inputs.lab_result(r[1:], seq) for seq, r in enumerate(labs)),
        assessments=tuple(clinical_inputs.assessment(r[1:], seq) for seq, r in enumerate(visits)),
    )


async def report(uow: UnitOfWork, drug: str, as_of: date | None) -> case_series.CaseSeries:
    """The case series of `drug` as of a date (default today) over the caller's patients."""
    uow.audit.about("case_series")
    if drug not in catalog.drugs():
        raise Unprocessable("not a catalogue drug code", loc=("query", "drug"))
    day = as_of or uow.settings.today()
    session = uow.session
    cohort = cohort_records.takers(uow.scope, drug, day)
    until = datetime.combine(day, time.max, UTC) + clinical_inputs.MARGIN
    people = await cohort_records.patients(session, cohort)
    regimens = _grouped(await cohort_records.regimens(session, cohort))
    tests = clinical_inputs.HISTORY_TESTS
    labs = _grouped(await cohort_records.lab_results(session, cohort, tests, until))
    visits = _grouped(await cohort_records.assessments(session, cohort, until))
    uow.audit.listed((uuid.UUID(p.id), p.organization) for p in people)
    with RULES.labels("case_series").time():
        outcomes = [
            case_series.outcome(
                p.id,
                _records(p, regimens[p.id], labs[p.id], visits[p.id]),
                drug,
                day,
                uow.settings.rules,
            )
            for p in people
        ]
    return case_series.summarize(drug, day, (o for o in outcomes if o is not None))
