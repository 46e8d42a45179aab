"""The interface every store backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from cairn.inbox.records import InboxEntry, InboxRecord
from cairn.store.sql import Queries


class StoreUnavailable(Exception):
    """The database cannot be reached or did not answer in time; callers answer 503."""


class StoreConflict(StoreUnavailable):
    """A concurrent transaction changed the same rows first; running it again right away
    is the cure (the transaction was rolled back)."""


class InboxAppender(Protocol):
    """Appends a group of records in one durable transaction. Used by one thread at a time."""

    def append(self, records: Sequence[InboxRecord]) -> None: ...

    def close(self) -> None: ...


class Store(Protocol):
    def migrate(self) -> list[int]:
        """Apply pending migrations; returns the versions applied."""
        ...

    def read(self) -> AbstractContextManager[Queries]: ...

    def transaction(self) -> AbstractContextManager[Queries]: ...

    def pipeline_batch(
        self, limit: int
    ) -> AbstractContextManager[tuple[list[InboxEntry], Queries]]:
        """Claim up to `limit` inbox entries in order inside one store transaction.

        Leaving the block normally applies the work and acknowledges the entries atomically;
        an exception rolls both back, so the entries are claimed again.
        """
        ...

    def worker_slot(self) -> AbstractContextManager[None]:
        """Held by a running worker; tells workers apart so they never apply one entry twice."""
        ...

    def inbox_appender(self) -> InboxAppender: ...

    def inbox_depth(self) -> int: ...

    def inbox_oldest_pending(self) -> float | None:
        """`received_at` of the oldest entry not yet applied (None when all are)."""
        ...

    def trim_inbox(self) -> int:
        """Delete acknowledged inbox records; returns how many."""
        ...

    def close(self) -> None: ...
