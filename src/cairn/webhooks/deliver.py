"""Sends queued webhook deliveries: signed POSTs, retried with exponential backoff.

Runs in the worker process, beside the pipeline. Deliveries are read only once committed, so a
webhook never fires for a change that was rolled back. A claim leases the delivery; if the
process dies mid-send the lease runs out and it is sent again (receivers dedupe on the
`X-Cairn-Delivery` id).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from cairn.store import Store, StoreUnavailable
from cairn.store.webhook_queries import DeliveryJob, WebhookQueries
from cairn.webhooks.schedule import Backoff
from cairn.webhooks.signing import SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)

DELIVERY_HEADER = "X-Cairn-Delivery"
ATTEMPT_HEADER = "X-Cairn-Attempt"
USER_AGENT = "Cairn-Webhooks/1"
DEFAULT_BACKOFF = Backoff()


@dataclass(frozen=True)
class Attempt:
    job: DeliveryJob
    at: float
    status: int | None
    error: str | None
    duration_ms: float

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Deliverer:
    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        backoff: Backoff = DEFAULT_BACKOFF,
        timeout: float = 10.0,
        batch_size: int = 32,
        lease: float = 120.0,
        idle_sleep: float = 0.1,
    ) -> None:
        self.store = store
        self.clock = clock
        self.backoff = backoff
        self.batch_size = batch_size
        self.lease = lease
        self.idle_sleep = idle_sleep
        self.client = httpx.Client(
            timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="webhook")

    def run_once(self) -> int:
        """Send the deliveries due now; returns how many were attempted."""
        now = self.clock()
        with self.store.transaction() as queries:
            jobs = WebhookQueries(queries).claim_due(now, now + self.lease, self.batch_size)
        if not jobs:
            return 0
        attempts = list(self.pool.map(self._send, jobs))
        with self.store.transaction() as queries:
            webhooks = WebhookQueries(queries)
            for attempt in attempts:
                outcome, next_at = self._outcome(attempt)
                webhooks.record_attempt(
                    attempt.job,
                    attempt.at,
                    attempt.status,
                    attempt.error,
                    attempt.duration_ms,
                    outcome,
                    next_at,
                )
        return len(jobs)

    def _outcome(self, attempt: Attempt) -> tuple[str, float]:
        if attempt.succeeded:
            return "delivered", attempt.at
        delay = self.backoff.delay(attempt.job.attempts + 1)
        if delay is None:
            return "failed", attempt.at
        return "pending", attempt.at + delay

    def _send(self, job: DeliveryJob) -> Attempt:
        body = job.body.encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(job.secret, body),
            DELIVERY_HEADER: str(job.id),
            ATTEMPT_HEADER: str(job.attempts + 1),
        }
        at = self.clock()
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = self.client.post(job.url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}: {response.text[:200]}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        return Attempt(job, at, status, error, (time.perf_counter() - started) * 1000)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                sent = self.run_once()
            except StoreUnavailable as error:
                log.warning("store unavailable for webhook deliveries (%s)", error)
                sent = 0
            except Exception:
                log.exception("webhook delivery round failed")
                sent = 0
            if not sent:
                stop.wait(self.idle_sleep)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()
