"""The batching queue with an in-memory sender: flush triggers and the queue-full policies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pytest

from cairn.sdk.batching import Batcher, Batching
from cairn.sdk.errors import ClientClosed, QueueFull


class Recorder:
    """Records batches; `hold()` makes the sender wait until `release()`."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.open = threading.Event()
        self.open.set()
        self.busy = threading.Event()
        self.fail: set[int] = set()

    def __call__(self, batch: Sequence[int]) -> list[tuple[int, BaseException]]:
        self.busy.set()
        self.open.wait(5)
        self.batches.append(list(batch))
        return [(item, RuntimeError("no")) for item in batch if item in self.fail]

    def hold(self) -> None:
        self.open.clear()

    def release(self) -> None:
        self.open.set()

    @property
    def sent(self) -> list[int]:
        return [item for batch in self.batches for item in batch]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def started(recorder: Recorder, **settings: object) -> Batcher[int]:
    return Batcher(recorder, Batching(**settings))  # type: ignore[arg-type]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_full_batch_is_sent_without_waiting_for_the_interval(recorder: Recorder) -> None:
    batcher = started(recorder, max_batch=3, interval=60)
    for item in range(3):
        batcher.put(item)
    wait_until(lambda: recorder.sent == [0, 1, 2])
    assert recorder.batches == [[0, 1, 2]]
    batcher.close()


def test_a_partial_batch_is_sent_once_the_oldest_item_waited_the_interval(
    recorder: Recorder,
) -> None:
    batcher = started(recorder, max_batch=100, interval=0.2)
    began = time.monotonic()
    batcher.put(1)
    batcher.put(2)
    wait_until(lambda: recorder.sent == [1, 2])
    assert time.monotonic() - began >= 0.19
    batcher.close()


def test_flush_sends_everything_queued_before_it(recorder: Recorder) -> None:
    batcher = started(recorder, max_batch=4, interval=60)
    for item in range(10):
        batcher.put(item)
    assert batcher.flush(timeout=5)
    assert recorder.sent == list(range(10))
    assert all(len(batch) <= 4 for batch in recorder.batches)
    assert batcher.counts.sent == 10
    batcher.close()


def test_close_sends_what_waits_and_refuses_more(recorder: Recorder) -> None:
    batcher = started(recorder, max_batch=100, interval=60)
    batcher.put(7)
    batcher.close()
    assert recorder.sent == [7]
    with pytest.raises(ClientClosed):
        batcher.put(8)


def fill(recorder: Recorder, batcher: Batcher[int], max_queue: int) -> None:
    """Park the sender on item 0, then queue `max_queue` more items."""
    recorder.hold()
    batcher.put(0)
    assert recorder.busy.wait(5)
    for item in range(1, max_queue + 1):
        batcher.put(item)


def test_raise_policy_refuses_the_new_item(recorder: Recorder) -> None:
    batcher = started(recorder, max_batch=1, interval=60, max_queue=3, when_full="raise")
    fill(recorder, batcher, 3)
    with pytest.raises(QueueFull):
        batcher.put(99)
    recorder.release()
    batcher.close()
    assert recorder.sent == [0, 1, 2, 3]


def test_drop_oldest_policy_makes_room_by_discarding(recorder: Recorder) -> None:
    batcher = started(recorder, max_batch=1, interval=60, max_queue=3, when_full="drop_oldest")
    fill(recorder, batcher, 3)
    batcher.put(4)
    batcher.put(5)
    recorder.release()
    assert batcher.flush(timeout=5)
    assert recorder.sent == [0, 3, 4, 5]
    assert batcher.counts.dropped == 2
    batcher.close()


def test_block_policy_waits_for_room(recorder: Recorder) -> None:
    batcher = started(recorder, max_batch=1, interval=60, max_queue=2, when_full="block")
    fill(recorder, batcher, 2)
    done = threading.Event()
    threading.Thread(target=lambda: (batcher.put(3), done.set()), daemon=True).start()
    assert not done.wait(0.2)  # blocked while the queue is full
    recorder.release()
    assert done.wait(5)
    batcher.close()
    assert recorder.sent == [0, 1, 2, 3]


def test_block_policy_gives_up_after_its_timeout(recorder: Recorder) -> None:
    batcher = started(
        recorder, max_batch=1, interval=60, max_queue=1, when_full="block", block_timeout=0.1
    )
    fill(recorder, batcher, 1)
    with pytest.raises(QueueFull):
        batcher.put(2)
    recorder.release()
    batcher.close()


def test_failures_are_counted_and_do_not_stop_the_thread(recorder: Recorder) -> None:
    recorder.fail = {2}
    seen: list[int] = []
    batcher = Batcher(
        recorder, Batching(max_batch=2, interval=60), on_error=lambda i, e: seen.append(i)
    )
    for item in range(4):
        batcher.put(item)
    assert batcher.flush(timeout=5)
    assert (batcher.counts.sent, batcher.counts.failed, seen) == (3, 1, [2])
    batcher.close()


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="when_full"):
        Batching(when_full="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Batching(max_batch=10, max_queue=5)
