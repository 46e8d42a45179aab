from cairn.dashboard.health import (
    format_lag,
    lag_histogram,
    lag_now,
    per_minute,
    per_minute_totals,
    percentile,
    window_start,
)


def test_percentile_finds_the_bucket_of_the_rank() -> None:
    histogram = [(5, 90), (40, 9), (900, 1)]
    assert percentile(histogram, 0.5) == 5
    assert percentile(histogram, 0.99) == 40
    assert percentile(histogram, 1.0) == 900
    assert percentile([], 0.99) is None


def test_per_minute_fills_empty_minutes_with_zero() -> None:
    now = 1_700_000_000.0 + 30  # half a minute into a minute
    first = window_start(now, 3)
    labels, counts = per_minute([(first + 60, 7)], now, 3)
    assert counts == [0, 7, 0]
    assert len(labels) == 3 and labels[0].count(":") == 1
    assert first + 2 * 60 <= now < first + 3 * 60


def test_format_lag() -> None:
    assert format_lag(None) == "—"
    assert format_lag(12.4) == "12 ms"
    assert format_lag(2500) == "2.5 s"
    assert format_lag(180_000) == "3.0 min"


def test_one_pass_rows_give_minutes_and_lags() -> None:
    rows = [(60, 5, 2), (60, 40, 1), (120, 5, 4)]
    assert per_minute_totals(rows) == [(60, 3), (120, 4)]
    assert lag_histogram(rows) == [(5, 6), (40, 1)]


def test_lag_now_is_the_oldest_waiting_entry_else_the_last_applied_event() -> None:
    assert lag_now(100.0, 97.5, 0.02) == 2.5
    assert lag_now(100.0, None, 0.02) == 0.02
    assert lag_now(100.0, None, None) is None
