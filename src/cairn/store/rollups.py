"""Daily metric rollups: kept by the pipeline as events land, read by metric exports.

`metric_daily` holds events and the sum of `$value` per (account, metric, UTC day);
`metric_daily_profiles` holds events per profile and day, which gives unique counts and lets a
merge move, and a deletion remove, exactly one profile's share. Both keep the property rollups
(`cairn.store.property_rollups`) in step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson

from cairn.metrics.property_rollups import PropertyTally
from cairn.store.property_rollups import SECONDS_PER_DAY as SECONDS_PER_DAY
from cairn.store.property_rollups import PropertyRollupQueries
from cairn.store.records import DailyTotal, EventGroup

# (metric_id, day) → (events, sum of $value)
Shares = dict[tuple[int, int], tuple[int, float]]


class RollupQueries(PropertyRollupQueries):
    def add_to_rollups(
        self,
        daily: Mapping[tuple[int, int, int], tuple[int, float]],
        per_profile: Mapping[tuple[int, int, int, int], int],
    ) -> None:
        """Add event counts keyed (account, metric, day) and (account, metric, day, profile)."""
        self.many(
            "INSERT INTO metric_daily (account_id, metric_id, day, event_count, value_sum)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, metric_id, day) DO UPDATE SET"
            " event_count = metric_daily.event_count + excluded.event_count,"
            " value_sum = metric_daily.value_sum + excluded.value_sum",
            [(*key, count, total) for key, (count, total) in daily.items()],
        )
        self.many(
            "INSERT INTO metric_daily_profiles"
            " (account_id, metric_id, day, profile_id, event_count) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (account_id, metric_id, day, profile_id) DO UPDATE SET"
            " event_count = metric_daily_profiles.event_count + excluded.event_count",
            [(*key, count) for key, count in per_profile.items()],
        )

    @staticmethod
    def _profile_events(
        account_id: int, profile_id: int, duplicates_of: int | None
    ) -> tuple[str, tuple[int, ...]]:
        """WHERE clause and parameters for the profile's events; with `duplicates_of`, only
        those that profile also holds (same metric and `$event_id`)."""
        where = "account_id = ? AND profile_id = ?"
        if duplicates_of is None:
            return where, (account_id, profile_id)
        return (
            where + " AND EXISTS (SELECT 1 FROM events s WHERE s.account_id = events.account_id"
            " AND s.profile_id = ? AND s.metric_id = events.metric_id"
            " AND s.event_id = events.event_id)",
            (account_id, profile_id, duplicates_of),
        )

    def _event_shares(self, account_id: int, profile_id: int, duplicates_of: int | None) -> Shares:
        """The profile's events per (metric, day), as `_profile_events` picks them."""
        where, params = self._profile_events(account_id, profile_id, duplicates_of)
        rows = self.all(
            "SELECT metric_id, time / 86400, count(*), coalesce(sum(value), 0) FROM events"
            f" WHERE {where} GROUP BY metric_id, time / 86400",
            params,
        )
        return {(metric, day): (count, total) for metric, day, count, total in rows}

    def _take_property_shares(
        self, account_id: int, profile_id: int, duplicates_of: int | None
    ) -> None:
        where, params = self._profile_events(account_id, profile_id, duplicates_of)
        tally = PropertyTally(self.capped_property_keys(account_id))
        self.tally_events(where, params, tally)
        self.take_property_rollups(tally)

    def _take_from_daily(self, account_id: int, shares: Shares) -> None:
        self.many(
            "UPDATE metric_daily SET event_count = event_count - ?, value_sum = value_sum - ?"
            " WHERE account_id = ? AND metric_id = ? AND day = ?",
            [(count, total, account_id, m, d) for (m, d), (count, total) in shares.items()],
        )

    def _delete_profile_days(self, account_id: int, profile_id: int, shares: Shares) -> None:
        self.many(
            "DELETE FROM metric_daily_profiles WHERE account_id = ? AND metric_id = ?"
            " AND day = ? AND profile_id = ?",
            [(account_id, m, d, profile_id) for m, d in shares],
        )

    def move_rollups(self, account_id: int, absorbed_id: int, survivor_id: int) -> None:
        """Before a merge moves events: give the survivor the absorbed profile's share, less
        the events the merge drops as duplicates of the survivor's."""
        shares = self._event_shares(account_id, absorbed_id, None)
        dropped = self._event_shares(account_id, absorbed_id, survivor_id)
        self._take_from_daily(account_id, dropped)
        self._take_property_shares(account_id, absorbed_id, survivor_id)
        self._delete_profile_days(account_id, absorbed_id, shares)
        kept = {
            (account_id, m, d, survivor_id): count - dropped.get((m, d), (0, 0.0))[0]
            for (m, d), (count, _) in shares.items()
        }
        self.add_to_rollups({}, {key: count for key, count in kept.items() if count > 0})

    def remove_rollups(self, account_id: int, profile_id: int) -> None:
        """Before a profile's events are deleted: take its share out of the rollups."""
        shares = self._event_shares(account_id, profile_id, None)
        self._take_from_daily(account_id, shares)
        self._take_property_shares(account_id, profile_id, None)
        self._delete_profile_days(account_id, profile_id, shares)

    def rebuild_rollups(self, account_id: int) -> None:
        """Recompute an account's rollups, property rollups too, from its events (after a bulk
        load)."""
        for table in ("metric_daily", "metric_daily_profiles"):
            self.run(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))
        self.run(
            "INSERT INTO metric_daily (account_id, metric_id, day, event_count, value_sum)"
            " SELECT account_id, metric_id, time / 86400, count(*), coalesce(sum(value), 0)"
            " FROM events WHERE account_id = ? GROUP BY account_id, metric_id, time / 86400",
            (account_id,),
        )
        self.run(
            "INSERT INTO metric_daily_profiles"
            " (account_id, metric_id, day, profile_id, event_count)"
            " SELECT account_id, metric_id, time / 86400, profile_id, count(*) FROM events"
            " WHERE account_id = ? GROUP BY account_id, metric_id, time / 86400, profile_id",
            (account_id,),
        )
        self.rebuild_property_rollups(account_id)

    # --- reads for metric exports ------------------------------------------------------------

    def daily_totals(
        self, account_id: int, metric_id: int, first_day: int, last_day: int
    ) -> list[DailyTotal]:
        rows = self.all(
            "SELECT day, event_count, value_sum FROM metric_daily WHERE account_id = ?"
            " AND metric_id = ? AND day >= ? AND day <= ? ORDER BY day",
            (account_id, metric_id, first_day, last_day),
        )
        return [DailyTotal(*row) for row in rows]

    def daily_uniques(
        self, account_id: int, metric_id: int, first_day: int, last_day: int
    ) -> dict[int, int]:
        """Distinct profiles per day."""
        rows = self.all(
            "SELECT day, count(*) FROM metric_daily_profiles WHERE account_id = ?"
            " AND metric_id = ? AND day >= ? AND day <= ? AND event_count > 0 GROUP BY day",
            (account_id, metric_id, first_day, last_day),
        )
        return {day: count for day, count in rows}

    def unique_profiles(
        self, account_id: int, metric_id: int, first_day: int, last_day: int
    ) -> int:
        """Distinct profiles over a span of days."""
        row = self.one(
            "SELECT count(DISTINCT profile_id) FROM metric_daily_profiles WHERE account_id = ?"
            " AND metric_id = ? AND day >= ? AND day <= ? AND event_count > 0",
            (account_id, metric_id, first_day, last_day),
        )
        return int(row[0])

    def group_events(
        self,
        account_id: int,
        metric_id: int,
        start_time: int,
        end_time: int,
        keys: Sequence[str],
        per_profile: bool,
    ) -> list[EventGroup]:
        """A metric's events with start_time <= time < end_time, for filters rollups lack,
        grouped in SQL by day, the values of the top-level properties `keys` (as JSON text, so
        types are kept) and, with `per_profile`, the profile."""
        lookups = [self.json_property(key) for key in keys]
        named = [lookup for lookup in lookups if lookup is not None]
        # A key the backend cannot name: group by the whole documents and look in them here.
        whole = len(named) < len(lookups)
        columns = ["properties"] if whole else [expression for expression, _ in named]
        rows = self.all(
            f"SELECT time / 86400, {'profile_id' if per_profile else '0'}, count(*), sum(value),"
            f" {', '.join(columns)} FROM events WHERE account_id = ? AND metric_id = ?"
            " AND time >= ? AND time < ? GROUP BY 1, 2, "
            + ", ".join(str(5 + index) for index in range(len(columns))),
            ([] if whole else [value for _, value in named])
            + [account_id, metric_id, start_time, end_time],
        )
        groups = []
        for day, profile_id, count, value_sum, *texts in rows:
            if whole:
                document = orjson.loads(texts[0])
                properties = {key: document[key] for key in keys if key in document}
            else:
                properties = {
                    key: orjson.loads(text)
                    for key, text in zip(keys, texts, strict=True)
                    if text is not None
                }
            groups.append(EventGroup(day, profile_id, count, value_sum or 0.0, properties))
        return groups
