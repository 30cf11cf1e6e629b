"""The what-if request: hypothetical records shaped (and validated) exactly like their POSTs,
and real records left out; nothing of it is stored."""

import uuid
from typing import Annotated, Self

from pydantic import ConfigDict, Field, model_validator

from app.schemas import examples
from app.schemas.assessment import AssessmentCreate
from app.schemas.common import ClinicalDate, InputModel, Integer
from app.schemas.infusion import InfusionCreate
from app.schemas.lab_result import LabResultCreate
from app.schemas.regimen import RegimenCreate

MAX_ADDED = 200


class HypotheticalInfusion(InfusionCreate):
    """An infusion as POSTed to its regimen, naming the regimen: an existing one of this
    patient (`regimen_id`) or one of `add.regimens` (`regimen_index`, from 0)."""

    regimen_id: uuid.UUID | None = None
    regimen_index: Annotated[Integer, Field(ge=0, lt=MAX_ADDED)] | None = None

    @model_validator(mode="after")
    def _one_regimen(self) -> Self:
        if (self.regimen_id is None) == (self.regimen_index is None):
            raise ValueError("name the regimen by exactly one of regimen_id and regimen_index")
        return self


class HypotheticalRecords(InputModel):
    lab_results: list[LabResultCreate] = Field(default_factory=list, max_length=MAX_ADDED)
    assessments: list[AssessmentCreate] = Field(default_factory=list, max_length=MAX_ADDED)
    regimens: list[RegimenCreate] = Field(default_factory=list, max_length=MAX_ADDED)
    infusions: list[HypotheticalInfusion] = Field(default_factory=list, max_length=MAX_ADDED)


class WhatIfRequest(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2016-06-01",
                    "add": {
                        "lab_results": [
                            {
                                **{
                                    k: v
                                    for k, v in examples.LAB_RESULT.items()
                                    if k != "external_id"
                                },
                                "collected_at": "2016-05-30T08:00:00Z",
                            }
                        ]
                    },
                    "exclude": [],
                }
            ]
        }
    )

    as_of: ClinicalDate | None = Field(None, description="default: today (clinical time zone)")
    add: HypotheticalRecords = Field(default_factory=lambda: HypotheticalRecords())
    exclude: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=1000,
        description="ids of this patient's records to leave out (a regimen: with its infusions)",
    )
