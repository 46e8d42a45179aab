"""The REST resources as plain request descriptions and response parsers (no I/O).

`Client` and `AsyncClient` run the same `Call`s and `Paged` walks, each with its own transport,
so every endpoint's path, parameters and wire shape are written once, here."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Generic, TypedDict, TypeVar, Unpack

from cairn.sdk.models import (
    Event,
    Exclusion,
    ListInfo,
    Member,
    Metric,
    MetricExport,
    Page,
    Person,
)

T = TypeVar("T")
Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: Params = ()
    json: Any = None
    form: Mapping[str, str] | None = None
    # Safe to send twice (GET/PUT/DELETE, Track with `$event_id`, Identify): retried on 5xx too.
    idempotent: bool = True

    def with_param(self, name: str, value: str) -> Request:
        kept = tuple((k, v) for k, v in self.params if k != name)
        return replace(self, params=(*kept, (name, value)))


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and how to read its decoded JSON body (None for an empty body).

    `missing` is returned instead of raising when the server answers 404."""

    request: Request
    parse: Callable[[Any], T]
    missing: Any = field(default=None)
    allow_missing: bool = False


@dataclass(frozen=True)
class Paged(Generic[T]):
    """A paginated walk: the first request, the items of a page, the request for the next."""

    first: Request
    items: Callable[[Any], list[T]]
    next: Callable[[Request, Any], Request | None]


def _params(**values: object) -> Params:
    """Query parameters, leaving out None; lists and dicts are sent as JSON, dates as YYYY-MM-DD."""
    out: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime | date):
            value = value.strftime("%Y-%m-%d")
        elif isinstance(value, list | dict | tuple):
            value = json.dumps(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out.append((name, str(value)))
    return tuple(out)


def _repeated(name: str, values: Sequence[str]) -> Params:
    return tuple((name, value) for value in values)


# --- pagination styles ---------------------------------------------------------------------


def next_page(request: Request, body: Any) -> Request | None:
    """v1 `$list`: keep going while `end < total - 1` (end is inclusive)."""
    page = page_of(body, lambda item: item)
    if not page.has_next:
        return None
    return request.with_param("page", str(page.page + 1))


def next_since(request: Request, body: Any) -> Request | None:
    """v1 timelines: re-ask with `since=<next>` until `next` is empty."""
    token = body.get("next") if isinstance(body, dict) else None
    return request.with_param("since", str(token)) if token else None


def next_marker(request: Request, body: Any) -> Request | None:
    """v2 bulk lists: re-ask with `marker` until the answer has none."""
    marker = body.get("marker") if isinstance(body, dict) else None
    return request.with_param("marker", str(marker)) if marker else None


def page_of(body: Mapping[str, Any], parse: Callable[[Any], T]) -> Page[T]:
    items = [parse(item) for item in body.get("data", [])]
    start = int(body.get("start", 0))
    return Page(
        items=items,
        page=int(body.get("page", 0)),
        start=start,
        end=int(body.get("end", start + len(items) - 1)),
        page_size=int(body.get("page_size", len(items))),
        total=int(body.get("total", len(items))),
    )


def _data(parse: Callable[[Any], T]) -> Callable[[Any], list[T]]:
    return lambda body: [parse(item) for item in body.get("data", [])]


def _records(parse: Callable[[Any], T]) -> Callable[[Any], list[T]]:
    return lambda body: [parse(item) for item in body.get("records", [])]


def _members(body: Any) -> list[Member]:
    """An array of members, or a v1 page of `membership` items."""
    items = body.get("data", []) if isinstance(body, dict) else body or []
    return [Member.from_wire(item) for item in items]


def _nothing(body: Any) -> None:
    return None


# --- v1 metrics ----------------------------------------------------------------------------


def metrics(page: int = 0, count: int = 50) -> Call[Page[Metric]]:
    request = Request("GET", "/api/v1/metrics", _params(page=page, count=count))
    return Call(request, lambda body: page_of(body, Metric.from_wire))


def all_metrics(count: int = 100) -> Paged[Metric]:
    return Paged(metrics(0, count).request, _data(Metric.from_wire), next_page)


def timeline(
    metric_id: str | None = None,
    *,
    person_id: str | None = None,
    since: int | str | None = None,
    count: int = 100,
    sort: str = "desc",
) -> Paged[Event]:
    """Events of every metric, of one metric, of one person, or of one person and metric."""
    if person_id is not None:
        path = f"/api/v1/person/{person_id}"
        path += f"/metric/{metric_id}/timeline" if metric_id else "/metrics/timeline"
    else:
        path = f"/api/v1/metric/{metric_id}/timeline" if metric_id else "/api/v1/metrics/timeline"
    request = Request("GET", path, _params(since=since, count=count, sort=sort))
    return Paged(request, _data(Event.from_wire), next_since)


class ExportOptions(TypedDict, total=False):
    """Parameters of a metric export (see the legacy spec): dates as `date`, `YYYY-MM-DD` or
    unix seconds; `measurement` is count, unique, value, sum or `["sum", "PROPERTY"]`;
    `where` one condition `[[property, "=", value]]`; `by` a property to group by."""

    start_date: date | str | int
    end_date: date | str | int
    unit: str
    measurement: str | list[str]
    where: list[list[str]]
    by: str
    count: int


def metric_export(metric_id: str, **options: Unpack[ExportOptions]) -> Call[MetricExport]:
    request = Request("GET", f"/api/v1/metric/{metric_id}/export", _params(**options))
    return Call(request, MetricExport.from_wire)


# --- v1 person -----------------------------------------------------------------------------


def person(person_id: str) -> Call[Person]:
    return Call(Request("GET", f"/api/v1/person/{person_id}"), Person.from_wire)


def update_person(
    person_id: str, properties: Mapping[str, Any], unset: Sequence[str] = ()
) -> Call[Person]:
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in properties.items()}
    params = tuple(values.items()) + (_params(**{"$unset": list(unset)}) if unset else ())
    return Call(Request("PUT", f"/api/v1/person/{person_id}", params), Person.from_wire)


