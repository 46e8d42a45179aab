"""The OpenAPI 3 document for every REST route, served at `/openapi.json`, and a plain HTML page
that lists it (`/api/docs`)."""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from cairn.api.lists import EXCLUSIONS_MAX_COUNT
from cairn.api.metrics import TIMELINE_MAX
from cairn.metrics.export import MAX_SEGMENTS

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def string(**extra: Any) -> Schema:
    return {"type": "string", **extra}


def integer(**extra: Any) -> Schema:
    return {"type": "integer", **extra}


def obj(properties: dict[str, Schema], required: tuple[str, ...] = (), **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


NULLABLE_STRING = string(nullable=True)
ID = string(minLength=7, maxLength=7, description="An opaque public id.")
STAMP = string(description="YYYY-MM-DD HH:MM:SS, UTC")
ISO = string(description="YYYY-MM-DDTHH:MM:SSZ")


def page_of(item: Schema) -> Schema:
    return obj(
        {
            "object": string(enum=["$list"]),
            "page": integer(),
            "start": integer(),
            "end": integer(description="Index of the last item (inclusive)."),
            "page_size": integer(),
            "total": integer(),
            "data": array(item),
        },
        ("object", "page", "start", "end", "page_size", "total", "data"),
    )


def marker_of(item: Schema) -> Schema:
    return obj(
        {"records": array(item), "marker": integer(description="Absent on the last page.")},
        ("records",),
    )


SCHEMAS: dict[str, Schema] = {
    "ErrorV1": obj({"status": integer(), "message": string()}, ("status", "message")),
    "ErrorV2": obj({"detail": string(), "message": string()}, ("detail", "message")),
    "Integration": obj(
        {"object": string(), "id": ID, "name": string(), "category": string()},
        ("object", "id", "name", "category"),
    ),
    "Metric": obj(
        {
            "object": string(enum=["metric"]),
            "id": ID,
            "name": string(),
            "created": STAMP,
            "updated": STAMP,
            "integration": ref("Integration"),
        },
        ("object", "id", "name", "created", "updated", "integration"),
    ),
    "Person": obj(
        {"object": string(enum=["person"]), "id": ID, "created": STAMP, "updated": STAMP},
        ("object", "id"),
        additionalProperties=True,
        description="`$` properties and custom properties appear as top-level keys.",
    ),
    "Event": obj(
        {
            "object": string(enum=["event"]),
            "id": ID,
            "uuid": ID,
            "statistic_id": ID,
            "event_name": string(),
            "timestamp": integer(),
            "datetime": string(),
            "event_properties": obj({}, additionalProperties=True),
            "person": ref("Person"),
        },
        (
            "object",
            "id",
            "uuid",
            "statistic_id",
            "event_name",
            "timestamp",
            "datetime",
            "event_properties",
            "person",
        ),
    ),
    "Timeline": obj(
        {
            "object": string(enum=["$list"]),
            "count": integer(),
            "data": array(ref("Event")),
            "next": string(nullable=True, description="Pass back as `since`; null at the end."),
        },
        ("object", "count", "data", "next"),
    ),
    "Export": obj(
        {
            "metric": ref("Metric"),
            "start_date": STAMP,
            "end_date": STAMP,
            "unit": string(enum=["day", "week", "month"]),
            "measurement": {"oneOf": [string(), array(string())]},
            "by": NULLABLE_STRING,
            "where": array(array({}), nullable=True),
            "results": array(
                obj(
                    {
                        "segment": string(),
                        "data": array(
                            obj(
                                {"date": STAMP, "values": array({"type": "number"})},
                                ("date", "values"),
                            )
                        ),
                    },
                    ("segment", "data"),
                )
            ),
        },
        ("metric", "start_date", "end_date", "unit", "measurement", "by", "where", "results"),
    ),
    "ListV1": obj(
        {
            "object": string(enum=["list"]),
            "id": ID,
            "name": string(),
            "list_type": string(),
            "folder": NULLABLE_STRING,
            "created": STAMP,
            "updated": STAMP,
            "person_count": integer(),
        },
        ("object", "id", "name", "list_type", "created", "updated", "person_count"),
    ),
    "ListSummary": obj({"list_id": ID, "list_name": string()}, ("list_id", "list_name")),
    "List": obj(
        {
            "list_id": ID,
            "list_name": string(),
            "folder_id": NULLABLE_STRING,
            "opt_in_process": string(),
            "created": STAMP,
            "updated": STAMP,
        },
        ("list_id", "list_name"),
    ),
    "Member": obj({"id": ID, "email": string(), "phone_number": string(), "created": ISO}, ("id",)),
    "ListExclusion": obj(
        {
            "id": ID,
            "email": string(),
            "phone_number": string(),
            "reason": string(),
            "phone_reason": string(),
            "created": ISO,
        },
        ("id", "reason"),
    ),
    "ExclusionV1": obj(
        {
            "object": string(enum=["exclusion"]),
            "email": NULLABLE_STRING,
            "reason": string(),
            "timestamp": STAMP,
        },
        ("object", "email", "reason", "timestamp"),
    ),
    "Membership": obj(
        {
            "object": string(enum=["membership"]),
            "email": NULLABLE_STRING,
            "date_added": STAMP,
            "person": obj(
                {"object": string(), "id": ID}, ("object", "id"), additionalProperties=True
            ),
        },
        ("object", "email", "date_added", "person"),
    ),
    "Rejection": obj(
        {
            "id": integer(),
            "kind": string(enum=["track", "identify"]),
            "reason": string(),
            "received": ISO,
            "rejected": ISO,
            "payload": string(description="The raw payload as received."),
        },
        ("id", "kind", "reason", "received", "rejected", "payload"),
    ),
    "Definition": obj(
        {},
        additionalProperties=True,
        description="A segment definition: a condition, or `and` / `or` groups of them "
        "(see docs/segments.md), e.g. "
        '`{"type": "property", "property": "Plan", "op": "equals", "value": "Gold"}`.',
    ),
    "SegmentSummary": obj(
        {"segment_id": ID, "segment_name": string()}, ("segment_id", "segment_name")
    ),
    "Segment": obj(
        {
            "segment_id": ID,
            "segment_name": string(),
            "definition": ref("Definition"),
            "member_count": integer(),
            "built": {
                "type": "boolean",
                "description": "False while the worker builds a new or edited definition.",
            },
            "created": STAMP,
            "updated": STAMP,
        },
        ("segment_id", "segment_name", "definition", "member_count", "built"),
    ),
    "Webhook": obj(
        {
            "webhook_id": ID,
            "url": string(),
            "metric": NULLABLE_STRING,
            "segment_id": string(nullable=True),
            "on": array(string(enum=["entry", "exit"]), nullable=True),
            "created": ISO,
            "secret": string(description="HMAC-SHA256 signing key; only in the create answer."),
        },
        ("webhook_id", "url", "metric", "segment_id", "on", "created"),
    ),
    "Delivery": obj(
        {
            "id": integer(),
            "topic": string(enum=["event", "segment.entered", "segment.exited"]),
            "status": string(enum=["pending", "delivered", "failed"]),
            "attempts": integer(),
            "created": ISO,
            "next_attempt": string(nullable=True),
            "last_attempt": string(nullable=True),
            "last_status": integer(nullable=True),
            "last_error": NULLABLE_STRING,
            "delivered": string(nullable=True),
        },
        ("id", "topic", "status", "attempts", "created"),
    ),
    "Attempt": obj(
        {
            "delivery_id": integer(),
            "at": ISO,
            "status": integer(nullable=True),
            "error": NULLABLE_STRING,
            "duration_ms": {"type": "number"},
        },
        ("delivery_id", "at", "status", "error", "duration_ms"),
    ),
    "ProfileInput": obj(
        {
            "email": string(),
            "phone_number": string(),
            "$consent": array(string()),
            "sms_consent": {"type": "boolean"},
        },
        additionalProperties=True,
        description="Needs email or phone_number; other keys become profile properties.",
    ),
}


def query(name: str, schema: Schema, description: str = "", required: bool = False) -> Schema:
    parameter: Schema = {"name": name, "in": "query", "schema": schema, "required": required}
    if description:
        parameter["description"] = description
    return parameter


def path(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": string(),
        "description": description,
    }


PAGE = [
    query("page", integer(minimum=0), "0-based page."),
    query("count", integer(minimum=1, maximum=100), "Page size (default 50)."),
]
TIMELINE = [
    query("since", string(), "Unix seconds, or the `next` token of the previous page."),
    query("count", integer(minimum=1, maximum=TIMELINE_MAX), "Default 50."),
    query("sort", string(enum=["desc", "asc"]), "Default desc (always desc without since)."),
]
IDENTIFIERS = [
    query("emails", array(string()), "Repeated, comma-separated, or a JSON array in the body."),
    query("phone_numbers", array(string())),
    query("push_tokens", array(string()), "Accepted; Cairn holds no push tokens."),
]
EXCLUSION_PAGE = [
    query("page", integer(minimum=0)),
    query("count", integer(minimum=1, maximum=EXCLUSIONS_MAX_COUNT)),
    query("sort", string(enum=["asc", "desc"])),
]
MARKER = [query("marker", integer(minimum=0), "From the previous page.")]
METRIC = path("metric_id", "A metric id.")
PERSON = path("person_id", "A person (profile) id.")
LIST = path("list_id", "A list id.")


def json_body(schema: Schema, required: bool = True) -> Schema:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def op(
    summary: str,
    ok: Schema | None,
    *,
    tag: str,
    v2: bool = False,
    parameters: list[Schema] | None = None,
    body: Schema | None = None,
    description: str = "",
) -> Schema:
    error = {"content": {"application/json": {"schema": ref("ErrorV2" if v2 else "ErrorV1")}}}
    responses: Schema = {
        "200": {"description": "Success (legacy routes answer 200 only)."},
        **{
            code: {"description": text, **error}
            for code, text in (
                ("400", "A parameter is missing or invalid."),
                ("403", "The private key is missing, unknown, or a public key."),
                ("404", "Not found (also: another account's object)."),
                ("413", "The body is larger than 1 MB."),
                ("503", "The store is unavailable; retry."),
            )
        },
        "429": {
            "description": "Rate limited.",
            "headers": {"Retry-After": {"required": True, "schema": integer()}},
            **error,
        },
    }
    if ok is not None:
        responses["200"]["content"] = {"application/json": {"schema": ok}}
    operation: Schema = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = body
    return operation


EXPORT_PARAMETERS = [
    METRIC,
    query("start_date", string(), "YYYY-MM-DD or unix seconds; needs end_date."),
    query("end_date", string(), "At most 31 days after start_date."),
    query("unit", string(enum=["day", "week", "month"])),
    query("measurement", string(), 'count, unique, value, sum, or ["sum","Property"] (JSON).'),
    query("where", string(), 'JSON: at most one ["property","=",value]; not with by.'),
    query("by", string(), "A property to segment by; not with where."),
    query("count", integer(minimum=1, maximum=MAX_SEGMENTS), "Most segments (default 25)."),
]


def membership_operations(check: str, add: str, remove: str) -> Schema:
    """GET (check identifiers), POST (add profiles), DELETE (remove identifiers)."""
    members = array(ref("Member"))
    profiles = json_body(obj({"profiles": array(ref("ProfileInput"), maxItems=100)}, ("profiles",)))
    by_identifiers = [LIST, *IDENTIFIERS]
    return {
        "get": op(check, members, tag="Lists", v2=True, parameters=by_identifiers),
        "post": op(add, members, tag="Lists", v2=True, parameters=[LIST], body=profiles),
        "delete": op(remove, None, tag="Lists", v2=True, parameters=by_identifiers),
    }


def _paths() -> dict[str, Schema]:
    lists_tag, people_tag, metrics_tag = "Lists", "People", "Metrics"
    name_body = json_body(obj({"list_name": string(minLength=1)}, ("list_name",)))
    members = array(ref("Member"))
    return {
        "/api/v1/metrics": {
            "get": op("List metrics", page_of(ref("Metric")), tag=metrics_tag, parameters=PAGE)
        },
        "/api/v1/metrics/timeline": {
            "get": op(
                "Events of all metrics", ref("Timeline"), tag=metrics_tag, parameters=TIMELINE
            )
        },
        "/api/v1/metric/{metric_id}/timeline": {
            "get": op(
                "Events of one metric",
                ref("Timeline"),
                tag=metrics_tag,
                parameters=[METRIC, *TIMELINE],
            )
        },
        "/api/v1/metric/{metric_id}/export": {
            "get": op(
                "Export a metric's values over time",
                ref("Export"),
                tag=metrics_tag,
                parameters=EXPORT_PARAMETERS,
                description="Counts, $value sums and unique profiles come from daily rollups; "
                "where, by and sums of other properties scan the range's events. Days are UTC.",
            )
        },
        "/api/v1/person/{person_id}": {
            "get": op("Get a person", ref("Person"), tag=people_tag, parameters=[PERSON]),
            "put": op(
                "Set or unset a person's properties",
                ref("Person"),
                tag=people_tag,
                parameters=[PERSON, query("$unset", string(), 'JSON list, e.g. ["Plan"].')],
                body={
                    "required": False,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": obj({}, additionalProperties=string())
                        }
                    },
                },
                description="Properties come as query or form parameters; values that parse "
                "as JSON numbers or booleans are stored as such.",
            ),
        },
        "/api/v1/person/{person_id}/metrics/timeline": {
            "get": op(
                "A person's events", ref("Timeline"), tag=people_tag, parameters=[PERSON, *TIMELINE]
            )
        },
        "/api/v1/person/{person_id}/metric/{metric_id}/timeline": {
            "get": op(
                "A person's events of one metric",
                ref("Timeline"),
                tag=people_tag,
                parameters=[PERSON, METRIC, *TIMELINE],
            )
        },
        "/api/v1/people/exclusions": {
            "get": op(
                "Global exclusions",
                page_of(ref("ExclusionV1")),
                tag=people_tag,
                parameters=[
                    query(
                        "reason",
                        string(
                            enum=[
                                "unsubscribed",
                                "bounced",
                                "invalid_email",
                                "reported_spam",
                                "manually_excluded",
                            ]
                        ),
                        "Without it: every reason.",
                    ),
                    *EXCLUSION_PAGE,
                ],
            ),
            "post": op(
                "Exclude an email address from everything",
                obj({"object": string(), "email": string()}, ("object", "email")),
                tag=people_tag,
                parameters=[
                    query("email", string(format="email"), required=True),
                    query("timestamp", integer(minimum=0), "Unix seconds."),
                ],
            ),
        },
        "/api/v1/lists": {
            "get": op("Lists (v1)", page_of(ref("ListV1")), tag=lists_tag, parameters=PAGE)
        },
        "/api/v1/list/{list_id}/exclusions": {
            "get": op(
                "A list's exclusions (v1)",
                page_of(ref("ExclusionV1")),
                tag=lists_tag,
                parameters=[LIST, *EXCLUSION_PAGE],
            )
        },
        "/api/v1/segment/{segment_id}/members": {
            "get": op(
                "Segment (or list) members",
                {"oneOf": [members, page_of(ref("Membership"))]},
                tag=lists_tag,
                parameters=[
                    path("segment_id", "A segment id (a list id works too)."),
                    query("email", string(), "Comma-separated, at most 100."),
                    *PAGE,
                ],
                description="With email: the members among them. Without: all members, paged.",
            )
        },
        "/api/v1/campaigns": {
            "get": op(
                "Campaigns: always empty (Cairn sends no email)",
                page_of(obj({})),
                tag="Campaigns",
                parameters=PAGE,
            )
        },
        "/api/v1/campaign/{campaign_id}": {
            "get": op(
                "A campaign: always 404",
                obj({}),
                tag="Campaigns",
                parameters=[path("campaign_id", "A campaign id.")],
            )
        },
        "/api/v1/campaign/{campaign_id}/recipients": {
            "get": op(
                "Campaign recipients: always 404",
                obj({}),
                tag="Campaigns",
                parameters=[path("campaign_id", "A campaign id.")],
            )
        },
        "/api/v2/lists": {
            "get": op("All lists", array(ref("ListSummary")), tag=lists_tag, v2=True),
            "post": op(
                "Create a list",
                obj({"list_id": ID}, ("list_id",)),
                tag=lists_tag,
                v2=True,
                body=name_body,
            ),
        },
        "/api/v2/list/{list_id}": {
            "get": op("Get a list", ref("List"), tag=lists_tag, v2=True, parameters=[LIST]),
            "put": op(
                "Rename a list (empty body)",
                None,
                tag=lists_tag,
                v2=True,
                parameters=[LIST],
                body=name_body,
            ),
            "delete": op(
                "Delete a list (empty body)", None, tag=lists_tag, v2=True, parameters=[LIST]
            ),
        },
        "/api/v2/list/{list_id}/subscribe": membership_operations(
            "Which are subscribed (and not suppressed)",
            "Subscribe profiles (single opt-in)",
            "Unsubscribe (adds a list exclusion; empty body)",
        ),
        "/api/v2/list/{list_id}/members": membership_operations(
            "Which are members", "Add members", "Remove members (empty body)"
        ),
        "/api/v2/list/{list_id}/exclusions/all": {
            "get": op(
                "All of a list's exclusions",
                marker_of(ref("ListExclusion")),
                tag=lists_tag,
                v2=True,
                parameters=[LIST, *MARKER],
            )
        },
        "/api/v2/group/{group_id}/members/all": {
            "get": op(
                "All members of a list or segment",
                marker_of(ref("Member")),
                tag=lists_tag,
                v2=True,
                parameters=[path("group_id", "A list id or a segment id."), *MARKER],
            )
        },
        "/api/v2/people/search": {
            "get": op(
                "Find a profile id by email",
                obj({"id": ID}, ("id",)),
                tag=people_tag,
                v2=True,
                parameters=[query("email", string(format="email"), required=True)],
            )
        },
        "/api/v2/data-privacy/deletion-request": {
            "post": op(
                "Delete a person and their data",
                string(),
                tag=people_tag,
                v2=True,
                body=json_body(
                    obj({"email": string(), "phone_number": string(), "person_id": string()})
                ),
                description="Exactly one of email, phone_number, person_id. Purges the profile, "
                "its events, rollup share and memberships at once; the request is recorded.",
            )
        },
        "/api/v2/rejected": {
            "get": op(
                "Payloads the pipeline refused (Cairn's own route)",
                marker_of(ref("Rejection")),
                tag="Cairn",
                v2=True,
                parameters=MARKER,
            )
        },
        **_segment_paths(),
        **_webhook_paths(),
    }


