"""The worker loop: claim a batch, apply it, acknowledge it — in one transaction."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cairn.pipeline.apply import BatchApplier, BatchStats
from cairn.store import Store, StoreConflict, StoreUnavailable
from cairn.store.admin import add_pipeline_counters
from cairn.webhooks.outbox import Outbox

log = logging.getLogger(__name__)

TRIM_EVERY_BATCHES = 50
COUNTER_SLOTS = 64


@dataclass
class WorkerTotals:
    batches: int = 0
    applied: int = 0
    events: int = 0
    rejected: int = 0
    conflicts: int = 0

    def add(self, stats: BatchStats) -> None:
        self.batches += 1
        self.applied += stats.applied
        self.events += stats.events
        self.rejected += stats.rejected


class Worker:
    def __init__(
        self,
        store: Store,
        *,
        batch_size: int = 1000,
        idle_sleep: float = 0.02,
        clock: Callable[[], float] = time.time,
        maintenance_every: float = 0.25,
        recheck_limit: int = 1000,
        rebuild_page: int = 2000,
    ) -> None:
        self.store = store
        self.batch_size = batch_size
        self.idle_sleep = idle_sleep
        self.clock = clock
        self.applier = BatchApplier(clock)
        self.maintenance_every = maintenance_every
        self.recheck_limit = recheck_limit
        self.rebuild_page = rebuild_page
        self._next_maintenance = 0.0
        self.totals = WorkerTotals()
        self.counter_slot = random.randrange(COUNTER_SLOTS)
        self._untrimmed_batches = 0

    def run_once(self) -> int:
        """Apply one batch; returns how many entries it held (0 when the inbox is empty)."""
        try:
            with self.store.pipeline_batch(self.batch_size) as (entries, queries):
                stats = self.applier.apply(entries, queries)
                add_pipeline_counters(queries, stats.counters(), self.counter_slot)
        except StoreUnavailable:
            raise
        except Exception:
            log.exception("batch failed; applying its entries one by one")
            with self.store.pipeline_batch(self.batch_size) as (entries, queries):
                stats = self.applier.apply_isolated(entries, queries)
                add_pipeline_counters(queries, stats.counters(), self.counter_slot)
        if entries:
            for reason, count in stats.rejected_reasons.items():
                log.warning(
                    "rejected %d payload(s): %s",
                    count,
                    reason,
                    extra={"reason": reason, "count": count},
                )
            self.totals.add(stats)
            self._untrimmed_batches += 1
            if self._untrimmed_batches >= TRIM_EVERY_BATCHES:
                self.trim()
        return len(entries)

    def maintain(self) -> bool:
        """Segment upkeep between batches: the rechecks whose time has come (a profile leaves
        "ordered in the last 30 days" with no new event), then one page of a pending rebuild.
        True when there was work."""
        segments = self.applier.segments
        now = self.clock()
        with self.store.transaction() as queries:
            rechecked = segments.recheck_due(queries, Outbox(queries), now, self.recheck_limit)
        with self.store.transaction() as queries:
            built = segments.build_pending(queries, Outbox(queries), now, self.rebuild_page)
        return rechecked > 0 or built

    def trim(self) -> None:
        if self._untrimmed_batches:
            self.store.trim_inbox()
            self._untrimmed_batches = 0

    def _maintain_when_due(self) -> bool:
        """`maintain` while it finds work, else every `maintenance_every` seconds; a bug in it
        is logged rather than stopping the pipeline."""
        if time.monotonic() < self._next_maintenance:
            return False
        try:
            busy = self.maintain()
        except (StoreUnavailable, StoreConflict):
            raise  # the loop retries these, as for batches
        except Exception:
            log.exception("segment maintenance failed")
            busy = False
        if not busy:
            self._next_maintenance = time.monotonic() + self.maintenance_every
        return busy

    def drain(self) -> int:
        """Apply batches until the inbox is empty; returns the entries applied."""
        total = 0
        while count := self.run_once():
            total += count
        return total

    def run(self, stop: threading.Event, parent_pid: int | None = None) -> None:
        """Loop until `stop` is set (or the parent process is gone, when one is given)."""
        backoff = self.idle_sleep
        while not stop.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                log.warning("parent process is gone; worker stopping")
                return
            try:
                count = self.run_once()
                busy = self._maintain_when_due()
                backoff = self.idle_sleep
            except StoreConflict as error:
                log.info("batch lost a race with another worker (%s); running it again", error)
                self.totals.conflicts += 1
                continue
            except StoreUnavailable as error:
                log.warning("store unavailable (%s); retrying in %.1fs", error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if count == 0 and not busy:
                self.trim()
                stop.wait(self.idle_sleep)
