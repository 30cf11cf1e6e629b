from pydantic import BaseModel


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
    loinc: str
    name: str
    canonical_unit: str
    units: list[str]
    qualitative: bool
    qualitative_values: list[str]