SEGMENT = path("segment_id", "A segment id.")
WEBHOOK = path("webhook_id", "A webhook id.")


def _segment_paths() -> dict[str, Schema]:
    tag = "Segments"
    definition = {
        "segment_name": string(minLength=1, maxLength=255),
        "definition": ref("Definition"),
    }
    return {
        "/api/v2/segments": {
            "get": op("All segments", array(ref("SegmentSummary")), tag=tag, v2=True),
            "post": op(
                "Create a segment",
                obj({"segment_id": ID}, ("segment_id",)),
                tag=tag,
                v2=True,
                body=json_body(obj(definition, ("segment_name", "definition"))),
                description="The worker builds its membership (`built` turns true); from then "
                "on the pipeline keeps it live. A bad definition answers 400 saying where.",
            ),
        },
        "/api/v2/segment/{segment_id}": {
            "get": op("Get a segment", ref("Segment"), tag=tag, v2=True, parameters=[SEGMENT]),
            "put": op(
                "Rename and/or redefine a segment (empty body)",
                None,
                tag=tag,
                v2=True,
                parameters=[SEGMENT],
                body=json_body(obj(definition)),
                description="A new definition is rebuilt by the worker.",
            ),
            "delete": op(
                "Delete a segment, its members and webhooks (empty body)",
                None,
                tag=tag,
                v2=True,
                parameters=[SEGMENT],
            ),
        },
    }


