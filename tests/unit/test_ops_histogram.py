from cairn.ops.histogram import LatencyHistogram


def test_observations_land_in_the_first_bucket_at_or_above_them() -> None:
    histogram = LatencyHistogram((0.01, 0.1, 1.0))
    for seconds in (0.005, 0.01, 0.05, 0.5, 3.0):
        histogram.observe(seconds)
    assert histogram.cumulative() == [("0.01", 2), ("0.1", 3), ("1.0", 4), ("+Inf", 5)]
    assert histogram.count == 5
    assert abs(histogram.total - 3.565) < 1e-9


def test_an_empty_histogram_has_zero_buckets() -> None:
    assert LatencyHistogram((1.0,)).cumulative() == [("1.0", 0), ("+Inf", 0)]
