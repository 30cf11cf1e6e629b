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


# UCUM annotation of a titer's unit (the denominator of 1:N): never converted.
TITER_UNIT = "{titer}"


@dataclass(frozen=True, slots=True)
class LabTest:
    """A catalogue test. `loinc` is its primary code; `codes` every accepted code (the
    primary first: e.g. ESR 4537-7, 30341-2, 82477-1); `titer_codes` the codes whose
    numeric results are titers (unit `TITER_UNIT`), read only against their own
    reference range."""

    key: str
    loinc: str
    name: str
    canonical_unit: str
    units: dict[str, float]
    qualitative: bool
    qualitative_values: tuple[str, ...]
    codes: tuple[str, ...] = ()
    titer_codes: tuple[str, ...] = ()

    def is_titer(self, code: str) -> bool:
        return code in self.titer_codes

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
    tuples = ("qualitative_values", "codes", "titer_codes")
    return {r["key"]: LabTest(**{**r, **{k: tuple(r[k]) for k in tuples}}) for r in rows}


@cache
def lab_tests_by_loinc() -> dict[str, LabTest]:
    """Every accepted code (primary or alias) -> its test."""
    return {code: t for t in lab_tests().values() for code in t.codes}