def _webhook_paths() -> dict[str, Schema]:
    tag = "Webhooks"
    status = obj(
        {
            "deliveries": obj(
                {"pending": integer(), "delivered": integer(), "failed": integer()},
                ("pending", "delivered", "failed"),
            ),
            "recent_deliveries": array(ref("Delivery")),
            "recent_attempts": array(ref("Attempt")),
        },
        ("deliveries", "recent_deliveries", "recent_attempts"),
    )
    return {
        "/api/v2/webhooks": {
            "get": op("All webhooks", array(ref("Webhook")), tag=tag, v2=True),
            "post": op(
                "Register a webhook",
                ref("Webhook"),
                tag=tag,
                v2=True,
                body=json_body(
                    obj(
                        {
                            "url": string(format="uri"),
                            "metric": string(description="Every new event of this metric."),
                            "segment_id": string(description="Entries/exits of this segment."),
                            "on": array(string(enum=["entry", "exit"]), minItems=1),
                        },
                        ("url",),
                    )
                ),
                description="Exactly one of metric or segment_id. Deliveries are POSTs signed "
                "with `X-Cairn-Signature: sha256=HMAC(secret, body)`, retried with exponential "
                "backoff; see docs/segments.md.",
            ),
        },
        "/api/v2/webhook/{webhook_id}": {
            "get": op(
                "A webhook and its delivery status",
                {"allOf": [ref("Webhook"), status]},
                tag=tag,
                v2=True,
                parameters=[WEBHOOK],
            ),
            "delete": op(
                "Delete a webhook and its deliveries (empty body)",
                None,
                tag=tag,
                v2=True,
                parameters=[WEBHOOK],
            ),
        },
    }


