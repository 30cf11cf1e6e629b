"""A patient's timeline: regimens as spans, infusions with their checks, lab results,
assessments and flag transitions, in one ordered list, a page at a time.

Dates are clinical calendar dates (the clinical time zone); `first` and `last` bound the
period, both included. A regimen is in it when it was taken on one of its days. Flag
transitions are the status history's, replayed as of `last` (or today, if earlier).
A page is cut from the whole ordered list: a patient's course is at most a few thousand
items, and the flag transitions exist only once the rules have run over all of it."""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel

from app import rules
from app.errors import InvalidCursor
from app.models import Assessment, Infusion, LabResult
from app.repositories import clinical, patient_records
from app.schemas.common import PageRequest
from app.schemas.regimen import RegimenRead
from app.schemas.timeline import (
    AssessmentEvent,
    DoseStepRead,
    FlagChangeEvent,
    InfusionEvent,
    LabResultEvent,
    RegimenSpan,
)
from app.services import clinical_inputs, records, resources, summaries
from app.services.resources import ASSESSMENT, INFUSION, LAB_RESULT, PATIENT, REGIMEN
from app.services.uow import UnitOfWork

# Same day: spans first, then what was given, measured, seen, and what the rules concluded.
KIND_ORDER = ("regimen", "dose_change", "infusion", "lab_result", "assessment", "flag_change")
Key = tuple[str, int, str, str]


@dataclass(frozen=True)
class Period:
    first: date | None
    last: date | None

    def holds(self, day: date) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)

    def moments(self) -> tuple[datetime | None, datetime | None]:
        """UTC bounds wide enough for any clinical time zone (a day either side); each
        entry is then kept by its clinical date (`holds`)."""
        margin = timedelta(days=1)
        start = None if self.first is None else datetime.combine(self.first, time.min, UTC)
        end = None if self.last is None else datetime.combine(self.last, time.max, UTC)
        return (None if start is None else start - margin), (None if end is None else end + margin)


@dataclass(frozen=True)
class Entry:
    key: Key
    item: BaseModel


@dataclass(frozen=True)
class Course:
    """What the timeline and the chart show: the period's entries in order, and every flag
    change up to `as_of` (the chart shades remission runs that began before the period)."""

    entries: list[Entry]
    changes: list[rules.FlagChange]
    as_of: date
    patient: rules.Patient


def _key(day: date, kind: str, moment: datetime | None, tie: str) -> Key:
    return (day.isoformat(), KIND_ORDER.index(kind), moment.isoformat() if moment else "", tie)


async def page(
    uow: UnitOfWork, patient_id: uuid.UUID, period: Period, request: PageRequest
) -> tuple[list[BaseModel], str | None]:
    """One page of the patient's timeline within the period, oldest first."""
    entries = (await collect(uow, patient_id, period, "timeline")).entries
    if request.cursor is not None:
        after = decode_cursor(request.cursor)
        entries = [e for e in entries if e.key > after]
    shown = entries[: request.limit]
    more = len(entries) > request.limit
    return [e.item for e in shown], encode_cursor(shown[-1].key) if more else None


async def collect(
    uow: UnitOfWork, patient_id: uuid.UUID, period: Period, audited_as: str
) -> Course:
    """The patient's course in the period, audited as a read of `audited_as`."""
    patient = await records.target(uow, PATIENT, patient_id, live=True)
    uow.audit.about(audited_as)
    uow.audit.listed([(patient.id, patient.organization)])
    today = uow.settings.today()
    as_of = today if period.last is None else min(period.last, today)
    loaded = await clinical_inputs.load(
        await uow.connection(), uow.scope, patient, as_of, uow.settings.rules
    )
    changes = rules.status_history(loaded, as_of, uow.settings.rules)
    entries = [
        *await _regimens(uow, patient_id, period),
        *await _timed(uow, patient_id, period),
        *_flag_changes(changes, period),
    ]
    return Course(sorted(entries, key=lambda entry: entry.key), changes, as_of, loaded.patient)


async def _regimens(uow: UnitOfWork, patient_id: uuid.UUID, period: Period) -> list[Entry]:
    """Regimens taken in the period, as spans: the starting dose, then each dose change."""
    rows = await patient_records.regimens_overlapping(
        uow.session, uow.scope, patient_id, period.first, period.last
    )
    changes = await clinical.dose_changes(
        await uow.connection(), uow.scope, patient_id, {r.id for r in rows}
    )
    steps: dict[str, list[DoseStepRead]] = {}
    for change in sorted(changes, key=lambda c: (c.effective_date, c.id)):
        steps.setdefault(str(change.regimen_id), []).append(
            DoseStepRead(
                effective_date=change.effective_date,
                dose={"value": change.dose_value, "unit": change.dose_unit},
                interval_days=change.interval_days,
                dose_change_id=change.id,
            )
        )
    entries = []
    for record in await resources.present(uow, REGIMEN, rows):
        assert isinstance(record, RegimenRead)
        start_dose = DoseStepRead(
            effective_date=record.start_date,
            dose=record.dose,
            interval_days=record.interval_days,
            dose_change_id=None,
        )
        span = RegimenSpan(
            start=record.start_date,
            end=record.end_date,
            record_id=record.id,
            summary=summaries.regimen(record),
            doses=[start_dose, *steps.get(str(record.id), [])],
            record=record,
        )
        entries.append(Entry(_key(record.start_date, "regimen", None, str(record.id)), span))
    return entries


async def _timed(uow: UnitOfWork, patient_id: uuid.UUID, period: Period) -> list[Entry]:
    """Infusions, lab results and assessments whose clinical date is in the period."""
    zone = uow.settings.rules.clinical_timezone
    start, end = period.moments()
    entries = []
    for kind, model, sort, event, summary in (
        (INFUSION, Infusion, Infusion.administered_at, InfusionEvent, summaries.infusion),
        (LAB_RESULT, LabResult, LabResult.collected_at, LabResultEvent, summaries.lab_result),
        (ASSESSMENT, Assessment, Assessment.assessed_at, AssessmentEvent, summaries.assessment),
    ):
        rows = await patient_records.in_period(
            uow.session, uow.scope, model, patient_id, sort=sort, start=start, end=end
        )
        for read in await resources.present(uow, kind, rows):
            moment: datetime = getattr(read, sort.key)
            day = rules.clinical_date(moment, zone)
            if period.holds(day):
                record_id: uuid.UUID = read.id  # type: ignore[attr-defined]
                item = event(date=day, record_id=record_id, summary=summary(read), record=read)
                entries.append(Entry(_key(day, kind.name, moment, str(item.record_id)), item))
    return entries


def _flag_changes(changes: list[rules.FlagChange], period: Period) -> list[Entry]:
    entries = []
    for change in changes:
        if period.holds(change.effective_date):
            item = FlagChangeEvent(
                date=change.effective_date,
                summary=summaries.flag_change(change),
                flag=change.flag,
                from_status=change.from_status,
                to_status=change.to_status,
            )
            key = _key(change.effective_date, "flag_change", None, change.flag)
            entries.append(Entry(key, item))
    return entries


def encode_cursor(key: Key) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        day, rank, moment, tie = json.loads(base64.urlsafe_b64decode(padded.encode()))
        date.fromisoformat(day)
        if not (isinstance(rank, int) and isinstance(moment, str) and isinstance(tie, str)):
            raise TypeError("cursor parts of the wrong type")
        return (day, rank, moment, tie)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor("cursor is not one this service issued") from exc