# --- v2 lists and groups -------------------------------------------------------------------


def lists() -> Call[list[ListInfo]]:
    return Call(Request("GET", "/api/v2/lists"), lambda body: [ListInfo.from_wire(i) for i in body])


def create_list(name: str) -> Call[str]:
    request = Request("POST", "/api/v2/lists", json={"list_name": name}, idempotent=False)
    return Call(request, lambda body: str(body["list_id"]))


def get_list(list_id: str) -> Call[ListInfo]:
    return Call(
        Request("GET", f"/api/v2/list/{list_id}"),
        lambda body: ListInfo.from_wire(body, list_id),
    )


def rename_list(list_id: str, name: str) -> Call[None]:
    return Call(Request("PUT", f"/api/v2/list/{list_id}", json={"list_name": name}), _nothing)


def delete_list(list_id: str) -> Call[None]:
    return Call(Request("DELETE", f"/api/v2/list/{list_id}"), _nothing)


def add_members(
    list_id: str, profiles: Sequence[Mapping[str, Any]], *, subscribe: bool = False
) -> Call[list[Member]]:
    """`subscribe=True` honours the list's opt-in setting; otherwise members are added as is."""
    path = f"/api/v2/list/{list_id}/{'subscribe' if subscribe else 'members'}"
    return Call(Request("POST", path, json={"profiles": list(profiles)}), _members)


def check_members(
    list_id: str, emails: Sequence[str] = (), phone_numbers: Sequence[str] = ()
) -> Call[list[Member]]:
    params = _repeated("emails", emails) + _repeated("phone_numbers", phone_numbers)
    return Call(Request("GET", f"/api/v2/list/{list_id}/members", params), _members)


def remove_members(
    list_id: str,
    emails: Sequence[str] = (),
    phone_numbers: Sequence[str] = (),
    *,
    unsubscribe: bool = False,
) -> Call[None]:
    """`unsubscribe=True` also adds a list exclusion, as the legacy `subscribe` DELETE does."""
    path = f"/api/v2/list/{list_id}/{'subscribe' if unsubscribe else 'members'}"
    body = {"emails": list(emails), "phone_numbers": list(phone_numbers)}
    return Call(Request("DELETE", path, json=body), _nothing)


def group_members(group_id: str) -> Paged[Member]:
    """Every member of a list or a segment (v2 `members/all`, marker pagination)."""
    request = Request("GET", f"/api/v2/group/{group_id}/members/all")
    return Paged(request, _records(Member.from_wire), next_marker)


def list_exclusions(list_id: str) -> Paged[Exclusion]:
    request = Request("GET", f"/api/v2/list/{list_id}/exclusions/all")
    return Paged(request, _records(Exclusion.from_wire), next_marker)


def segment_members(segment_id: str, emails: Sequence[str]) -> Call[list[Member]]:
    """v1 check: which of these (at most 100) emails are in the segment."""
    request = Request(
        "GET", f"/api/v1/segment/{segment_id}/members", _params(email=",".join(emails))
    )
    return Call(request, _members)


# --- global exclusions, search, deletion ---------------------------------------------------


def exclusions(reason: str | None = None, sort: str = "asc", count: int = 500) -> Paged[Exclusion]:
    request = Request(
        "GET", "/api/v1/people/exclusions", _params(reason=reason, sort=sort, page=0, count=count)
    )
    return Paged(request, _data(Exclusion.from_wire), next_page)


def add_exclusion(email: str, timestamp: int | None = None) -> Call[None]:
    request = Request(
        "POST", "/api/v1/people/exclusions", _params(email=email, timestamp=timestamp)
    )
    return Call(request, _nothing)


def search(email: str) -> Call[str | None]:
    """The id of the profile with this email, or None when there is none."""
    request = Request("GET", "/api/v2/people/search", _params(email=email))
    return Call(request, lambda body: str(body["id"]), allow_missing=True)


def request_deletion(
    *, email: str | None = None, phone_number: str | None = None, person_id: str | None = None
) -> Call[str]:
    given = {
        k: v
        for k, v in (("email", email), ("phone_number", phone_number), ("person_id", person_id))
        if v is not None
    }
    if len(given) != 1:
        raise ValueError("give exactly one of email, phone_number or person_id")
    request = Request("POST", "/api/v2/data-privacy/deletion-request", json=given)
    return Call(request, lambda body: str(body))


# --- Track and Identify --------------------------------------------------------------------


def send_payload(kind: str, data: str) -> Call[bool]:
    """POST `/api/track` or `/api/identify` with the form field `data=<json>`; `1` is accepted."""
    request = Request("POST", f"/api/{kind}", form={"data": data})
    return Call(request, lambda body: body == 1)
