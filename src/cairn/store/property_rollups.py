"""Daily rollups per event property value (`metric_daily_properties`), kept by the pipeline
and read by exports that filter or split by one property; which keys and values they keep is
`cairn.metrics.property_rollups`."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from cairn.metrics.property_rollups import (
    MAX_VALUES_PER_DAY,
    NOT_ROLLED_UP,
    KeyDay,
    KeyRef,
    PropertyTally,
)
from cairn.store.records import EventGroup
from cairn.store.statements import Statements

log = logging.getLogger(__name__)

SECONDS_PER_DAY = 86400
_UPSERT_ROWS = 500  # rows per multi-row INSERT (7 parameters each)
_REBUILD_EVENTS = 20_000  # events read per step of a rebuild


class PropertyRollupQueries(Statements):
    def capped_property_keys(self, account_id: int) -> set[KeyRef]:
        rows = self.all(
            "SELECT metric_id, key FROM metric_property_capped WHERE account_id = ?",
            (account_id,),
        )
        return {(account_id, metric_id, key) for metric_id, key in rows}

    def tally_events(self, where: str, params: Sequence[Any], tally: PropertyTally) -> None:
        """Count the properties of the events matching `where` (on table `events`) into `tally`."""
        rows = self.all(
            f"SELECT account_id, metric_id, time, value, properties FROM events WHERE {where}",
            params,
        )
        _count_in(tally, rows)

    def add_property_rollups(self, tally: PropertyTally) -> set[KeyRef]:
        """Add the tally's rows; cap the keys it capped, and those now over the day limit
        (which it returns)."""
        self._cap(tally.newly_capped)
        rows = sorted(tally.rows.items())  # one order for all workers: no deadlocks
        new_days: set[KeyDay] = set()
        for start in range(0, len(rows), _UPSERT_ROWS):
            chunk = rows[start : start + _UPSERT_ROWS]
            returned = self.all(
                "INSERT INTO metric_daily_properties"
                " (account_id, metric_id, key, day, value, event_count, value_sum) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                + " ON CONFLICT (account_id, metric_id, key, day, value) DO UPDATE SET"
                " event_count = metric_daily_properties.event_count + excluded.event_count,"
                " value_sum = metric_daily_properties.value_sum + excluded.value_sum"
                " RETURNING account_id, metric_id, key, day, value, event_count",
                [field for row, share in chunk for field in (*row, *share)],
            )
            # A row whose count is just what was added is new (or was empty): its day may
            # have gone over the limit.
            new_days.update(
                (account_id, metric_id, key, day)
                for account_id, metric_id, key, day, value, count in returned
                if count == tally.rows[(account_id, metric_id, key, day, value)][0]
            )
        over = {
            (account_id, metric_id, key)
            for account_id, metric_id, key, day in sorted(new_days)
            if self.one(
                "SELECT count(*) FROM metric_daily_properties WHERE account_id = ?"
                " AND metric_id = ? AND key = ? AND day = ?",
                (account_id, metric_id, key, day),
            )[0]
            > MAX_VALUES_PER_DAY
        }
        self._cap(over)
        return over

    def take_property_rollups(self, tally: PropertyTally) -> None:
        """Take the tally's rows out (events about to be deleted)."""
        self._cap(tally.newly_capped)
        self.many(
            "UPDATE metric_daily_properties SET event_count = event_count - ?,"
            " value_sum = value_sum - ? WHERE account_id = ? AND metric_id = ? AND key = ?"
            " AND day = ? AND value = ?",
            [(*share, *row) for row, share in sorted(tally.rows.items())],
        )

    def _cap(self, refs: set[KeyRef]) -> None:
        ordered = sorted(refs)
        self.many(
            "INSERT INTO metric_property_capped (account_id, metric_id, key) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            ordered,
        )
        self.many(
            "DELETE FROM metric_daily_properties WHERE account_id = ? AND metric_id = ?"
            " AND key = ?",
            ordered,
        )

    def rebuild_property_rollups(self, account_id: int) -> None:
        """Recompute an account's property rollups from its events, a step of events at a
        time in (time, id) order (after a bulk load, or for events older than these rollups)."""
        for table in ("metric_daily_properties", "metric_property_capped"):
            self.run(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))
        after = (-(2**62), 0)
        while True:
            rows = self.all(
                "SELECT account_id, metric_id, time, value, properties, id FROM events"
                " WHERE account_id = ? AND (time, id) > (?, ?) ORDER BY time, id LIMIT ?",
                (account_id, *after, _REBUILD_EVENTS),
            )
            if not rows:
                return
            tally = PropertyTally(self.capped_property_keys(account_id))
            _count_in(tally, (row[:5] for row in rows))
            self.add_property_rollups(tally)
            after = (rows[-1][2], rows[-1][5])

    def rebuild_pending_property_rollups(self) -> None:
        """Count in the events of accounts that predate the property rollups (see migration
        0007)."""
        pending = [row[0] for row in self.all("SELECT account_id FROM property_rollups_pending")]
        for account_id in pending:
            log.info("counting account %d's events into the property rollups", account_id)
            started = time.monotonic()
            self.rebuild_property_rollups(account_id)
            self.run("DELETE FROM property_rollups_pending WHERE account_id = ?", (account_id,))
            log.info("account %d done in %.1f s", account_id, time.monotonic() - started)

    def property_groups(
        self, account_id: int, metric_id: int, first_day: int, last_day: int, key: str
    ) -> list[EventGroup] | None:
        """A metric's events per day and value of the property `key`, as `group_events` gives
        them; None when the key is capped (read the events instead)."""
        if key in NOT_ROLLED_UP or self.one(
            "SELECT 1 FROM metric_property_capped WHERE account_id = ? AND metric_id = ?"
            " AND key = ?",
            (account_id, metric_id, key),
        ):
            return None
        rows = self.all(
            "SELECT day, event_count, value_sum, value FROM metric_daily_properties"
            " WHERE account_id = ? AND metric_id = ? AND key = ? AND day >= ? AND day <= ?"
            " AND event_count > 0",
            (account_id, metric_id, key, first_day, last_day),
        )
        return [
            EventGroup(day, 0, count, value_sum, {key: orjson.loads(value)})
            for day, count, value_sum, value in rows
        ]


def _count_in(tally: PropertyTally, events: Iterable[Sequence[Any]]) -> None:
    """Add (account_id, metric_id, time, value, properties JSON) rows of events to `tally`."""
    for account_id, metric_id, time_, value, properties in events:
        tally.add(account_id, metric_id, time_ // SECONDS_PER_DAY, value, orjson.loads(properties))
