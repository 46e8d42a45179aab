"""`/metrics` in the Prometheus text format.

Nothing is recorded through prometheus-client on the request path: ingest keeps plain counters
and a cheap histogram, and this collector turns them (and the store's figures: inbox depth,
pipeline lag, the worker's running totals) into metric families when Prometheus scrapes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from cairn.ops.requests import RequestCounts
from cairn.store import Store
from cairn.store.admin import pipeline_counters

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from cairn.ingest.views import IngestApp

log = logging.getLogger(__name__)

# Worker totals (pipeline_state) exported as counters: name → help.
PIPELINE_COUNTERS = {
    "entries_applied": "Inbox entries applied by the pipeline.",
    "events_applied": "Events stored by the pipeline (duplicates excluded).",
    "duplicates": "Events dropped as duplicates ($event_id dedupe, __track_once__).",
    "merges": "Profiles merged into another.",
}
REJECTED_PREFIX = "rejected:"


def pipeline_lag(oldest_pending: float | None, now: float) -> float:
    """Seconds the oldest unapplied inbox entry has waited; 0 when the inbox is applied."""
    return 0.0 if oldest_pending is None else max(0.0, now - oldest_pending)


class CairnCollector(Collector):
    def __init__(
        self,
        store: Store,
        requests: RequestCounts,
        ingest: Callable[[], IngestApp | None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.requests = requests
        self.ingest = ingest
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        ingest = self.ingest()
        if ingest is not None:
            yield from self._ingest(ingest)
        requests = CounterMetricFamily(
            "cairn_http_requests",
            "HTTP requests other than Track/Identify.",
            labels=["route", "status"],
        )
        for (route, status), count in sorted(self.requests.counts.items()):
            requests.add_metric([route, str(status)], count)
        yield requests
        yield from self._store()

    def _ingest(self, ingest: IngestApp) -> Iterator[Metric]:
        answered = CounterMetricFamily(
            "cairn_ingest_requests",
            "Track/Identify requests by route and result (accepted = answered 1).",
            labels=["route", "result"],
        )
        for key, count in sorted(ingest.answers.items()):
            kind, accepted = key.split(":")
            answered.add_metric(
                [f"/api/{kind}", "accepted" if accepted == "1" else "refused"], count
            )
        yield answered
        refusals = CounterMetricFamily(
            "cairn_ingest_refusals",
            "Track/Identify requests answered 0, by reason.",
            labels=["reason"],
        )
        for reason, count in sorted(ingest.refusals.items()):
            refusals.add_metric([reason], count)
        yield refusals
        latency = ingest.latency
        yield HistogramMetricFamily(
            "cairn_ingest_latency_seconds",
            "Track/Identify time from request to answer (includes the durable inbox commit).",
            buckets=latency.cumulative(),
            sum_value=latency.total,
        )
        committer = ingest.committer
        yield CounterMetricFamily(
            "cairn_inbox_commits", "Group commits to the inbox.", value=committer.commits
        )
        yield CounterMetricFamily(
            "cairn_inbox_records",
            "Records committed to the inbox by this process.",
            value=committer.committed_records,
        )

    def _store(self) -> Iterator[Metric]:
        try:
            depth = self.store.inbox_depth()
            oldest = self.store.inbox_oldest_pending()
            with self.store.read() as queries:
                totals = pipeline_counters(queries)
        except Exception as error:  # a scrape must still answer when the store does not
            log.warning("metrics: the store did not answer: %s", error)
            yield GaugeMetricFamily("cairn_store_up", "1 when the store answered.", value=0)
            return
        yield GaugeMetricFamily("cairn_store_up", "1 when the store answered.", value=1)
        yield GaugeMetricFamily("cairn_inbox_depth", "Inbox entries not yet applied.", value=depth)
        yield GaugeMetricFamily(
            "cairn_pipeline_lag_seconds",
            "Age of the oldest inbox entry not yet applied (0 when caught up).",
            value=pipeline_lag(oldest, self.clock()),
        )
        for name, help_text in PIPELINE_COUNTERS.items():
            yield CounterMetricFamily(
                f"cairn_pipeline_{name}", help_text, value=totals.get(name, 0)
            )
        rejected = CounterMetricFamily(
            "cairn_pipeline_rejected", "Inbox entries rejected, by reason.", labels=["reason"]
        )
        for name, count in sorted(totals.items()):
            if name.startswith(REJECTED_PREFIX):
                rejected.add_metric([name.removeprefix(REJECTED_PREFIX)], count)
        yield rejected


def registry_for(collector: CairnCollector) -> CollectorRegistry:
    """A registry of its own per app (never the global one), so apps in one process stay apart."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry
