from cairn.webhooks.schedule import Backoff


def test_delays_double_up_to_the_longest_then_give_up() -> None:
    backoff = Backoff(first=10, factor=2, longest=60, attempts=6)
    assert [backoff.delay(n) for n in range(1, 7)] == [10, 20, 40, 60, 60, None]


def test_default_schedule_spans_hours_before_giving_up() -> None:
    backoff = Backoff()
    delays = [backoff.delay(n) for n in range(1, backoff.attempts)]
    assert all(d is not None for d in delays)
    assert sum(d for d in delays if d is not None) > 3 * 3600
    assert backoff.delay(backoff.attempts) is None
