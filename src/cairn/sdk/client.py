"""The synchronous client: Track & Identify (direct or batched) and the REST resources."""

from __future__ import annotations

import atexit
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar, Unpack

import httpx

from cairn.sdk import rest
from cairn.sdk.batching import Batcher, Batching
from cairn.sdk.errors import CairnError, Refused, TransportFailed
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
OnError = Callable[[Outgoing, BaseException], None]


class Client:
    """A Cairn (or legacy-compatible) server.

    `public_key` sends Track & Identify; `private_key` reads and writes through REST.
    With `batching=Batching(...)`, `track` and `identify` only queue their payload and a
    background thread sends it (see `cairn.sdk.batching`); call `flush()` or `close()`, or use
    the client as a context manager; the queue is also flushed at interpreter exit."""

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
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.public_key = public_key
        self.private_key = private_key
        self.retry = retry or RetryPolicy()
        self._sleep = time.sleep
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            headers={"user-agent": USER_AGENT},
            transport=transport,
        )
        self._batcher: Batcher[Outgoing] | None = None
        if batching is not None:
            self._batcher = Batcher(self._send_queued, batching, on_error=on_error)
            atexit.register(self.close)

    # --- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def flush(self, timeout: float | None = None) -> bool:
        """Send every queued payload; False if `timeout` passed first (no-op without batching)."""
        return self._batcher.flush(timeout) if self._batcher is not None else True

    def close(self) -> None:
        """Send what is queued, stop the batching thread and close connections."""
        if self._batcher is not None:
            self._batcher.close()
            atexit.unregister(self.close)
        self._http.close()

    @property
    def batcher(self) -> Batcher[Outgoing] | None:
        return self._batcher

    # --- Track & Identify ----------------------------------------------------------------

    def track(
        self,
        event: str,
        customer_properties: Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
        **options: Unpack[TrackOptions],
    ) -> SendResult:
        """Track `event` for the person `customer_properties` (or `email=`, `phone_number=`,
        `external_id=`) identifies; `time=` and `track_once=` as in `TrackOptions`."""
        return self._deliver(
            outgoing_track(self.public_key, event, customer_properties, properties, options)
        )

    def identify(
        self, properties: Mapping[str, Any] | None = None, **who: Unpack[Who]
    ) -> SendResult:
        return self._deliver(outgoing_identify(self.public_key, properties, who))

    def _deliver(self, out: Outgoing) -> SendResult:
        if self._batcher is not None:
            self._batcher.put(out)
            return SendResult(accepted=None, queued=True, event_id=out.event_id)
        call = rest.send_payload(out.kind, out.data)
        response, attempts = self._send(call.request, private=False)
        return SendResult(
            outcome(call, response), False, out.event_id, attempts, response.status_code
        )

    def _send_queued(self, batch: Sequence[Outgoing]) -> list[tuple[Outgoing, BaseException]]:
        failures: list[tuple[Outgoing, BaseException]] = []
        for item in batch:
            try:
                call = rest.send_payload(item.kind, item.data)
                response, _ = self._send(call.request, private=False)
                if not outcome(call, response):
                    raise Refused(f"the server refused a {item.kind} payload (answered 0)")
            except CairnError as error:
                failures.append((item, error))
        return failures

    # --- transport -----------------------------------------------------------------------

    def _send(self, request: rest.Request, *, private: bool) -> tuple[httpx.Response, int]:
        """Send with retries; returns the final answer and how many attempts it took."""
        arguments = http_arguments(request, self.private_key if private else None)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(**arguments)
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
                response.close()
            self._sleep(delay)

    def call(self, call: rest.Call[T]) -> T:
        """Run any `cairn.sdk.rest` call with the private key."""
        response, _ = self._send(call.request, private=True)
        return outcome(call, response)

    def paginate(self, paged: rest.Paged[T]) -> Iterator[T]:
        """Every item of a paginated walk, fetching pages as the iteration needs them."""
        request: rest.Request | None = paged.first
        while request is not None:
            response, _ = self._send(request, private=True)
            body = outcome(rest.Call(request, lambda body: body), response)
            yield from paged.items(body)
            request = paged.next(request, body)

    # --- REST resources ------------------------------------------------------------------

    def metrics(self, page: int = 0, count: int = 50) -> Page[Metric]:
        return self.call(rest.metrics(page, count))

    def iter_metrics(self, count: int = 100) -> Iterator[Metric]:
        return self.paginate(rest.all_metrics(count))

    def iter_timeline(
        self,
        metric_id: str | None = None,
        *,
        since: int | str | None = None,
        count: int = 100,
        sort: str = "desc",
    ) -> Iterator[Event]:
        return self.paginate(rest.timeline(metric_id, since=since, count=count, sort=sort))

    def metric_export(self, metric_id: str, **options: Unpack[rest.ExportOptions]) -> MetricExport:
        return self.call(rest.metric_export(metric_id, **options))

    def person(self, person_id: str) -> Person:
        return self.call(rest.person(person_id))

    def update_person(
        self, person_id: str, properties: Mapping[str, Any], unset: Sequence[str] = ()
    ) -> Person:
        return self.call(rest.update_person(person_id, properties, unset))

    def iter_person_timeline(
        self, person_id: str, metric_id: str | None = None, *, count: int = 100, sort: str = "desc"
    ) -> Iterator[Event]:
        return self.paginate(rest.timeline(metric_id, person_id=person_id, count=count, sort=sort))

    def lists(self) -> list[ListInfo]:
        return self.call(rest.lists())

    def create_list(self, name: str) -> str:
        return self.call(rest.create_list(name))

    def get_list(self, list_id: str) -> ListInfo:
        return self.call(rest.get_list(list_id))

    def rename_list(self, list_id: str, name: str) -> None:
        self.call(rest.rename_list(list_id, name))

    def delete_list(self, list_id: str) -> None:
        self.call(rest.delete_list(list_id))

    def add_members(
        self, list_id: str, profiles: Sequence[Mapping[str, Any]], *, subscribe: bool = False
    ) -> list[Member]:
        return self.call(rest.add_members(list_id, profiles, subscribe=subscribe))

    def check_members(
        self, list_id: str, emails: Sequence[str] = (), phone_numbers: Sequence[str] = ()
    ) -> list[Member]:
        return self.call(rest.check_members(list_id, emails, phone_numbers))

    def remove_members(
        self,
        list_id: str,
        emails: Sequence[str] = (),
        phone_numbers: Sequence[str] = (),
        *,
        unsubscribe: bool = False,
    ) -> None:
        self.call(rest.remove_members(list_id, emails, phone_numbers, unsubscribe=unsubscribe))

    def iter_group_members(self, group_id: str) -> Iterator[Member]:
        return self.paginate(rest.group_members(group_id))

    def iter_list_exclusions(self, list_id: str) -> Iterator[Exclusion]:
        return self.paginate(rest.list_exclusions(list_id))

    def segment_members(self, segment_id: str, emails: Sequence[str]) -> list[Member]:
        return self.call(rest.segment_members(segment_id, emails))

    def iter_exclusions(self, reason: str | None = None) -> Iterator[Exclusion]:
        return self.paginate(rest.exclusions(reason))

    def add_exclusion(self, email: str, timestamp: int | None = None) -> None:
        self.call(rest.add_exclusion(email, timestamp))

    def search(self, email: str) -> str | None:
        return self.call(rest.search(email))

    def request_deletion(
        self,
        *,
        email: str | None = None,
        phone_number: str | None = None,
        person_id: str | None = None,
    ) -> str:
        return self.call(
            rest.request_deletion(email=email, phone_number=phone_number, person_id=person_id)
        )
