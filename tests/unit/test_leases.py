import pytest

from cairn.store.leases import LaneLeases, fair_share


@pytest.mark.parametrize(
    ("lanes", "workers", "share"),
    [(64, 1, 64), (64, 2, 32), (64, 3, 22), (64, 64, 1), (64, 100, 1), (64, 0, 64)],
)
def test_each_worker_aims_at_an_even_share_of_lanes(lanes: int, workers: int, share: int) -> None:
    assert fair_share(lanes, workers) == share


def test_three_workers_at_their_share_hold_every_lane() -> None:
    assert fair_share(64, 3) * 3 >= 64


def test_worker_ids_differ_between_stores() -> None:
    assert LaneLeases().worker_id != LaneLeases().worker_id
