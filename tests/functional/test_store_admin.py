"""The pipeline's running totals: per-worker slots added up, nothing counted from a rollback."""

import pytest

from cairn.store import Store
from cairn.store.admin import add_pipeline_counters, pipeline_counters


def test_totals_add_up_across_worker_slots(store: Store) -> None:
    with store.transaction() as queries:
        add_pipeline_counters(queries, {"events_applied": 5, "rejected:x": 1}, slot=3)
    with store.transaction() as queries:
        add_pipeline_counters(queries, {"events_applied": 2, "duplicates": 0}, slot=9)
        add_pipeline_counters(queries, {"events_applied": 1}, slot=3)
    with store.read() as queries:
        assert pipeline_counters(queries) == {"events_applied": 8, "rejected:x": 1}


def test_a_rolled_back_batch_counts_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as queries:
        add_pipeline_counters(queries, {"events_applied": 5}, slot=1)
        raise RuntimeError("the batch failed")
    with store.read() as queries:
        assert pipeline_counters(queries) == {}
