"""Group commit: appends from concurrent requests share one durable transaction.

Requests hand their record to a single writer thread and await a future. The thread takes
everything queued (up to `max_batch` records), commits it in one transaction, then settles all
those futures at once. A batch request hands over all its records with one future; they are
never split across commits. While a commit is in flight, new records gather for the next one, so the
batch size follows the load without any fixed delay; `window` adds an optional wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence

from cairn.inbox.records import InboxRecord
from cairn.store.base import InboxAppender, StoreUnavailable

log = logging.getLogger(__name__)

_Waiter = asyncio.Future[None]
_Item = tuple[Sequence[InboxRecord], _Waiter]
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
        self._queue.put(((record,), waiter))
        return waiter

    def submit_many(self, records: Sequence[InboxRecord]) -> asyncio.Future[None]:
        """Queue `records` to be committed together, in one transaction; one future for all."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put((records, waiter))
        return waiter

    def _take_batch(self) -> tuple[list[_Item], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch: list[_Item] = [first]  # type: ignore[list-item]
        size = len(batch[0][0])
        deadline = time.monotonic() + self._window
        while size < self._max_batch:
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
            size += len(batch[-1][0])
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

    def _commit(self, appender: InboxAppender, batch: list[_Item]) -> None:
        error: BaseException | None = None
        records = [record for group, _ in batch for record in group]
        try:
            appender.append(records)
            self.committed_records += len(records)
            self.commits += 1
        except Exception as exc:  # every waiter must hear about the failure
            log.error("inbox commit of %d records failed: %s", len(records), exc)
            error = exc
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for _, waiter in batch:
            by_loop.setdefault(waiter.get_loop(), []).append(waiter)
        for loop, waiters in by_loop.items():
            # A closed loop raises RuntimeError: nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, waiters, error)
