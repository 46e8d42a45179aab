"""Onsite HTTP: the tracker script, front-end form posts, and the demo shop page.

Form posts check their fields and append their event (a Track payload) to the durable inbox,
exactly as `/api/track` does; the worker applies it with the same rules. A list subscribe also
adds the profile to the list at once, through the list actions the REST API uses.
"""

from __future__ import annotations

import hashlib
import logging
import time
from importlib import resources
from typing import Any

import jinja2
import orjson
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from cairn.api import ids
from cairn.inbox.group_commit import GroupCommitter
from cairn.inbox.records import InboxRecord, Kind
from cairn.ingest.decode import Refused, check_shape
from cairn.ingest.partition import partition_of
from cairn.ingest.tokens import TokenCache
from cairn.lists.actions import do_add_profiles
from cairn.onsite.forms import Fields, FormError, ListSignup, check_back_in_stock, check_list_signup
from cairn.store import Store, StoreUnavailable
from cairn.store.records import Account

log = logging.getLogger(__name__)

SCRIPT_PATHS = ("/onsite/js/klaviyo.js", "/onsite/js/cairn.js", "/media/js/analytics/analytics.js")
FORM_MAX_BYTES = 64 * 1024
BUSY = "The server is busy; please try again."
UNKNOWN_KEY = "The public key (a) is unknown."
UNKNOWN_LIST = "The list (g) does not exist."

_CORS = Middleware(
    CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"]
)
_templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.PackageLoader("cairn.onsite", "templates"), autoescape=True
    )
)


class TrackerScript:
    """The minified tracker, read once; served with a content ETag so caches revalidate cheaply."""

    def __init__(self) -> None:
        self.body = resources.files("cairn.onsite").joinpath("static/klaviyo.js").read_bytes()
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'
        self.headers = {
            "ETag": self.etag,
            "Cache-Control": "public, max-age=300",
            "Access-Control-Allow-Origin": "*",
        }

    def is_fresh(self, request: Request) -> bool:
        tags = request.headers.get("if-none-match", "")
        return any(tag.strip().removeprefix("W/") in (self.etag, "*") for tag in tags.split(","))

    async def serve(self, request: Request) -> Response:
        if self.is_fresh(request):
            return Response(status_code=304, headers=self.headers)
        return Response(self.body, media_type="application/javascript", headers=self.headers)


async def read_fields(request: Request) -> dict[str, list[str]]:
    """Query string and form body (url-encoded or multipart) as one multi-dict; files ignored."""
    fields: dict[str, list[str]] = {}
    items = list(request.query_params.multi_items())
    if request.method == "POST":
        try:
            form = await request.form()
        except HTTPException as error:  # a malformed multipart body; a 413 passes on
            if error.status_code != 400:
                raise
            raise FormError("The form could not be read.") from error
        items += [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    for key, value in items:
        fields.setdefault(key, []).append(value)
    return fields


def form_error(message: str, status_code: int = 400, **extra: object) -> JSONResponse:
    return JSONResponse({"success": False, "errors": [message], **extra}, status_code)


def account_of(request: Request, public_key: str) -> int:
    tokens: TokenCache = request.app.state.tokens
    account_id = tokens.account_id(public_key)
    if account_id is None:
        raise FormError(UNKNOWN_KEY)
    return account_id


async def append_track(request: Request, account_id: int, payload: dict[str, Any]) -> None:
    """Append a Track payload to the inbox; returns once it is durable."""
    try:
        check_shape(payload)
    except Refused as refusal:
        raise FormError(f"The form has too many fields: {refusal.reason}.") from None
    committer: GroupCommitter = request.app.state.committer
    record = InboxRecord(
        Kind.TRACK,
        account_id,
        time.time(),
        partition_of(Kind.TRACK, payload),
        orjson.dumps(payload),
    )
    await committer.submit(record)


def _add_to_list(store: Store, tokens: TokenCache, signup: ListSignup) -> tuple[Account, float]:
    """Add the person to the list `g` (of the account `a`, when given); returns the list's
    account and when the person joined it."""
    if signup.public_key is not None and tokens.account_id(signup.public_key) is None:
        raise FormError(UNKNOWN_KEY)
    list_id = ids.decode("list", signup.list_id)
    with store.read() as queries:
        owner = queries.account_of_list(list_id) if list_id else None
    if owner is None or list_id is None or signup.public_key not in (None, owner.public_key):
        raise FormError(UNKNOWN_LIST)
    added = do_add_profiles(store, owner.id, list_id, [signup.profile()], True, time.time())
    if not added:
        raise FormError(UNKNOWN_LIST)
    return owner, added[0].joined_at


async def join_list(request: Request, signup: ListSignup) -> None:
    """The person joins the list now; "Subscribed to List" goes through the inbox."""
    store: Store = request.app.state.store
    owner, joined_at = await run_in_threadpool(
        _add_to_list, store, request.app.state.tokens, signup
    )
    await append_track(request, owner.id, signup.event(owner.public_key, joined_at))


def _contact_reply(contact: dict[str, str]) -> dict[str, str]:
    return {key.lstrip("$"): value for key, value in contact.items()}


async def list_subscribe(request: Request) -> JSONResponse:
    """/ajax/subscriptions/subscribe: an embedded sign-up form adds the person to list `g`."""
    try:
        signup = check_list_signup(await read_fields(request))
        await join_list(request, signup)
    except FormError as error:
        return form_error(error.message, data={})
    except StoreUnavailable as error:
        log.warning("list subscribe: store unavailable: %s", error)
        return form_error(BUSY, 503, data={})
    data = {"is_subscribed": True, **_contact_reply(signup.contact), "list_id": signup.list_id}
    return JSONResponse({"success": True, "errors": [], "data": data})


async def back_in_stock(request: Request) -> JSONResponse:
    """POST /onsite/components/back-in-stock/subscribe → "Subscribed to Back in Stock"."""
    try:
        fields: Fields = await read_fields(request)
        subscription = check_back_in_stock(fields)
        account_id = account_of(request, subscription.public_key)
        newsletter = subscription.newsletter_signup()
        if newsletter is not None:
            await join_list(request, newsletter)
        await append_track(request, account_id, subscription.event())
    except FormError as error:
        return form_error(error.message)
    except StoreUnavailable as error:
        log.warning("back in stock: store unavailable: %s", error)
        return form_error(BUSY, 503)
    return JSONResponse({"success": True, **_contact_reply(subscription.contact)})


async def demo_shop(request: Request) -> Response:
    """A shop page with the snippet and buttons that call it: `/demo/shop?company_id=KEY`."""
    return _templates.TemplateResponse(
        request, "shop.html", {"public_key": request.query_params.get("company_id", "")}
    )


def routes() -> list[Route]:
    script = TrackerScript()
    script_middleware = [Middleware(GZipMiddleware, minimum_size=500)]
    return [
        *(Route(path, script.serve, middleware=script_middleware) for path in SCRIPT_PATHS),
        Route(
            "/onsite/components/back-in-stock/subscribe",
            back_in_stock,
            methods=["POST", "OPTIONS"],
            middleware=[_CORS],
            max_body_size=FORM_MAX_BYTES,
        ),
        Route(
            "/ajax/subscriptions/subscribe",
            list_subscribe,
            methods=["GET", "POST", "OPTIONS"],
            middleware=[_CORS],
            max_body_size=FORM_MAX_BYTES,
        ),
        Route("/demo/shop", demo_shop),
    ]
