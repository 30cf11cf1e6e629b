"""Bundles the face answers: searchset pages, transaction responses; ETag and Location."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from app.fhir.datatypes import Record, Resource, instant


def etag(version: int | str) -> str:
    """The weak ETag of a version: `W/"3"`."""
    return f'W/"{version}"'


def parse_etag(header: str) -> int | None:
    """The version in an `If-Match` / ETag value (`W/"3"` or `"3"`), None when not one."""
    text = header.strip().removeprefix("W/")
    if len(text) < 3 or text[0] != '"' or text[-1] != '"' or not text[1:-1].isdigit():
        return None
    return int(text[1:-1])


def location(resource: Record) -> str:
    """`{type}/{id}/_history/{versionId}`: where a created version can be read (vread)."""
    version = resource["meta"]["versionId"]
    return f"{resource['resourceType']}/{resource['id']}/_history/{version}"


def full_url(server: str, resource: Record) -> str:
    """The absolute URL of a resource on this server (`server` is the `/fhir` base URL)."""
    return f"{server}/{resource['resourceType']}/{resource['id']}"


def searchset(
    resources: Iterable[Resource],
    *,
    server: str,
    self_url: str,
    next_url: str | None = None,
    total: int | None = None,
    included: Iterable[Resource] = (),
    timestamp: datetime | None = None,
) -> Resource:
    """A searchset page: matches, then included resources; `total` only when known
    cheaply; `link` self (the parameters understood) and next (the cursor)."""
    bundle: Resource = {"resourceType": "Bundle", "type": "searchset"}
    if timestamp is not None:
        bundle["timestamp"] = instant(timestamp)
    if total is not None:
        bundle["total"] = total
    bundle["link"] = [{"relation": "self", "url": self_url}]
    if next_url is not None:
        bundle["link"].append({"relation": "next", "url": next_url})
    entries = [_entry(r, server, "match") for r in resources]
    entries += [_entry(r, server, "include") for r in included]
    if entries:
        bundle["entry"] = entries
    return bundle


def _entry(resource: Resource, server: str, mode: str) -> dict[str, Any]:
    return {"fullUrl": full_url(server, resource), "resource": resource, "search": {"mode": mode}}


@dataclass(frozen=True, slots=True)
class EntryResult:
    """What one entry of a transaction did: 201 (created) or 200 (an identical record
    existed: conditional create), with the stored resource as read."""

    status: int
    resource: Resource


def status_line(status: int) -> str:
    """`201 Created`, the form of Bundle.entry.response.status."""
    return f"{status} {HTTPStatus(status).phrase}"


def transaction_response(
    results: Sequence[EntryResult], *, server: str, with_resources: bool = True
) -> Resource:
    """The transaction-response Bundle, one entry per request entry in the same order.
    `with_resources=False` (Prefer: return=minimal, or a caller without read scope)
    leaves the resources out and keeps status, location, etag and lastModified."""
    bundle: Resource = {"resourceType": "Bundle", "type": "transaction-response"}
    if results:  # an empty transaction answers no entry element (FHIR JSON has no [])
        bundle["entry"] = [_response_entry(r, server, with_resources) for r in results]
    return bundle


def _response_entry(result: EntryResult, server: str, with_resource: bool) -> dict[str, Any]:
    resource = result.resource
    response = {
        "status": status_line(result.status),
        "location": location(resource),
        "etag": etag(resource["meta"]["versionId"]),
        "lastModified": resource["meta"]["lastUpdated"],
    }
    entry: dict[str, Any] = {"fullUrl": full_url(server, resource)}
    if with_resource:
        entry["resource"] = resource
    entry["response"] = response
    return entry
