from cairn.api.ratelimit import Limit, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_refused_until_tokens_refill() -> None:
    clock = Clock()
    buckets = TokenBuckets(Limit(burst=3, per_second=1.0), clock)
    decisions = [buckets.take("k") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert decisions[3].retry_after == 1.0
    clock.now += 1.0
    assert buckets.take("k").allowed
    assert not buckets.take("k").allowed


def test_keys_have_separate_buckets() -> None:
    buckets = TokenBuckets(Limit(burst=1, per_second=0.5), Clock())
    assert buckets.take("a").allowed
    assert not buckets.take("a").allowed
    assert buckets.take("b").allowed


def test_refill_never_exceeds_the_burst() -> None:
    clock = Clock()
    buckets = TokenBuckets(Limit(burst=2, per_second=10.0), clock)
    buckets.take("k")
    clock.now += 3600
    assert [buckets.take("k").allowed for _ in range(3)] == [True, True, False]


def test_headers_name_the_limit_and_what_remains() -> None:
    limit = Limit(burst=5, per_second=1.0)
    decision = TokenBuckets(limit, Clock()).take("k")
    assert decision.headers(limit) == {
        "RateLimit-Limit": "5",
        "RateLimit-Remaining": "4",
        "RateLimit-Reset": "1",
    }


def test_memory_is_bounded() -> None:
    buckets = TokenBuckets(Limit(burst=1, per_second=1.0), Clock(), max_keys=10)
    for index in range(100):
        buckets.take(f"key{index}")
    assert len(buckets._buckets) <= 10


def test_a_zero_limit_is_disabled() -> None:
    assert not Limit(burst=0, per_second=1.0).enabled
    assert Limit(burst=1, per_second=1.0).enabled
