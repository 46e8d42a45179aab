from datetime import UTC, datetime

from cairn.sdk.retry import RetryPolicy, parse_retry_after


def top_of_range() -> float:
    return 1.0


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(base=0.5, cap=3.0, random=top_of_range)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_spreads_waits_within_the_exponential_bound() -> None:
    policy = RetryPolicy(base=1.0, cap=100.0, random=lambda: 0.25)
    assert policy.backoff(3) == 1.0  # a quarter of 4 seconds


def test_429_and_5xx_are_retried_until_attempts_run_out() -> None:
    policy = RetryPolicy(attempts=3, random=top_of_range)
    assert policy.plan(1, status=429) is not None
    assert policy.plan(2, status=503) is not None
    assert policy.plan(3, status=503) is None


def test_client_errors_and_success_are_final() -> None:
    policy = RetryPolicy()
    for status in (200, 400, 403, 404, 413):
        assert policy.plan(1, status=status) is None


def test_5xx_is_not_retried_for_a_request_that_must_not_repeat() -> None:
    policy = RetryPolicy()
    assert policy.plan(1, status=500, idempotent=False) is None
    assert policy.plan(1, status=429, idempotent=False) is not None


def test_network_errors_retry_only_what_may_repeat() -> None:
    policy = RetryPolicy()
    assert policy.plan(1, network_error=True) is not None
    assert policy.plan(1, network_error=True, idempotent=False) is None


def test_retry_after_is_a_floor_under_the_jittered_wait() -> None:
    policy = RetryPolicy(base=0.1, random=top_of_range)
    assert policy.plan(1, status=429, retry_after="2") == 2.0
    assert policy.plan(1, status=429, retry_after="0") == 0.1


def test_retry_after_longer_than_allowed_gives_up() -> None:
    policy = RetryPolicy(max_retry_after=5)
    assert policy.plan(1, status=429, retry_after="120") is None


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now) == 0.0


def test_unreadable_retry_after_is_ignored() -> None:
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
