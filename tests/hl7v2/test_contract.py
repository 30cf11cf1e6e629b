"""The seam with the lab-result service: bodies are what `POST .../lab-results` takes."""

import json

import pytest

from app.hl7v2 import BODY_FIELD_POSITIONS, LabResultItem, parse_oru
from app.schemas.lab_result import LabResultCreate
from tests.hl7v2.messages import GESTLAB, LABWIN, SYNLAB, er7, options


def results(segments: list[str]) -> tuple[LabResultItem, ...]:
    return parse_oru(er7(segments), options()).results


@pytest.mark.parametrize("segments", [GESTLAB, SYNLAB, LABWIN])
def test_every_body_is_a_valid_lab_result_create(segments: list[str]) -> None:
    for item in results(segments):
        body = dict(item.body)
        json.dumps(body)  # plain JSON types: storable with the idempotent answer
        # `comparator` (contract Clarifications) is not in the schema of this branch yet.
        body.pop("comparator", None)
        created = LabResultCreate.model_validate(body)
        assert created.external_id == item.body["external_id"]


def test_every_body_key_has_its_obx_field() -> None:
    keys = {key for item in results(SYNLAB) + results(GESTLAB) for key in item.body}

    assert keys <= set(BODY_FIELD_POSITIONS)
    assert set(LabResultCreate.model_fields) <= set(BODY_FIELD_POSITIONS)
