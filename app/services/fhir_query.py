"""What a FHIR search runs on: its parameters, its page, and the patient it is about."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.errors import NotFound
from app.fhir.config import FhirConfig
from app.fhir.datatypes import Resource
from app.fhir.errors import InvalidRequest
from app.fhir.search import parse_count, parse_reference
from app.schemas.common import PageRequest
from app.services import records
from app.services.resources import Resource as Kind
from app.services.uow import UnitOfWork

CURSOR = "_cursor"  # our paging parameter: the next page's position, opaque to clients
Params = Sequence[tuple[str, str]]
Found = tuple[list[Resource], str | None]


@dataclass(frozen=True, slots=True)
class Query:
    params: Params
    page: PageRequest
    config: FhirConfig

    def values(self, name: str) -> list[str]:
        """Every value of a parameter; comma-separated values are alternatives (OR)."""
        return [v for n, value in self.params if n == name for v in value.split(",") if v]

    def first(self, name: str) -> str | None:
        return next((value for n, value in self.params if n == name), None)

    def patient(self) -> uuid.UUID:
        value = self.first("patient")
        if value is None:
            raise InvalidRequest("patient", "this search needs patient=<id>", code="required")
        return uuid.UUID(parse_reference("patient", value, "Patient"))


def page_of(params: Params) -> PageRequest:
    count = parse_count(next((v for n, v in params if n == "_count"), None))
    return PageRequest(next((v for n, v in params if n == CURSOR), None), count)


async def listed(
    uow: UnitOfWork, kind: Kind[Any], query: Query, where: Any = tuple
) -> tuple[Sequence[Any], str | None]:
    """A page of the patient's live records of `kind`; an unknown patient matches nothing."""
    try:
        return await records.page(uow, kind, query.patient(), query.page, where)
    except NotFound:
        return [], None
