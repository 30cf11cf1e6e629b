"""Whatever arrives at `POST /hl7v2/oru` is answered with an ACK, never a 500: what the
schema or the lab-result service refuses becomes an ERR at the OBX field it came from."""

import asyncio

import httpx
import pytest

from tests.hl7v2.messages import GESTLAB, er7, obx_message
from tests.hl7v2.support import err_segments, labs, msa, send
from tests.support import factories

pytestmark = pytest.mark.anyio


async def test_values_the_service_refuses_are_errs_at_their_obx_field(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    patient = await factories.patient(clinic, mrn="NHC0042137")
    message = obx_message(
        "OBX|1|NM|PCR^PCR^L||2000000|mg/L|||||F",  # above the schema's limit
        "OBX|2|NM|PCR^PCR^L||1|mg/L|||||F|||209901010000+0000",  # in the future
        "OBX|3|NM|1742-6^ALT^LN||12|U/L|||||F",  # stored
        "OBX|4|NM|9999-9^Unknown^LN||1|mg/L|||||F",  # a LOINC outside the catalogue
        "OBX|5|ST|PCR^PCR^L||NEGATIVE||||||F",  # qualitative for a numeric test
        "OBX|6|NM|ADNA^DNA^L||12|U/mL|||||F",  # a unit anti-dsDNA does not take
    )

    response = await send(engine, message)

    assert msa(response) == ["AE", "GL20160115000123", "1 result stored; 5 errors"]
    # v2.5.1: ERR-2 the location, ERR-3 the code.
    errs = [segment.split("|") for segment in err_segments(response)]
    locations = [[*err[2].split("^"), err[3].split("^")[0]] for err in errs]
    assert locations == [
        ["OBX", "1", "5", "102"],
        ["OBX", "2", "14", "102"],
        ["OBX", "4", "3", "103"],
        ["OBX", "5", "5", "102"],
        ["OBX", "6", "6", "103"],
    ]
    assert [lab["test"] for lab in await labs(clinic, patient["id"])] == ["alt"]


async def test_every_truncation_of_a_message_gets_an_ack(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    await factories.patient(clinic, mrn="NHC0042137")
    text = er7(GESTLAB)

    for end in range(0, len(text), 13):
        response = await send(engine, text[:end] + f"\rNTE|{end}")
        assert response.status_code in (200, 400), (end, response.text)
        assert msa(response)[0] in ("AA", "AE", "AR")


async def test_identical_messages_racing_store_once_and_get_one_ack(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    patient = await factories.patient(clinic, mrn="NHC0042137")

    answers = await asyncio.gather(*(send(engine, er7(GESTLAB)) for _ in range(4)))

    assert {answer.text for answer in answers} == {answers[0].text}
    assert msa(answers[0]) == ["AA", "GL20160115000123", "2 results stored"]
    assert len(await labs(clinic, patient["id"])) == 2
