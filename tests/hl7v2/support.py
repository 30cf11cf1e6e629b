"""Sending ORU^R01 messages to `POST /hl7v2/oru` and reading the ACKs and what was stored."""

from typing import Any

import hl7
import httpx

ER7 = "x-application/hl7-v2+er7"


async def send(
    client: httpx.AsyncClient, text: str | bytes, content_type: str = ER7
) -> httpx.Response:
    """`text` is sent in UTF-8; bytes as they are."""
    content = text.encode() if isinstance(text, str) else text
    return await client.post("/hl7v2/oru", content=content, headers={"Content-Type": content_type})


def ack_of(response: httpx.Response) -> hl7.Message:
    assert response.headers["content-type"].startswith(ER7), response.text
    assert response.text.endswith("\r")
    assert "\n" not in response.text
    return hl7.parse(response.text)


def msa(response: httpx.Response) -> list[str]:
    """MSA-1 (AA/AE/AR), MSA-2 (the message's control id), MSA-3 (what was done)."""
    segment = ack_of(response).segment("MSA")
    return [str(segment(n)) if n < len(segment) else "" for n in (1, 2, 3)]


def err_segments(response: httpx.Response) -> list[str]:
    return [str(s) for s in ack_of(response) if str(s(0)) == "ERR"]


async def labs(client: httpx.AsyncClient, patient_id: str) -> list[dict[str, Any]]:
    """A patient's lab results by external_id (OBR-3 filler order number - OBX-1 set id)."""
    response = await client.get(f"/v1/patients/{patient_id}/lab-results")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return sorted(items, key=lambda lab: str(lab["external_id"]))


def essentials(lab: dict[str, Any]) -> tuple[Any, ...]:
    return (
        lab["external_id"],
        lab["test"],
        lab["value"],
        lab["unit"],
        lab["value_text"],
        lab["reference_range"],
        lab["collected_at"],
    )
