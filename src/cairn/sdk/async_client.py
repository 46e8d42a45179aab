"""The asyncio client: the same calls as `Client`, awaited.

Batching runs on a background thread (with its own connection pool), so queued payloads are
sent whether or not the caller's event loop is busy; `put` under the `"block"` policy waits in
a worker thread, never on the loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar, Unpack

import httpx

from cairn.sdk import rest
from cairn.sdk.batching import Batching
from cairn.sdk.client import Client, OnError
from cairn.sdk.errors import TransportFailed
from cairn.sdk.models import (
    Event,
    Exclusion,
    ListInfo,
    Member,
    Metric,
    MetricExport,
    Page,
    Person,
    SendResult,
)
from cairn.sdk.payloads import Outgoing, TrackOptions, Who, outgoing_identify, outgoing_track
from cairn.sdk.retry import RetryPolicy
from cairn.sdk.transport import (
    DEFAULT_BASE_URL,
    USER_AGENT,
    http_arguments,
    is_connect_error,
    outcome,
)

T = TypeVar("T")


class AsyncClient:
    def __init__(
        self,
        public_key: str | None = None,
        private_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        batching: Batching | None = None,
        on_error: OnError | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.public_key = public_key
        self.private_key = private_key
        self.retry = retry or RetryPolicy()
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            headers={"user-agent": USER_AGENT},
            transport=transport,
        )
        # The batching thread sends through a sync client of its own.
        self._queue: Client | None = None
        if batching is not None:
            self._queue = Client(
                public_key,
                private_key,
                base_url,
                timeout=timeout,
                retry=self.retry,
                batching=batching,
                on_error=on_error,
            )

    # --- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def flush(self, timeout: float | None = None) -> bool:
        if self._queue is None:
            return True
        return await asyncio.to_thread(self._queue.flush, timeout)

    async def aclose(self) -> None:
        if self._queue is not None:
            await asyncio.to_thread(self._queue.close)
        await self._http.aclose()

    @property
    def batching_client(self) -> Client | None:
        """The sync client whose thread sends queued payloads (None without batching)."""
        return self._queue

    # --- Track & Identify ----------------------------------------------------------------

    async def track(
        self,
        event: str,
        customer_properties: Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
        **options: Unpack[TrackOptions],
    ) -> SendResult:
        return await self._deliver(
            outgoing_track(self.public_key, event, customer_properties, properties, options)
        )

    async def identify(
        self, properties: Mapping[str, Any] | None = None, **who: Unpack[Who]
    ) -> SendResult:
        return await self._deliver(outgoing_identify(self.public_key, properties, who))

    async def _deliver(self, out: Outgoing) -> SendResult:
        if self._queue is not None and self._queue.batcher is not None:
            batcher = self._queue.batcher
            if batcher.settings.when_full == "block":
                await asyncio.to_thread(batcher.put, out)
            else:
                batcher.put(out)
            return SendResult(accepted=None, queued=True, event_id=out.event_id)
        call = rest.send_payload(out.kind, out.data)
        response, attempts = await self._send(call.request, private=False)
        return SendResult(
            outcome(call, response), False, out.event_id, attempts, response.status_code
        )

    # --- transport -----------------------------------------------------------------------

    async def _send(self, request: rest.Request, *, private: bool) -> tuple[httpx.Response, int]:
        arguments = http_arguments(request, self.private_key if private else None)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(**arguments)
            except httpx.TransportError as error:
                delay = self.retry.plan(
                    attempt,
                    idempotent=request.idempotent or is_connect_error(error),
                    network_error=True,
                )
                if delay is None:
                    raise TransportFailed(f"{request.method} {request.path}: {error}") from error
            else:
                delay = self.retry.plan(
                    attempt,
                    status=response.status_code,
                    retry_after=response.headers.get("retry-after"),
                    idempotent=request.idempotent,
                )
                if delay is None:
                    return response, attempt
                await response.aclose()
            await asyncio.sleep(delay)

    async def call(self, call: rest.Call[T]) -> T:
        response, _ = await self._send(call.request, private=True)
        return outcome(call, response)

    async def paginate(self, paged: rest.Paged[T]) -> AsyncIterator[T]:
        request: rest.Request | None = paged.first
        while request is not None:
            response, _ = await self._send(request, private=True)
            body = outcome(rest.Call(request, lambda body: body), response)
            for item in paged.items(body):
                yield item
            request = paged.next(request, body)

    # --- REST resources (see `Client` for what each does) ---------------------------------

    async def metrics(self, page: int = 0, count: int = 50) -> Page[Metric]:
        return await self.call(rest.metrics(page, count))

    def iter_metrics(self, count: int = 100) -> AsyncIterator[Metric]:
        return self.paginate(rest.all_metrics(count))

    def iter_timeline(
        self,
        metric_id: str | None = None,
        *,
        since: int | str | None = None,
        count: int = 100,
        sort: str = "desc",
    ) -> AsyncIterator[Event]:
        return self.paginate(rest.timeline(metric_id, since=since, count=count, sort=sort))

    async def metric_export(
        self, metric_id: str, **options: Unpack[rest.ExportOptions]
    ) -> MetricExport:
        return await self.call(rest.metric_export(metric_id, **options))

    async def person(self, person_id: str) -> Person:
        return await self.call(rest.person(person_id))

    async def update_person(
        self, person_id: str, properties: Mapping[str, Any], unset: Sequence[str] = ()
    ) -> Person:
        return await self.call(rest.update_person(person_id, properties, unset))

    def iter_person_timeline(
        self, person_id: str, metric_id: str | None = None, *, count: int = 100, sort: str = "desc"
    ) -> AsyncIterator[Event]:
        return self.paginate(rest.timeline(metric_id, person_id=person_id, count=count, sort=sort))

    async def lists(self) -> list[ListInfo]:
        return await self.call(rest.lists())

    async def create_list(self, name: str) -> str:
        return await self.call(rest.create_list(name))

    async def get_list(self, list_id: str) -> ListInfo:
        return await self.call(rest.get_list(list_id))

    async def rename_list(self, list_id: str, name: str) -> None:
        await self.call(rest.rename_list(list_id, name))

    async def delete_list(self, list_id: str) -> None:
        await self.call(rest.delete_list(list_id))

    async def add_members(
        self, list_id: str, profiles: Sequence[Mapping[str, Any]], *, subscribe: bool = False
    ) -> list[Member]:
        return await self.call(rest.add_members(list_id, profiles, subscribe=subscribe))

    async def check_members(
        self, list_id: str, emails: Sequence[str] = (), phone_numbers: Sequence[str] = ()
    ) -> list[Member]:
        return await self.call(rest.check_members(list_id, emails, phone_numbers))

    async def remove_members(
        self,
        list_id: str,
        emails: Sequence[str] = (),
        phone_numbers: Sequence[str] = (),
        *,
        unsubscribe: bool = False,
    ) -> None:
        await self.call(
            rest.remove_members(list_id, emails, phone_numbers, unsubscribe=unsubscribe)
        )

    def iter_group_members(self, group_id: str) -> AsyncIterator[Member]:
        return self.paginate(rest.group_members(group_id))

    def iter_list_exclusions(self, list_id: str) -> AsyncIterator[Exclusion]:
        return self.paginate(rest.list_exclusions(list_id))

    async def segment_members(self, segment_id: str, emails: Sequence[str]) -> list[Member]:
        return await self.call(rest.segment_members(segment_id, emails))

    def iter_exclusions(self, reason: str | None = None) -> AsyncIterator[Exclusion]:
        return self.paginate(rest.exclusions(reason))

    async def add_exclusion(self, email: str, timestamp: int | None = None) -> None:
        await self.call(rest.add_exclusion(email, timestamp))

    async def search(self, email: str) -> str | None:
        return await self.call(rest.search(email))

    async def request_deletion(
        self,
        *,
        email: str | None = None,
        phone_number: str | None = None,
        person_id: str | None = None,
    ) -> str:
        return await self.call(
            rest.request_deletion(email=email, phone_number=phone_number, person_id=person_id)
        )
