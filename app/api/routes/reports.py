"""The case-series report: JSON or CSV by `Accept`, and its Kaplan-Meier curve as SVG."""

import csv
import io
from typing import Annotated, Any

from fastapi import Query, Request, Response

from app import charts, rules
from app.api.deps import ReadUoW, api_router
from app.api.responses import errors, json_response
from app.rules.case_series import CaseSeries
from app.schemas.common import ClinicalDate
from app.schemas.report import CASE_SERIES_EXAMPLE, CSV_COLUMNS, CaseSeriesRead
from app.services import case_series

router = api_router(prefix="/v1", tags=["reports"])
Drug = Annotated[str, Query(min_length=1, max_length=64, description="a catalogue drug code")]
AsOf = Annotated[
    ClinicalDate | None,
    Query(description="report as of this date (default: today in the clinical time zone)"),
]
CSV = "text/csv"
SVG = "image/svg+xml"
CSV_EXAMPLE = (
    ",".join(CSV_COLUMNS)
    + "\r\n0b5f4c1e-8d8e-4c43-9a0b-0f3f3f0e1a11,2016-01-10,2018-06-30,met,not_met,2016-05-09,"
    "120,700,true,false,902\r\n"
)


def read_model(series: CaseSeries) -> CaseSeriesRead:
    outcomes = [{**vars(o), "patient_id": o.patient_key} for o in series.outcomes]
    reached = series.reached_remission
    return CaseSeriesRead.model_validate(
        {
            "drug": series.drug,
            "as_of": series.as_of,
            "rules_version": rules.RULES_VERSION,
            "summary": {
                "patients": len(outcomes),
                "reached_remission": reached,
                "median_days_to_remission": series.median_days_to_remission,
                "median_longest_remission_days": series.median_longest_remission_days,
                "kaplan_meier": [vars(p) for p in series.kaplan_meier],
            },
            "items": outcomes,
        }
    )


def as_csv(read: CaseSeriesRead) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in read.model_dump(mode="json")["items"]:
        writer.writerow(_cell(item[name]) for name in CSV_COLUMNS)
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@router.get(
    "/reports/case-series",
    response_model=CaseSeriesRead,
    operation_id="getCaseSeries",
    responses={
        **errors(),
        200: {
            "description": "One row per patient on the drug, and the summary",
            "content": {
                "application/json": {"example": CASE_SERIES_EXAMPLE},
                CSV: {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
            },
        },
    },
)
async def get_case_series(
    request: Request, uow: ReadUoW, drug: Drug = "tocilizumab", as_of: AsOf = None
) -> Any:
    """The case-series outcomes of one drug over the patients the caller sees: time to
    remission, longest remission, flags at the start; `Accept: text/csv` for the rows."""
    read = read_model(await case_series.report(uow, drug, as_of))
    if CSV in request.headers.get("accept", ""):
        return Response(as_csv(read), media_type=CSV)
    return json_response(read)


@router.get(
    "/reports/case-series/km.svg",
    response_class=Response,
    operation_id="getCaseSeriesKaplanMeier",
    responses={
        **errors(),
        200: {
            "description": "The Kaplan-Meier curve of time to remission (no patient ids)",
            "content": {SVG: {"schema": {"type": "string"}, "example": "<svg ...>...</svg>"}},
        },
    },
)
async def get_case_series_km(uow: ReadUoW, drug: Drug = "tocilizumab", as_of: AsOf = None) -> Any:
    """The case series' Kaplan-Meier curve: remission-free probability by day since start."""
    series = await case_series.report(uow, drug, as_of)
    data = charts.KmChartData(
        drug=series.drug,
        steps=tuple(charts.KmStep(**vars(p)) for p in series.kaplan_meier),
        censored_days=tuple(
            o.follow_up_days for o in series.outcomes if o.days_to_remission is None
        ),
    )
    return Response(charts.km_chart_svg(data), media_type=SVG)
