"""How the group committer sizes its commits: it gathers queued records until `max_batch`, and
never splits the records of one batch request across commits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from cairn.inbox.group_commit import GroupCommitter
from cairn.inbox.records import InboxRecord, Kind


class RecordingAppender:
    def __init__(self) -> None:
        self.commits: list[int] = []

    def append(self, records: Sequence[InboxRecord]) -> None:
        self.commits.append(len(records))

    def close(self) -> None:
        pass


def commit_sizes(max_batch: int, requests: list[int]) -> list[int]:
    """Queue one submission per entry of `requests` (its record count) before the writer
    starts, wait for all of them, and return the size of each commit made."""
    appender = RecordingAppender()
    committer = GroupCommitter(lambda: appender, max_batch=max_batch)
    record = InboxRecord(Kind.TRACK, 1, 0.0, 0, b"{}")

    async def submit_all() -> None:
        waiters = [committer.submit_many([record] * size) for size in requests]
        committer.start()
        await asyncio.gather(*waiters)

    asyncio.run(submit_all())
    committer.stop()
    return appender.commits


def test_single_records_share_commits_of_at_most_max_batch() -> None:
    assert commit_sizes(3, [1] * 7) == [3, 3, 1]


def test_a_batch_request_is_never_split_even_past_max_batch() -> None:
    assert commit_sizes(3, [5, 1]) == [5, 1]
    assert commit_sizes(3, [2, 2, 2]) == [4, 2]


def test_everything_queued_shares_one_commit_under_the_default_cap() -> None:
    assert commit_sizes(4096, [1] * 50 + [100]) == [150]
