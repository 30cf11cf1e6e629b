from pydantic import BaseModel, Field


class DrugRead(BaseModel):
    code: str
    drug_class: str
    mechanism: str
    atc: str
    routes: list[str]
    max_mg_per_infusion: float | None
    prednisone_factor: float | None


class LabTestRead(BaseModel):
    key: str
    loinc: str = Field(description="the primary LOINC code")
    codes: list[str] = Field(description="every accepted LOINC code, the primary first")
    titer_codes: list[str] = Field(
        description="codes whose numeric results are titers (unit {titer}), read only "
        "against their own reference range"
    )
    name: str
    canonical_unit: str
    units: list[str]
    qualitative: bool
    qualitative_values: list[str]
