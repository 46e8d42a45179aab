"""The pipeline's outcome does not depend on how the inbox is cut into batches, and identity
changes keep the store consistent (Hypothesis over random identify/track sequences)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cairn.accounts.actions import do_create_account
from cairn.inbox.records import InboxRecord, Kind
from cairn.pipeline.worker import Worker
from cairn.store import Store, open_store

POOLS = {
    "$email": ["a@x.io", "b@x.io", "c@x.io"],
    "$phone_number": ["+4930000001", "+4930000002"],
    "$id": ["u1", "u2", "u3"],
}
SPELLINGS = {"$email": "email", "$phone_number": "phone_number", "$id": "id"}
KIND_OF = {"$email": "email", "$phone_number": "phone", "$id": "external_id"}
START = 1_600_000_000.0


@st.composite
def payloads(draw: st.DrawFn) -> tuple[Kind, dict[str, Any]]:
    people: dict[str, Any] = {}
    for key, values in POOLS.items():
        if draw(st.booleans()):
            spelling = key if draw(st.booleans()) else SPELLINGS[key]
            people[spelling] = draw(st.sampled_from(values))
    people.update(
        draw(
            st.dictionaries(
                st.sampled_from(["k1", "k2"]), st.integers(0, 3) | st.none(), max_size=2
            )
        )
    )
    if draw(st.booleans()):
        return Kind.IDENTIFY, {"properties": people}
    properties: dict[str, Any] = {}
    if draw(st.booleans()):
        properties["$event_id"] = draw(st.sampled_from(["e1", "e2"]))
    if draw(st.booleans()):
        properties["__track_once__"] = True
    return Kind.TRACK, {
        "event": draw(st.sampled_from(["M1", "M2"])),
        "customer_properties": people,
        "properties": properties,
    }


@contextmanager
def fresh_store() -> Iterator[tuple[Store, int, str]]:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'cairn.db'}")
        store.migrate()
        account = do_create_account(store, "Batches")
        try:
            yield store, account.account_id, account.public_key
        finally:
            store.close()


def apply_all(sequence: list[tuple[Kind, dict[str, Any]]], batch_size: int) -> dict[str, Any]:
    """Apply the sequence with the given batch size; returns what the store holds."""
    with fresh_store() as (store, account_id, token):
        records = [
            InboxRecord(kind, account_id, START + n, 0, orjson.dumps({"token": token, **payload}))
            for n, (kind, payload) in enumerate(sequence)
        ]
        with closing(store.inbox_appender()) as appender:
            appender.append(records)
        Worker(store, batch_size=batch_size).drain()
        return snapshot(store, account_id)


def snapshot(store: Store, account_id: int) -> dict[str, Any]:
    with store.read() as queries:
        profiles = {}
        for key, values in POOLS.items():
            for value in values:
                row = queries.profile_by_identifier(account_id, KIND_OF[key], value)
                if row is not None:
                    profiles[row.id] = (dict(row.identifiers.values), row.properties)
        events = queries.events(account_id)
        for event in events:
            live = queries.profile_by_id(account_id, event.profile_id)
            assert live is not None and live.id == event.profile_id, "event on a merged profile"
        merges = queries.merges(account_id)
        for _, absorbed in merges:
            survivor = queries.profile_by_id(account_id, absorbed)
            assert survivor is not None and survivor.id in profiles, "merge does not redirect"
        return {
            "profiles": profiles,
            "events": sorted((e.metric, e.profile_id, e.event_id, e.time) for e in events),
            "merges": merges,
            "conflicts": queries.identity_conflicts(account_id),
            "rejected": sorted(r.reason for r in queries.rejections(account_id)),
        }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(payloads(), min_size=1, max_size=15))
def test_batching_does_not_change_the_outcome(sequence: list[tuple[Kind, dict[str, Any]]]) -> None:
    one_by_one = apply_all(sequence, batch_size=1)
    all_at_once = apply_all(sequence, batch_size=1000)
    assert all_at_once == one_by_one
    assert not [r for r in one_by_one["rejected"] if r.startswith("internal error")]
    for identifiers, properties in one_by_one["profiles"].values():
        # The `$` properties always say what the identifier columns hold.
        held = {KIND_OF[key]: properties[key] for key in POOLS if key in properties}
        assert held == identifiers
