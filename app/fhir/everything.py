"""Patient/{id}/$everything: every resource of one patient, in a stable order, paged."""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from app.fhir.assessment import assessment_observations
from app.fhir.bundles import searchset
from app.fhir.config import FhirConfig
from app.fhir.datatypes import Record, Resource, in_error
from app.fhir.flags import detected_issues, flag_resources
from app.fhir.labs import lab_observation
from app.fhir.medication import medication_administration, medication_request
from app.fhir.patient import condition_resources, patient_resource


@dataclass(frozen=True)
class PatientRecords:
    """One patient's records as our read JSON. `regimens` must include the regimen of
    every infusion given; `corrected_lab_ids` are labs whose current version corrects an
    earlier one (status `corrected`)."""

    patient: Record
    regimens: Sequence[Record] = ()
    infusions: Sequence[Record] = ()
    lab_results: Sequence[Record] = ()
    assessments: Sequence[Record] = ()
    status: Record | None = None
    status_history: Sequence[Record] = ()
    corrected_lab_ids: frozenset[str] = field(default_factory=frozenset)


def everything(records: PatientRecords, config: FhirConfig, *, today: date) -> Iterator[Resource]:
    """Patient, Conditions, MedicationRequests, MedicationAdministrations, lab and
    assessment Observations, Flags and DetectedIssues. Records entered in error are left
    out, as from any search."""
    yield patient_resource(records.patient, config)
    yield from condition_resources(records.patient, config)
    regimens = {str(r["id"]): r for r in records.regimens}
    for regimen in _live(records.regimens):
        yield medication_request(regimen, config, today=today)
    for infusion in _live(records.infusions):
        yield medication_administration(infusion, regimens[str(infusion["regimen_id"])], config)
    for lab in _live(records.lab_results):
        yield lab_observation(lab, config, corrected=str(lab["id"]) in records.corrected_lab_ids)
    for assessment in _live(records.assessments):
        yield from assessment_observations(assessment, config)
    if records.status is not None:
        yield from flag_resources(records.status, config, history=records.status_history)
        yield from detected_issues(records.status, config)


def _live(records: Sequence[Record]) -> Iterator[Record]:
    return (r for r in records if not in_error(r))


def everything_page(
    records: PatientRecords,
    config: FhirConfig,
    *,
    today: date,
    server: str,
    offset: int,
    count: int,
    page_url: Callable[[int], str],
) -> Resource:
    """One searchset page of $everything: `count` resources from `offset`, `total`, and
    links made by `page_url(offset)` (self, and next while resources remain)."""
    resources = list(everything(records, config, today=today))
    page = list(islice(resources, offset, offset + count))
    more = offset + count < len(resources)
    return searchset(
        page,
        server=server,
        self_url=page_url(offset),
        next_url=page_url(offset + count) if more else None,
        total=len(resources),
    )
