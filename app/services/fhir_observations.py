"""Observation?patient=&code=&date=&category=: lab results (category laboratory), then
assessments (a panel and its items: exam, vital-signs). The cursor names the table it is
in (`L.` labs, `A.` assessments), so one search pages through both."""

from dataclasses import dataclass, replace
from datetime import timedelta, tzinfo

from sqlalchemy import ColumnElement

from app.catalog import lab_tests, lab_tests_by_loinc
from app.fhir.assessment import assessment_observations
from app.fhir.codes import LOINC
from app.fhir.datatypes import Resource
from app.fhir.labs import lab_observation
from app.fhir.search import Instants, TokenParam, parse_date, parse_token
from app.repositories import patient_records as repo
from app.services.fhir_query import Found, Query, listed
from app.services.fhir_reads import is_corrected, shown
from app.services.resources import ASSESSMENT, LAB_RESULT
from app.services.uow import UnitOfWork

LAB_CATEGORIES = frozenset({"laboratory"})
ASSESSMENT_CATEGORIES = frozenset({"exam", "vital-signs"})
ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Criteria:
    categories: frozenset[str] | None  # None: any
    codes: tuple[TokenParam, ...]  # empty: any
    when: Instants

    def lab_keys(self) -> set[str] | None:
        """The catalogue tests the codes name (None: any test)."""
        if not self.codes:
            return None
        ours = set(lab_tests())
        by_loinc = lab_tests_by_loinc()
        keys = {by_loinc[t.code].key for t in self.codes if _is(t, LOINC) and t.code in by_loinc}
        keys |= {t.code for t in self.codes if not _is(t, LOINC) and t.code in ours}
        return keys

    def wants(self, resource: Resource) -> bool:
        """An assessment Observation that matches category and code."""
        codings = [c for concept in resource["category"] for c in concept["coding"]]
        if self.categories is not None and not {c["code"] for c in codings} & self.categories:
            return False
        names = [(c["system"], c["code"]) for c in resource["code"]["coding"]]
        return not self.codes or any(
            (t.system in (None, system)) and t.code == code
            for t in self.codes
            for system, code in names
        )


def _is(token: TokenParam, system: str) -> bool:
    return token.system in (None, system) and not token.no_system


def criteria(query: Query, zone: tzinfo) -> Criteria:
    categories = {parse_token("category", v).code for v in query.values("category")}
    codes = tuple(parse_token("code", v) for v in query.values("code"))
    when = Instants()
    for value in (v for n, v in query.params if n == "date"):
        when = when.narrowed(parse_date("date", value, zone))
    return Criteria(frozenset(categories) if categories else None, codes, when)


async def observations(uow: UnitOfWork, query: Query) -> Found:
    found = criteria(query, uow.settings.zone)
    tables = [
        table
        for table, categories in (("L", LAB_CATEGORIES), ("A", ASSESSMENT_CATEGORIES))
        if found.categories is None or found.categories & categories
    ]
    if not tables:
        return [], None
    table, _, inner = (query.page.cursor or f"{tables[0]}.").partition(".")
    if table not in tables:
        table, inner = tables[0], ""
    paged = replace(query, page=replace(query.page, cursor=inner or None))
    if table == "L":
        resources, after = await _labs(uow, paged, found)
    else:
        resources, after = await _assessments(uow, paged, found)
    if after is not None:
        return resources, f"{table}.{after}"
    following = tables[tables.index(table) + 1 :]
    return resources, f"{following[0]}." if following else None


async def _labs(uow: UnitOfWork, query: Query, found: Criteria) -> Found:
    keys = found.lab_keys()
    if keys is not None and not keys:
        return [], None
    only = next(iter(keys)) if keys is not None and len(keys) == 1 else None
    upper = found.when.upper - ONE_MICROSECOND if found.when.upper else None

    def where() -> list[ColumnElement[bool]]:
        return repo.lab_filters(only, found.when.lower, upper)  # lab_filters' end is inclusive

    rows, after = await listed(uow, LAB_RESULT, query, where)
    labs = [
        lab for lab in await shown(uow, LAB_RESULT, rows) if keys is None or lab["test"] in keys
    ]
    return [lab_observation(lab, query.config, corrected=is_corrected(lab)) for lab in labs], after


async def _assessments(uow: UnitOfWork, query: Query, found: Criteria) -> Found:
    def where() -> list[ColumnElement[bool]]:
        return repo.assessment_filters(found.when.lower, found.when.upper)

    rows, after = await listed(uow, ASSESSMENT, query, where)
    resources: list[Resource] = []
    for assessment in await shown(uow, ASSESSMENT, rows):
        resources += [
            r for r in assessment_observations(assessment, query.config) if found.wants(r)
        ]
    return resources, after
