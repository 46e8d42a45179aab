"""Lane leases: how PostgreSQL workers share the inbox.

The inbox is split into lanes (`partition % lane count`; one row each in `partition_leases`).
A worker owns the lanes whose lease carries its id and has not expired, and applies only their
records, in order. Every refresh renews its leases and evens the load out: with L lanes and W
live workers each aims at ceil(L / W) lanes, gives back what is above that and takes free or
expired lanes up to it. A dead worker stops renewing, so its lanes expire and are taken over.

A batch locks its lease rows for its whole length (see `LOCK_OWN_LANES`), and lanes are only
taken with SKIP LOCKED, so a lane changes hands only between two batches.
"""

from __future__ import annotations

import math
import os
import socket
import time
import uuid
from collections.abc import Callable

from cairn.store.sql import Queries

DEFAULT_LEASE_SECONDS = 10.0

# Run inside the batch transaction: the lanes this worker may work on now, locked until commit.
LOCK_OWN_LANES = (
    "SELECT lane FROM partition_leases WHERE owner = ? AND expires_at > now()"
    " FOR UPDATE SKIP LOCKED"
)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def fair_share(lanes: int, workers: int) -> int:
    return math.ceil(lanes / max(workers, 1))


class LaneLeases:
    """One worker's leases. `refresh` runs in its own READ COMMITTED transaction."""

    def __init__(
        self,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.worker_id = new_worker_id()
        self.lease_seconds = lease_seconds
        self.lane_count = 0
        self.held: list[int] = []
        self._clock = clock
        self._refreshed_at = -math.inf

    @property
    def registered(self) -> bool:
        return self._refreshed_at > -math.inf

    def due(self) -> bool:
        """Renew at a third of the lease time, so two refreshes may fail before leases lapse."""
        return self._clock() - self._refreshed_at >= self.lease_seconds / 3

    def refresh(self, queries: Queries) -> None:
        ttl = self.lease_seconds
        queries.run(
            "INSERT INTO pipeline_workers (worker_id, expires_at)"
            " VALUES (?, now() + ? * interval '1 second')"
            " ON CONFLICT (worker_id) DO UPDATE SET expires_at = excluded.expires_at",
            (self.worker_id, ttl),
        )
        workers, self.lane_count = queries.one(
            "SELECT (SELECT count(*) FROM pipeline_workers WHERE expires_at > now()),"
            " (SELECT count(*) FROM partition_leases)"
        )
        rows = queries.all(
            "UPDATE partition_leases SET expires_at = now() + ? * interval '1 second'"
            " WHERE owner = ? RETURNING lane",
            (ttl, self.worker_id),
        )
        held = sorted(row[0] for row in rows)
        share = fair_share(self.lane_count, workers)
        if len(held) > share:
            queries.run(
                "UPDATE partition_leases SET owner = NULL, expires_at = '-infinity'"
                " WHERE owner = ? AND lane = ANY(?)",
                (self.worker_id, held[share:]),
            )
            held = held[:share]
        elif len(held) < share:
            rows = queries.all(
                "UPDATE partition_leases"
                " SET owner = ?, expires_at = now() + ? * interval '1 second'"
                " WHERE lane IN (SELECT lane FROM partition_leases"
                "  WHERE owner IS NULL OR expires_at < now()"
                "  ORDER BY lane LIMIT ? FOR UPDATE SKIP LOCKED)"
                " RETURNING lane",
                (self.worker_id, ttl, share - len(held)),
            )
            held = sorted(held + [row[0] for row in rows])
        queries.run("DELETE FROM pipeline_workers WHERE expires_at < now()")
        self.held = held
        self._refreshed_at = self._clock()

    def release(self, queries: Queries) -> None:
        """Give every lane back at once, so others take over without waiting for expiry."""
        queries.run(
            "UPDATE partition_leases SET owner = NULL, expires_at = '-infinity' WHERE owner = ?",
            (self.worker_id,),
        )
        queries.run("DELETE FROM pipeline_workers WHERE worker_id = ?", (self.worker_id,))
        self.held = []
        self._refreshed_at = -math.inf
