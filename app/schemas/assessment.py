import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.schemas import examples
from app.schemas.common import ExternalId, InputModel, Integer, Number, PastTimestamp, RecordRead
from app.schemas.infusion import Weight

JointCount = Annotated[Integer, Field(ge=0, le=28)]
Global = Annotated[Number, Field(ge=0, le=100, description="visual analogue scale, mm")]
PowerDoppler = Literal["positive", "negative"]
Height = Annotated[
    Number, Field(gt=0, le=300, description="body height in cm (mg/m2 doses: Mosteller)")
]


class AssessmentFields(InputModel):
    tender_joints_28: JointCount | None = None
    swollen_joints_28: JointCount | None = None
    power_doppler: PowerDoppler | None = None
    patient_global: Global | None = None
    evaluator_global: Global | None = None
    weight_kg: Weight | None = None
    height_cm: Height | None = None


class AssessmentCreate(AssessmentFields):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ASSESSMENT]})

    assessed_at: PastTimestamp
    external_id: ExternalId | None = None


class AssessmentUpdate(AssessmentFields):
    assessed_at: PastTimestamp | None = None


class AssessmentRead(RecordRead):
    patient_id: uuid.UUID
    assessed_at: datetime
    tender_joints_28: int | None
    swollen_joints_28: int | None
    power_doppler: PowerDoppler | None
    patient_global: float | None
    evaluator_global: float | None
    weight_kg: float | None
    height_cm: float | None
    external_id: str | None = None
