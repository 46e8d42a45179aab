"""Track & Identify over HTTP: decode, check, append durably, answer `1` — nothing more.

A raw ASGI app in front of the rest of Cairn, so the hot path pays for no routing or request
objects. Every other path is passed on to `fallback`.
"""

from __future__ import annotations

import base64
import logging
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from cairn.api.ratelimit import TokenBuckets
from cairn.inbox.group_commit import GroupCommitter
from cairn.inbox.records import InboxRecord, Kind
from cairn.ingest.batch_view import BATCH_PATHS, BatchIngest
from cairn.ingest.body import read_body
from cairn.ingest.decode import (
    MAX_PAYLOAD_BYTES,
    Refused,
    check_payload,
    decode_data,
    token_of,
)
from cairn.ingest.form import form_pairs
from cairn.ingest.headers import PIXEL_HEADERS, TEXT_HEADERS, Headers
from cairn.ingest.partition import partition_of
from cairn.ingest.tokens import TokenCache
from cairn.ops.histogram import LatencyHistogram
from cairn.ops.requests import log_request
from cairn.store import StoreUnavailable

log = logging.getLogger(__name__)

PATHS: dict[str, Kind] = {"/api/track": Kind.TRACK, "/api/identify": Kind.IDENTIFY}
# Keys of `IngestApp.answers`, made once: (kind, accepted) → "track:1".
_ANSWER_KEYS = {(kind, ok): f"{kind.value}:{int(ok)}" for kind in Kind for ok in (False, True)}
# Base64 or percent-encoding of a 1 MB payload, plus room for the other form fields.
MAX_BODY_BYTES = MAX_PAYLOAD_BYTES * 3 + 4096
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


class _Params:
    """The request fields ingest reads: `data`, `i` and `test`, from query string and form."""

    __slots__ = ("data", "pixel", "test")

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.pixel = False
        self.test = False

    def read_pairs(self, pairs: Iterable[tuple[bytes, bytes]]) -> None:
        for key, value in pairs:
            if key == b"data":
                self.data = value
            elif key == b"i":
                self.pixel = value == b"1"
            elif key == b"test":
                self.test = value in (b"1", b"true")


class IngestApp:
    def __init__(
        self,
        committer: GroupCommitter,
        tokens: TokenCache,
        fallback: ASGIApp,
        limiter: TokenBuckets | None = None,
    ) -> None:
        self.committer = committer
        self.tokens = tokens
        self.fallback = fallback
        self.limiter = limiter  # per public key; over the limit: HTTP 429, body 0
        self.answers: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        self.latency = LatencyHistogram()
        self.log_each = False  # one debug line per request
        self.batch = BatchIngest(committer, tokens, limiter, self.refusals)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = PATHS.get(scope["path"]) if scope["type"] == "http" else None
        if kind is None:
            batch_kind = BATCH_PATHS.get(scope["path"]) if scope["type"] == "http" else None
            if batch_kind is not None:
                await self.batch(batch_kind, scope, receive, send)
            else:
                await self.fallback(scope, receive, send)
            return
        started = time.perf_counter()
        params = _Params()
        if scope["query_string"]:
            params.read_pairs(form_pairs(scope["query_string"]))
        status, accepted = await self._handle(kind, scope, receive, params)
        self.answers[_ANSWER_KEYS[kind, accepted]] += 1
        body, headers = (
            (PIXEL, PIXEL_HEADERS) if params.pixel else (b"1" if accepted else b"0", TEXT_HEADERS)
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        elapsed = time.perf_counter() - started
        self.latency.observe(elapsed)
        if self.log_each:
            log_request(scope, status, elapsed)

    async def _handle(
        self, kind: Kind, scope: Scope, receive: Receive, params: _Params
    ) -> tuple[int, bool]:
        """Returns (HTTP status, accepted)."""
        account_id: int | None = None
        raw = b""
        try:
            if scope["method"] == "POST":
                await self._read_post(scope, receive, params)
            elif scope["method"] not in ("GET", "HEAD"):
                raise Refused("method is not GET or POST")
            if params.data is None:
                raise Refused("data is missing")
            raw, payload = decode_data(params.data)
            token = token_of(payload)
            account_id = self.tokens.account_id(token)
            if account_id is None:
                raise Refused("token is unknown")
            if self.limiter is not None and not self.limiter.take(token).allowed:
                self.refusals["rate limited"] += 1
                return 429, False
            check_payload(kind, payload, raw)
            if params.test:
                return 200, True
            record = InboxRecord(kind, account_id, time.time(), partition_of(kind, payload), raw)
            await self.committer.submit(record)
            return 200, True
        except Refused as refusal:
            self.refusals[refusal.reason] += 1
            log.warning(
                "refused a %s payload: %s",
                kind.value,
                refusal.reason,
                extra={"kind": kind.value, "reason": refusal.reason, "account_id": account_id},
            )
            if account_id is not None and not params.test:
                await self._keep_refused(
                    InboxRecord(kind, account_id, time.time(), 0, raw, refusal.reason)
                )
            return 200, False
        except StoreUnavailable as error:
            log.warning("inbox unavailable, answering 503: %s", error)
            self.refusals["inbox unavailable"] += 1
            return 503, False

    async def _keep_refused(self, record: InboxRecord) -> None:
        """Queue a refused payload of a known account, so its owner sees it among the rejected.
        The answer stays `0` either way."""
        try:
            await self.committer.submit(record)
        except StoreUnavailable as error:
            log.warning("could not keep a refused payload: %s", error)

    async def _read_post(self, scope: Scope, receive: Receive, params: _Params) -> None:
        headers = Headers(scope)
        body = await read_body(
            receive, headers.content_encoding, MAX_BODY_BYTES, "payload is over 1 MB"
        )
        content_type = headers.content_type
        if content_type.startswith("application/json"):
            params.data = body
        elif content_type.startswith("multipart/form-data"):
            params.read_pairs(await _multipart_pairs(scope, body))
        else:
            params.read_pairs(form_pairs(body))


async def _multipart_pairs(scope: Scope, body: bytes) -> list[tuple[bytes, bytes]]:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        async with Request(scope, replay).form(max_part_size=MAX_BODY_BYTES) as form:
            return [
                (key.encode("utf-8", "surrogateescape"), value.encode("utf-8", "surrogateescape"))
                for key, value in form.multi_items()
                if isinstance(value, str)
            ]
    except Exception as error:
        raise Refused("multipart body is malformed") from error
