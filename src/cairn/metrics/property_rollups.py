"""Which event property values the daily property rollups keep. Pure, no I/O.

The rollups count events and sum `$value` per (account, metric, property key, UTC day, value),
the value kept as its JSON text so that `1`, `1.0` and `true` stay apart. They serve exports and
charts that filter or split by one property. A key stays rolled up while it is small: once it
has more than `MAX_VALUES_PER_DAY` values in a day (order ids, say), or a value whose JSON text is
longer than `MAX_VALUE_TEXT`, it is *capped*: its rows are dropped and those exports read the
events instead. `$event_id`, unique by design, is never rolled up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import orjson

MAX_VALUES_PER_DAY = 1000
MAX_VALUE_TEXT = 200
NOT_ROLLED_UP = frozenset({"$event_id"})

KeyRef = tuple[int, int, str]  # account, metric, property key
KeyDay = tuple[int, int, str, int]  # account, metric, property key, UTC day
PropertyRow = tuple[int, int, str, int, str]  # account, metric, key, day, value JSON text


class PropertyTally:
    """Events and `$value` sums per property row, for a batch of events (to add to the rollups,
    or to take out of them), minus the keys found capped."""

    def __init__(self, capped: Iterable[KeyRef] = ()) -> None:
        self.rows: dict[PropertyRow, tuple[int, float]] = {}
        self.capped: set[KeyRef] = set(capped)
        self.newly_capped: set[KeyRef] = set()
        self._values: dict[KeyDay, int] = {}

    def add(
        self,
        account_id: int,
        metric_id: int,
        day: int,
        value: float | None,
        properties: Mapping[str, object],
    ) -> None:
        for key, item in properties.items():
            ref = (account_id, metric_id, key)
            if ref in self.capped or key in NOT_ROLLED_UP:
                continue
            text = orjson.dumps(item).decode()
            if len(text) > MAX_VALUE_TEXT:
                self.cap(ref)
                continue
            key_day = (account_id, metric_id, key, day)
            row = (*key_day, text)
            count, total = self.rows.get(row, (0, 0.0))
            if count == 0:
                values = self._values.get(key_day, 0) + 1
                if values > MAX_VALUES_PER_DAY:
                    self.cap(ref)
                    continue
                self._values[key_day] = values
            self.rows[row] = (count + 1, total + (value or 0.0))

    def cap(self, ref: KeyRef) -> None:
        """Stop rolling `ref` up, and forget what was counted for it."""
        if ref in self.capped:
            return
        self.capped.add(ref)
        self.newly_capped.add(ref)
        self.rows = {row: share for row, share in self.rows.items() if row[:3] != ref}

    def __bool__(self) -> bool:
        return bool(self.rows or self.newly_capped)
