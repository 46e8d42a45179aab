"""What a batch changed on each profile, so segments are evaluated only where it matters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cairn.store.records import ProfileRow


@dataclass
class Touch:
    """What one batch changed on one profile."""

    row: ProfileRow
    keys: set[str] = field(default_factory=set)
    metrics: set[str] = field(default_factory=set)
    created: bool = False  # new in this batch: nothing was stored about it before
    merged: bool = False

    @property
    def everything(self) -> bool:
        return self.created or self.merged

    @property
    def fresh(self) -> bool:
        return self.created and not self.merged


class TouchLog:
    """The profiles a batch changed, collected while it is applied."""

    def __init__(self) -> None:
        self.accounts: dict[int, dict[int, Touch]] = {}
        self.gone: set[tuple[int, int]] = set()  # merged away: (account_id, profile_id)

    def _touch(self, row: ProfileRow) -> Touch:
        touches = self.accounts.setdefault(row.account_id, {})
        touch = touches.get(row.id)
        if touch is None:
            touch = touches[row.id] = Touch(row)
        touch.row = row  # the newest copy holds the newest properties
        return touch

    def created(self, row: ProfileRow) -> None:
        self._touch(row).created = True

    def changed(self, row: ProfileRow, keys: Iterable[str]) -> None:
        self._touch(row).keys.update(keys)

    def event(self, row: ProfileRow, metric: str) -> None:
        self._touch(row).metrics.add(metric)

    def merged(self, row: ProfileRow, absorbed_ids: Iterable[int]) -> None:
        self._touch(row).merged = True
        for absorbed_id in absorbed_ids:  # the store dropped their memberships
            self.accounts[row.account_id].pop(absorbed_id, None)
            self.gone.add((row.account_id, absorbed_id))

    def extend(self, other: TouchLog) -> None:
        for touches in other.accounts.values():
            for touch in touches.values():
                mine = self._touch(touch.row)
                mine.keys |= touch.keys
                mine.metrics |= touch.metrics
                mine.created |= touch.created
                mine.merged |= touch.merged
        for account_id, profile_id in other.gone:
            self.accounts.get(account_id, {}).pop(profile_id, None)
        self.gone |= other.gone


def changed_keys(before: Mapping[str, object], after: Mapping[str, object]) -> set[str]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
