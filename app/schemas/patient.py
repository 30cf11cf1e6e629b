from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.config import ORGANIZATION_PATTERN
from app.schemas import examples
from app.schemas.common import InputModel, PastDate, ReadModel, RecordRead

Sex = Literal["female", "male", "other", "unknown"]
Mrn = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S+$", examples=["TO-0001"])]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Organization = Annotated[
    str,
    Field(
        pattern=ORGANIZATION_PATTERN,
        description="the organization (clinic) the patient belongs to; default: the caller's "
        "only organization",
        examples=["clinic-a"],
    ),
]


class Diagnosis(InputModel):
    system: Annotated[str, Field(min_length=1, max_length=32, examples=["icd10"])]
    code: Annotated[str, Field(min_length=1, max_length=32, examples=["M06.9"])]
    onset_date: PastDate | None = None


class PatientCreate(InputModel):
    mrn: Mrn
    sex: Sex
    birth_date: PastDate
    given_name: Name | None = None
    family_name: Name | None = None
    diagnoses: Annotated[list[Diagnosis], Field(max_length=100, default_factory=list)]
    organization: Organization | None = None

    model_config = ConfigDict(json_schema_extra={"examples": [examples.PATIENT]})


class PatientUpdate(InputModel):
    mrn: Mrn | None = None
    sex: Sex | None = None
    birth_date: PastDate | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    diagnoses: Annotated[list[Diagnosis], Field(max_length=100)] | None = None
    organization: Annotated[
        Organization | None, Field(description="move the patient (admin of both organizations)")
    ] = None


class DiagnosisRead(ReadModel):
    system: str
    code: str
    onset_date: date | None = None


class PatientRead(RecordRead):
    organization: str
    mrn: str
    sex: Sex
    birth_date: date
    given_name: str | None
    family_name: str | None
    diagnoses: list[DiagnosisRead]