@cache
def document() -> Schema:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Cairn REST API",
            "version": "1",
            "description": "Klaviyo-compatible legacy v1/v2 REST API. Authenticate with a "
            "private key as `api_key` (query, form or JSON body) or the `api-key` header.",
        },
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
                "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "api-key"},
            },
        },
        "security": [{"ApiKeyQuery": []}, {"ApiKeyHeader": []}],
    }


async def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(document())


async def docs_page(request: Request) -> HTMLResponse:
    rows = []
    for route, operations in document()["paths"].items():
        for method, operation in operations.items():
            parameters = ", ".join(p["name"] for p in operation.get("parameters", []))
            rows.append(
                f"<tr><td>{method.upper()}</td><td><code>{html.escape(route)}</code></td>"
                f"<td>{html.escape(operation['summary'])}</td>"
                f"<td>{html.escape(parameters)}</td></tr>"
            )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Cairn REST API</title>"
        "<style>body{font-family:sans-serif;margin:2em}td{padding:.2em .6em;"
        "border-bottom:1px solid #ddd;vertical-align:top}</style></head><body>"
        "<h1>Cairn REST API</h1><p>Machine-readable: <a href='/openapi.json'>/openapi.json</a>."
        " Authenticate with <code>api_key</code> or the <code>api-key</code> header.</p>"
        "<table><tr><th>Method</th><th>Path</th><th>What</th><th>Parameters</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
    return HTMLResponse(page)
