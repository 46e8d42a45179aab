"""Group commit: appends from concurrent requests share one durable transaction.

Requests hand their record to a single writer thread and await a future. The thread takes
everything queued (up to `max_batch`), commits it in one transaction, then settles all those
futures at once. While a commit is in flight, new records gather for the next one, so the
batch size follows the load without any fixed delay; `window` adds an optional wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable

from cairn.inbox.records import InboxRecord
from cairn.store.base import InboxAppender, StoreUnavailable

log = logging.getLogger(__name__)

_Waiter = asyncio.Future[None]
_STOP = object()


def _settle(waiters: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for waiter in waiters:
        if waiter.done():
            continue
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(StoreUnavailable(str(error)))


class GroupCommitter:
    def __init__(
        self,
        appender_factory: Callable[[], InboxAppender],
        *,
        max_batch: int = 4096,
        window: float = 0.0,
    ) -> None:
        self._appender_factory = appender_factory
        self._max_batch = max_batch
        self._window = window
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.committed_records = 0
        self.commits = 0

    def start(self) -> None:
        appender = self._appender_factory()
        self._thread = threading.Thread(
            target=self._run, args=(appender,), name="cairn-group-commit", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Commit what is queued, then end the writer thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def submit(self, record: InboxRecord) -> asyncio.Future[None]:
        """Queue `record`; the future resolves once it is committed. Call from the event loop."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put((record, waiter))
        return waiter

    def _take_batch(self) -> tuple[list[tuple[InboxRecord, _Waiter]], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch: list[tuple[InboxRecord, _Waiter]] = [first]  # type: ignore[list-item]
        deadline = time.monotonic() + self._window
        while len(batch) < self._max_batch:
            try:
                remaining = deadline - time.monotonic()
                item = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            if item is _STOP:
                self._queue.put(_STOP)
                break
            batch.append(item)  # type: ignore[arg-type]
        return batch, False

    def _run(self, appender: InboxAppender) -> None:
        try:
            while True:
                batch, stopping = self._take_batch()
                if stopping:
                    return
                self._commit(appender, batch)
        finally:
            appender.close()

    def _commit(self, appender: InboxAppender, batch: list[tuple[InboxRecord, _Waiter]]) -> None:
        error: BaseException | None = None
        try:
            appender.append([record for record, _ in batch])
            self.committed_records += len(batch)
            self.commits += 1
        except Exception as exc:  # every waiter must hear about the failure
            log.error("inbox commit of %d records failed: %s", len(batch), exc)
            error = exc
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for _, waiter in batch:
            by_loop.setdefault(waiter.get_loop(), []).append(waiter)
        for loop, waiters in by_loop.items():
            # A closed loop raises RuntimeError: nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, waiters, error)
