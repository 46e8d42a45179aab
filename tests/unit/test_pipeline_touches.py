from cairn.pipeline.identity import Identifiers
from cairn.pipeline.touches import TouchLog, changed_keys
from cairn.store.records import ProfileRow


def row(profile_id: int, **properties: object) -> ProfileRow:
    return ProfileRow(profile_id, 1, Identifiers({}), dict(properties), 0.0, 0.0)


def test_changed_keys_covers_added_removed_and_altered() -> None:
    assert changed_keys({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": 4}) == {"b", "c", "d"}
    assert changed_keys({"a": [1]}, {"a": [1]}) == set()


def test_one_touch_per_profile_gathers_everything_and_keeps_the_newest_row() -> None:
    log = TouchLog()
    log.changed(row(7, Plan="Gold"), {"Plan"})
    log.event(row(7, Plan="Gold"), "Placed Order")
    newest = row(7, Plan="Silver")
    log.changed(newest, {"Plan", "$city"})
    [touch] = log.accounts[1].values()
    assert (touch.keys, touch.metrics, touch.row) == ({"Plan", "$city"}, {"Placed Order"}, newest)
    assert not touch.everything and not touch.fresh


def test_created_profiles_are_fresh_until_they_absorb_another() -> None:
    log = TouchLog()
    log.created(row(1))
    assert log.accounts[1][1].fresh
    log.created(row(2))
    log.merged(row(1), [2])
    assert list(log.accounts[1]) == [1]
    touch = log.accounts[1][1]
    assert touch.everything and not touch.fresh


def test_extending_drops_profiles_merged_away_later() -> None:
    batch, entry = TouchLog(), TouchLog()
    batch.event(row(2), "Viewed")
    entry.created(row(3))
    entry.merged(row(3), [2])
    batch.extend(entry)
    assert list(batch.accounts[1]) == [3]
    assert batch.accounts[1][3].merged
