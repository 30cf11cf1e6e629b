"""The drug and lab-test catalogues: data files shipped with the code, loaded once."""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Drug:
    code: str
    drug_class: str
    mechanism: str
    atc: str
    routes: tuple[str, ...]
    max_mg_per_infusion: float | None
    prednisone_factor: float | None


@dataclass(frozen=True, slots=True)
class LabTest:
    key: str
    loinc: str
    name: str
    canonical_unit: str
    units: dict[str, float]
    qualitative: bool
    qualitative_values: tuple[str, ...]

    def factor(self, unit: str) -> float | None:
        """Multiplier into the canonical unit; UCUM codes matched ignoring case, never guessed."""
        exact = self.units.get(unit)
        if exact is not None:
            return exact
        folded = {u.casefold(): f for u, f in self.units.items()}
        return folded.get(unit.casefold())


def _load(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(name).read_text("utf-8"))


@cache
def drugs() -> dict[str, Drug]:
    rows = _load("drugs.json")["drugs"]
    return {r["code"]: Drug(**{**r, "routes": tuple(r["routes"])}) for r in rows}


@cache
def lab_tests() -> dict[str, LabTest]:
    rows = _load("lab_tests.json")["lab_tests"]
    return {
        r["key"]: LabTest(**{**r, "qualitative_values": tuple(r["qualitative_values"])})
        for r in rows
    }


@cache
def lab_tests_by_loinc() -> dict[str, LabTest]:
    return {t.loinc: t for t in lab_tests().values()}
