"""Background batching: a bounded queue that a thread drains by size or by time.

`put` never does I/O. The thread takes up to `max_batch` items as soon as that many wait, or
whatever waits once the oldest has waited `interval` seconds, and hands them to `send`, which
returns the items it could not send.
`flush` returns when everything queued before it has been sent (or dropped, or failed);
`close` flushes and stops the thread. What happens when the queue is full is `when_full`:

- `"block"` (default): `put` waits for room (at most `block_timeout` seconds, then QueueFull);
- `"raise"`: `put` raises QueueFull at once, the new item is not queued;
- `"drop_oldest"`: the oldest waiting item is discarded to make room (counted in `dropped`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from cairn.sdk.errors import ClientClosed, QueueFull

log = logging.getLogger("cairn.sdk")

T = TypeVar("T")
WhenFull = Literal["block", "raise", "drop_oldest"]
WHEN_FULL: tuple[WhenFull, ...] = ("block", "raise", "drop_oldest")


@dataclass(frozen=True)
class Batching:
    """Settings of the batching mode. Items that cannot be sent (after retries) are counted in
    `failed`, logged on the `cairn.sdk` logger and passed to the client's `on_error` callback
    when it has one; they never stop the thread."""

    max_batch: int = 500
    interval: float = 1.0
    max_queue: int = 10_000
    when_full: WhenFull = "block"
    block_timeout: float | None = None

    def __post_init__(self) -> None:
        if self.when_full not in WHEN_FULL:
            raise ValueError(f"when_full is one of {', '.join(WHEN_FULL)}")
        if self.max_batch < 1 or self.max_queue < self.max_batch or self.interval <= 0:
            raise ValueError("need 1 <= max_batch <= max_queue and interval > 0")


@dataclass
class BatchCounts:
    queued: int = 0
    sent: int = 0
    dropped: int = 0
    failed: int = 0


class Batcher(Generic[T]):
    def __init__(
        self,
        send: Callable[[Sequence[T]], Sequence[tuple[T, BaseException]]],
        settings: Batching,
        *,
        name: str = "cairn-sdk-batcher",
        on_error: Callable[[T, BaseException], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self.settings = settings
        self._on_error = on_error
        self._clock = clock
        self._items: deque[tuple[float, T]] = deque()
        self._lock = threading.Condition()
        self._settled = 0  # items sent, dropped or failed
        self._flushing = 0  # callers waiting in flush()
        self._closed = False
        self.counts = BatchCounts()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def put(self, item: T) -> None:
        settings = self.settings
        with self._lock:
            if self._closed:
                raise ClientClosed("the client is closed")
            if len(self._items) >= settings.max_queue:
                self._make_room()
            self._items.append((self._clock(), item))
            self.counts.queued += 1
            # Wake the thread when a batch is full, or to start the clock of a first item.
            if len(self._items) in (1, settings.max_batch):
                self._lock.notify_all()

    def _make_room(self) -> None:
        settings = self.settings
        if settings.when_full == "raise":
            raise QueueFull(f"{settings.max_queue} items are waiting to be sent")
        if settings.when_full == "drop_oldest":
            self._items.popleft()
            self.counts.dropped += 1
            self._settled += 1
            return
        room = self._lock.wait_for(
            lambda: len(self._items) < settings.max_queue or self._closed,
            timeout=settings.block_timeout,
        )
        if self._closed:
            raise ClientClosed("the client is closed")
        if not room:
            raise QueueFull(f"no room in the queue after {settings.block_timeout}s")

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything queued so far; False if `timeout` passed first."""
        with self._lock:
            target = self.counts.queued
            self._flushing += 1
            self._lock.notify_all()
            try:
                return self._lock.wait_for(lambda: self._settled >= target, timeout=timeout)
            finally:
                self._flushing -= 1

    def close(self, timeout: float | None = None) -> None:
        """Flush, then stop the thread. Safe to call twice and from an atexit handler."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._lock.notify_all()
        self._thread.join(timeout)

    def _due(self) -> bool:
        if not self._items:
            return False
        if self._closed or self._flushing or len(self._items) >= self.settings.max_batch:
            return True
        return self._clock() - self._items[0][0] >= self.settings.interval

    def _take(self) -> list[T] | None:
        """The next batch, waiting for one; None once closed and empty."""
        with self._lock:
            while not self._due():
                if self._closed:
                    return None
                wait = None
                if self._items:
                    wait = max(0.0, self._items[0][0] + self.settings.interval - self._clock())
                self._lock.wait(wait)
            count = min(len(self._items), self.settings.max_batch)
            batch = [self._items.popleft()[1] for _ in range(count)]
            self._lock.notify_all()  # room for blocked `put`s
            return batch

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            try:
                failures = self._send(batch)
            except Exception as error:
                failures = [(item, error) for item in batch]
            if failures:
                log.warning(
                    "cairn sdk: %d of %d queued payloads could not be sent: %s",
                    len(failures),
                    len(batch),
                    failures[0][1],
                )
            if self._on_error is not None:
                for item, reason in failures:
                    self._on_error(item, reason)
            with self._lock:
                self.counts.failed += len(failures)
                self.counts.sent += len(batch) - len(failures)
                self._settled += len(batch)
                self._lock.notify_all()
