import uuid
from datetime import date

from pydantic import BaseModel, Field

from app.schemas.status import FlagStatus


class CaseOutcomeRead(BaseModel):
    patient_id: uuid.UUID
    start_date: date = Field(description="first day of the drug (the course's first regimen)")
    end_date: date | None = Field(description="the course's last regimen's end; null: ongoing")
    refractory_at_start: FlagStatus
    steroid_dependent_at_start: FlagStatus
    first_remission_date: date | None
    days_to_remission: int | None
    longest_remission_days: int
    in_remission_at_end: bool
    remission_ongoing: bool
    follow_up_days: int


class KmPointRead(BaseModel):
    day: int
    remission_free_probability: float
    at_risk: int


class CaseSeriesSummary(BaseModel):
    patients: int
    reached_remission: int
    median_days_to_remission: float | None = Field(description="over the patients who reached it")
    median_longest_remission_days: float | None = Field(description="over all (0 counts)")
    kaplan_meier: list[KmPointRead] = Field(
        description="time to remission, censored at the course's end or as_of; day 0 first"
    )


class CaseSeriesRead(BaseModel):
    drug: str
    as_of: date
    rules_version: str
    summary: CaseSeriesSummary
    items: list[CaseOutcomeRead]


CSV_COLUMNS = tuple(CaseOutcomeRead.model_fields)

CASE_SERIES_EXAMPLE = {
    "drug": "tocilizumab",
    "as_of": "2026-11-30",
    "rules_version": "2026.2",
    "summary": {
        "patients": 2,
        "reached_remission": 2,
        "median_days_to_remission": 150.0,
        "median_longest_remission_days": 519.0,
        "kaplan_meier": [
            {"day": 0, "remission_free_probability": 1.0, "at_risk": 2},
            {"day": 120, "remission_free_probability": 0.5, "at_risk": 2},
            {"day": 180, "remission_free_probability": 0.0, "at_risk": 1},
        ],
    },
    "items": [
        {
            "patient_id": "0b5f4c1e-8d8e-4c43-9a0b-0f3f3f0e1a11",
            "start_date": "2016-01-10",
            "end_date": "2018-06-30",
            "refractory_at_start": "met",
            "steroid_dependent_at_start": "not_met",
            "first_remission_date": "2016-05-09",
            "days_to_remission": 120,
            "longest_remission_days": 700,
            "in_remission_at_end": True,
            "remission_ongoing": False,
            "follow_up_days": 902,
        }
    ],
}
