from cairn.pipeline.apply import BatchStats


def test_a_batch_reports_its_running_totals() -> None:
    stats = BatchStats(applied=5, events=3, duplicates=1, merges=1)
    stats.reject("no identifier ($email, $phone_number, $id or $exchange_id)")
    stats.reject("internal error: KeyError: 'x'")
    stats.reject("internal error: ValueError: y")
    assert stats.counters() == {
        "entries_applied": 5,
        "events_applied": 3,
        "duplicates": 1,
        "merges": 1,
        "rejected:no identifier ($email, $phone_number, $id or $exchange_id)": 1,
        "rejected:internal error": 2,  # variable detail cut, so reasons stay few
    }
