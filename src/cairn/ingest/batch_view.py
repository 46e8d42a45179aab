"""`POST /api/track/batch` and `/api/identify/batch`: many payloads, one durable commit.

Each payload is judged by the same rules as a single Track/Identify; the valid ones, and the
refused ones whose token is known (kept among the account's rejected, never applied), are
committed together before the answer: `{"accepted": N, "rejected": [{"index", "reason"}]}`.
A body that cannot be read as a batch gets 400, an inbox that cannot commit 503, both as JSON
with a `message`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from cairn.api.ratelimit import TokenBuckets
from cairn.inbox.group_commit import GroupCommitter
from cairn.inbox.records import InboxRecord, Kind
from cairn.ingest.batch import MAX_BATCH_BYTES, Item, Malformed, split_batch
from cairn.ingest.body import read_body
from cairn.ingest.decode import Refused, check_payload, token_of
from cairn.ingest.headers import JSON_HEADERS, Headers
from cairn.ingest.partition import partition_of
from cairn.ingest.tokens import TokenCache
from cairn.store import StoreUnavailable

log = logging.getLogger(__name__)

BATCH_PATHS: dict[str, Kind] = {
    "/api/track/batch": Kind.TRACK,
    "/api/identify/batch": Kind.IDENTIFY,
}


class _Judged:
    """What becomes of a batch's items: records to commit, and refusals to report."""

    __slots__ = ("accepted", "records", "rejected")

    def __init__(self) -> None:
        self.records: list[InboxRecord] = []
        self.accepted = 0
        self.rejected: list[dict[str, Any]] = []


class BatchIngest:
    def __init__(
        self,
        committer: GroupCommitter,
        tokens: TokenCache,
        limiter: TokenBuckets | None,
        refusals: Counter[str],
    ) -> None:
        self.committer = committer
        self.tokens = tokens
        self.limiter = limiter  # one take per public key per batch
        self.refusals = refusals

    async def __call__(self, kind: Kind, scope: Scope, receive: Receive, send: Send) -> None:
        status, answer = await self._handle(kind, scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": JSON_HEADERS})
        await send({"type": "http.response.body", "body": orjson.dumps(answer)})

    async def _handle(self, kind: Kind, scope: Scope, receive: Receive) -> tuple[int, object]:
        if scope["method"] != "POST":
            return 405, {"message": "a batch is sent with POST"}
        headers = Headers(scope)
        try:
            body = await read_body(
                receive, headers.content_encoding, MAX_BATCH_BYTES, "the batch is over 5 MB"
            )
            items = split_batch(body, headers.content_type)
        except (Refused, Malformed) as error:
            message = error.reason if isinstance(error, Refused) else error.message
            self.refusals[f"batch: {message}"] += 1
            return 400, {"message": message}
        try:
            judged = self._judge(kind, items)
            if judged.records:
                await self.committer.submit_many(judged.records)
        except StoreUnavailable as error:
            log.warning("inbox unavailable, answering 503 to a batch: %s", error)
            self.refusals["inbox unavailable"] += 1
            return 503, {"message": "the inbox is unavailable; nothing was accepted, retry"}
        if judged.rejected:
            log.warning(
                "refused %d of %d payloads in a %s batch",
                len(judged.rejected),
                len(items),
                kind.value,
                extra={"kind": kind.value, "refused": len(judged.rejected)},
            )
        return 200, {"accepted": judged.accepted, "rejected": judged.rejected}

    def _allowed(self, token: str, decided: dict[str, bool]) -> bool:
        """Whether the limiter lets `token` through, asked once per batch."""
        assert self.limiter is not None
        if token not in decided:
            decided[token] = self.limiter.take(token).allowed
        return decided[token]

    def _judge(self, kind: Kind, items: list[Item]) -> _Judged:
        judged = _Judged()
        allowed: dict[str, bool] = {}
        now = time.time()
        for index, item in enumerate(items):
            account_id: int | None = None
            try:
                if item.payload is None:
                    raise Refused(item.refused or "payload is unreadable")
                token = token_of(item.payload)
                account_id = self.tokens.account_id(token)
                if account_id is None:
                    raise Refused("token is unknown")
                if self.limiter is not None and not self._allowed(token, allowed):
                    account_id = None  # like a single request: refused, not kept
                    raise Refused("rate limited")
                check_payload(kind, item.payload, item.raw)
                partition = partition_of(kind, item.payload)
                judged.records.append(InboxRecord(kind, account_id, now, partition, item.raw))
                judged.accepted += 1
            except Refused as refusal:
                self.refusals[refusal.reason] += 1
                judged.rejected.append({"index": index, "reason": refusal.reason})
                if account_id is not None:
                    judged.records.append(
                        InboxRecord(kind, account_id, now, 0, item.raw, refusal.reason)
                    )
        return judged
