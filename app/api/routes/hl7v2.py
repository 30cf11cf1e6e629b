"""`POST /hl7v2/oru`: HL7 v2 ORU^R01 lab results over HTTP, answered by an HL7 ACK."""

from typing import Any

from fastapi import Request, Response
from starlette.exceptions import HTTPException

from app.api.deps import LabWriteUoW, api_router
from app.api.responses import errors
from app.services import hl7v2

router = api_router(tags=["hl7v2"])

ER7 = "x-application/hl7-v2+er7"
# The HL7 over HTTP media type, its spelling without `x-`, and plain text for hand tests.
MEDIA_TYPES = (ER7, "application/hl7-v2+er7", "application/hl7-v2", "text/plain")
_MESSAGE = {"schema": {"type": "string", "description": "one ORU^R01 message (ER7)"}}
_ACK = {"schema": {"type": "string", "description": "the HL7 ACK (ER7, segments end in CR)"}}
_DOCUMENTED: dict[int | str, dict[str, Any]] = {
    **errors(415),
    200: {
        "description": "ACK: AA (every result stored) or AE (ERR names each failure)",
        "content": {ER7: _ACK},
    },
    400: {"description": "ACK: AR, the message cannot be read", "content": {ER7: _ACK}},
}


@router.post(
    "/hl7v2/oru",
    operation_id="receiveOru",
    response_class=Response,
    responses=_DOCUMENTED,
    openapi_extra={
        "requestBody": {"required": True, "content": {media: _MESSAGE for media in MEDIA_TYPES}}
    },
)
async def receive_oru(request: Request, uow: LabWriteUoW) -> Any:
    """Store the lab results of one HL7 v2 ORU^R01 message; the answer is its ACK."""
    media, _, parameters = request.headers.get("content-type", "").partition(";")
    if media.strip().lower() not in MEDIA_TYPES:
        raise HTTPException(415, f"send the message as {ER7}")
    body = await request.body()
    try:
        charset = hl7v2.charset_of(body, _charset(parameters))
    except ValueError as exc:
        raise HTTPException(415, f"{exc}: send UTF-8 or an ISO-8859 set") from exc
    answer = await hl7v2.receive_bytes(uow, body, charset)
    headers = {"Content-Type": f"{ER7}; charset={charset}"}
    return Response(answer.encoded(charset), answer.status, headers)


def _charset(parameters: str) -> str | None:
    """The Content-Type's charset parameter, if any."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None
