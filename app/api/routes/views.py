"""Views of one patient for people and frontends: the timeline, the chart, and what-if."""

import uuid
from typing import Annotated, Any

from fastapi import Query, Response

from app.api.deps import CursorPage, ReadUoW, WhatIfUoW, api_router
from app.api.responses import errors, json_response
from app.errors import Unprocessable
from app.schemas.common import ClinicalDate
from app.schemas.status import StatusRead
from app.schemas.timeline import TimelinePage
from app.schemas.what_if import WhatIfRequest
from app.services import chart, timeline, what_if

router = api_router(prefix="/v1", tags=["views"])
From = Annotated[
    ClinicalDate | None, Query(alias="from", description="first day shown (inclusive)")
]
To = Annotated[ClinicalDate | None, Query(description="last day shown (inclusive)")]
SVG = "image/svg+xml"
SVG_EXAMPLE = (
    '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="ESR, CRP and treatment">'
    "<title>ESR, CRP and treatment, Jan 2016 to Nov 2026</title>...</svg>"
)


def period(first: ClinicalDate | None, last: ClinicalDate | None) -> timeline.Period:
    if first is not None and last is not None and last < first:
        raise Unprocessable("to must not be before from", loc=("query", "to"))
    return timeline.Period(first, last)


@router.get(
    "/patients/{patient_id}/timeline",
    response_model=TimelinePage,
    operation_id="getPatientTimeline",
    responses=errors(404),
)
async def get_timeline(
    patient_id: uuid.UUID,
    uow: ReadUoW,
    paging: CursorPage,
    first: From = None,
    to: To = None,
) -> Any:
    """The patient's course, oldest first: regimens as spans (with their doses), infusions
    with their checks, lab results, assessments and flag transitions, each with a one-line
    summary and the record as its own GET shows it; `from`/`to` are dates, inclusive."""
    items, cursor = await timeline.page(uow, patient_id, period(first, to), paging)
    page = TimelinePage.model_validate({"items": items, "next_cursor": cursor})
    return Response(page.model_dump_json(by_alias=True), media_type="application/json")


@router.get(
    "/patients/{patient_id}/chart.svg",
    response_class=Response,
    operation_id="getPatientChart",
    responses={
        **errors(404),
        200: {
            "description": "ESR and CRP, infusions, remission runs and regimens, no identifiers",
            "content": {SVG: {"schema": {"type": "string"}, "example": SVG_EXAMPLE}},
        },
    },
)
async def get_chart(patient_id: uuid.UUID, uow: ReadUoW, first: From = None, to: To = None) -> Any:
    """The patient's course as an SVG image for people: ESR and CRP over time on their own
    axes, infusions as markers (out-of-range doses stand out), remission runs shaded,
    regimens as bars, a legend; readable without JavaScript, no patient identifiers."""
    svg = await chart.chart_svg(uow, patient_id, period(first, to))
    return Response(svg, media_type=SVG)


@router.post(
    "/patients/{patient_id}/status:evaluate",
    response_model=StatusRead,
    operation_id="evaluatePatientStatus",
    responses=errors(404),
)
async def evaluate_status(patient_id: uuid.UUID, body: WhatIfRequest, uow: WhatIfUoW) -> Any:
    """What-if: the status the patient would have with the records in `add` (shaped and
    validated like their POSTs, dated up to `as_of`) and without those in `exclude`.
    Nothing is stored; audited as a read of the status (scope records:read)."""
    result = await what_if.evaluate(uow, patient_id, body)
    return json_response(StatusRead.model_validate({**vars(result), "patient_id": patient_id}))
