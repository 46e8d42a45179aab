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
    ) -> None:
        self.store = store
        self.batch_size = batch_size
        self.idle_sleep = idle_sleep
        self.applier = BatchApplier(clock)
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

    def trim(self) -> None:
        if self._untrimmed_batches:
            self.store.trim_inbox()
            self._untrimmed_batches = 0

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
            if count == 0:
                self.trim()
                stop.wait(self.idle_sleep)
