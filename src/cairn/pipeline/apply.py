"""Apply claimed inbox entries to the store, using the domain rules.

One `BatchApplier.apply` call runs inside the transaction that acknowledges the batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from cairn.inbox.records import InboxEntry, Kind
from cairn.metrics.property_rollups import PropertyTally
from cairn.pipeline.events import EventDraft, build_event, check_metric_allowed
from cairn.pipeline.identity import (
    IDENTIFIER_KEYS,
    Identifiers,
    ProfileRef,
    extract_identifiers,
    identifier_properties,
    merge_properties,
    resolve,
)
from cairn.pipeline.rejections import Rejected
from cairn.pipeline.segments import SegmentMaintainer
from cairn.pipeline.touches import TouchLog, changed_keys
from cairn.store.records import NewEvent, ProfileRow
from cairn.store.rollups import SECONDS_PER_DAY
from cairn.store.sql import Queries
from cairn.webhooks.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class BatchStats:
    applied: int = 0
    events: int = 0
    duplicates: int = 0
    rejected: int = 0
    merges: int = 0
    segment_evaluations: int = 0
    rejected_reasons: dict[str, int] = field(default_factory=dict)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        self.rejected_reasons[reason] = self.rejected_reasons.get(reason, 0) + 1

    def counters(self) -> dict[str, int]:
        """The running totals this batch adds to (reasons cut before any variable detail)."""
        totals = {
            "entries_applied": self.applied,
            "events_applied": self.events,
            "duplicates": self.duplicates,
            "merges": self.merges,
        }
        for reason, count in self.rejected_reasons.items():
            key = "rejected:" + reason.split(": ", 1)[0][:100]
            totals[key] = totals.get(key, 0) + count
        return totals


def payload_text(entry: InboxEntry) -> str:
    return entry.payload.decode("utf-8", errors="replace")


def profile_fields(kind: Kind, payload: dict[str, Any]) -> object:
    """Where a payload keeps the profile's identifiers and properties."""
    return payload.get("customer_properties" if kind is Kind.TRACK else "properties") or {}


class _BatchState:
    """Look-ups cached for the length of one transaction, and rollup counts not yet written."""

    def __init__(
        self, queries: Queries, touches: TouchLog | None = None, outbox: Outbox | None = None
    ) -> None:
        self.queries = queries
        self.touches = touches or TouchLog()
        self.outbox = outbox or Outbox(queries)
        self.metrics: dict[int, dict[str, int]] = {}
        self.profiles: dict[tuple[int, str, str], ProfileRow] = {}
        self.absent: set[tuple[int, str, str]] = set()
        self.events: list[NewEvent] = []  # inserted together, in order, by `flush_events`
        # Per pending event, for its webhooks: the metric name and the person's properties.
        self.event_context: list[tuple[str, Mapping[str, object]]] = []
        self.daily: dict[tuple[int, int, int], tuple[int, float]] = {}
        self.per_profile: dict[tuple[int, int, int, int], int] = {}
        self.property_tally = PropertyTally()
        self.capped_known: set[int] = set()  # accounts whose capped property keys are loaded

    def prefetch(self, entries: Sequence[InboxEntry]) -> None:
        """Look every identifier of the batch up at once, one query per account and kind,
        instead of one query per payload; what is not found is remembered as absent."""
        wanted: dict[tuple[int, str], set[str]] = {}
        for entry in entries:
            try:
                fields = profile_fields(entry.kind, orjson.loads(entry.payload))
            except (orjson.JSONDecodeError, AttributeError):
                continue
            if entry.note is None and isinstance(fields, dict):
                for kind, value in extract_identifiers(fields).ranked():
                    wanted.setdefault((entry.account_id, kind), set()).add(value)
        for (account_id, kind), values in wanted.items():
            self.absent.update((account_id, kind, value) for value in values)
            for row in self.queries.profiles_by_identifiers(account_id, kind, sorted(values)):
                self.remember(row)

    def flush_events(self, stats: BatchStats) -> None:
        """Insert the pending events; count those that were new for the rollups, and queue
        their webhooks."""
        inserted = self.queries.insert_events(self.events)
        for event, new, (metric, person) in zip(
            self.events, inserted, self.event_context, strict=True
        ):
            if new:
                self.count_event(event)
                self.outbox.event(
                    event.account_id,
                    metric,
                    event.time,
                    event.event_id,
                    event.properties,
                    event.profile_id,
                    person,
                    event.applied_at,
                )
                stats.events += 1
            else:
                stats.duplicates += 1
        self.events.clear()
        self.event_context.clear()

    def forget(self) -> None:
        self.profiles.clear()
        self.absent.clear()

    def count_event(self, event: NewEvent) -> None:
        day = event.time // SECONDS_PER_DAY
        key = (event.account_id, event.metric_id, day)
        count, total = self.daily.get(key, (0, 0.0))
        self.daily[key] = (count + 1, total + (event.value or 0.0))
        profile_key = (*key, event.profile_id)
        self.per_profile[profile_key] = self.per_profile.get(profile_key, 0) + 1
        if event.account_id not in self.capped_known:
            self.capped_known.add(event.account_id)
            self.property_tally.capped |= self.queries.capped_property_keys(event.account_id)
        self.property_tally.add(
            event.account_id, event.metric_id, day, event.value, event.properties
        )

    def flush_rollups(self) -> None:
        """Write the counted events to the rollups; due before a merge moves a profile's share."""
        if self.daily:
            self.queries.add_to_rollups(self.daily, self.per_profile)
            self.daily = {}
            self.per_profile = {}
        if self.property_tally:
            capped = self.property_tally.capped | self.queries.add_property_rollups(
                self.property_tally
            )
            self.property_tally = PropertyTally(capped)

    def metric_id(self, account_id: int, name: str, now: float) -> int:
        metrics = self.metrics.get(account_id)
        if metrics is None:
            metrics = self.metrics[account_id] = self.queries.metrics_of(account_id)
        metric_id = metrics.get(name)
        if metric_id is None:
            check_metric_allowed(len(metrics))
            metric_id = metrics[name] = self.queries.insert_metric(account_id, name, now)
        return metric_id

    def profile(self, account_id: int, kind: str, value: str) -> ProfileRow | None:
        key = (account_id, kind, value)
        row = self.profiles.get(key)
        if row is None and key not in self.absent:
            row = self.queries.profile_by_identifier(account_id, kind, value)
            if row is not None:
                self.profiles[key] = row
        return row

    def remember(self, row: ProfileRow) -> None:
        for kind, value in row.identifiers.values.items():
            self.profiles[(row.account_id, kind, value)] = row
            self.absent.discard((row.account_id, kind, value))


class BatchApplier:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.segments = SegmentMaintainer()

    def apply(self, entries: Sequence[InboxEntry], queries: Queries) -> BatchStats:
        stats = BatchStats()
        state = _BatchState(queries)
        state.prefetch(entries)
        for entry in entries:
            self.apply_entry(entry, state, stats)
        state.flush_events(stats)
        state.flush_rollups()
        changes = self.segments.refresh(queries, state.touches, state.outbox, self.clock())
        stats.segment_evaluations = changes.evaluated
        return stats

    def apply_isolated(self, entries: Sequence[InboxEntry], queries: Queries) -> BatchStats:
        """Slow path after a batch failed: each entry in a savepoint; one that still fails is
        recorded as rejected with the error, so a bad record can never block the inbox."""
        stats = BatchStats()
        touches, outbox = TouchLog(), Outbox(queries)
        for entry in entries:
            try:
                with queries.savepoint():
                    state = _BatchState(queries, TouchLog(), outbox)
                    self.apply_entry(entry, state, stats)
                    state.flush_events(stats)
                    state.flush_rollups()
                touches.extend(state.touches)
            except Exception as error:
                reason = f"internal error: {type(error).__name__}: {error}"[:500]
                self._reject(queries, entry, reason, stats)
        try:
            with queries.savepoint():
                changes = self.segments.refresh(queries, touches, outbox, self.clock())
            stats.segment_evaluations = changes.evaluated
        except Exception:
            log.exception("segment refresh failed; `cairn segment rebuild` repairs membership")
        return stats

    def upsert_profile(
        self, queries: Queries, account_id: int, properties: Mapping[str, object], now: float
    ) -> ProfileRow:
        """Find or create (merging as Identify does) the profile `properties` identify."""
        identifiers = extract_identifiers(properties)
        if not identifiers:
            raise Rejected("no identifier ($email, $phone_number, $id or $exchange_id)")
        return self._upsert_profile(
            _BatchState(queries), account_id, identifiers, properties, now, BatchStats()
        )

    def apply_entry(self, entry: InboxEntry, state: _BatchState, stats: BatchStats) -> None:
        if entry.note is not None:
            self._reject(state.queries, entry, entry.note, stats)
            return
        try:
            payload = orjson.loads(entry.payload)
            self._apply_payload(entry, payload, state, stats)
        except Rejected as rejection:
            self._reject(state.queries, entry, rejection.reason, stats)
        else:
            stats.applied += 1

    def _reject(self, queries: Queries, entry: InboxEntry, reason: str, stats: BatchStats) -> None:
        queries.insert_rejection(
            entry.account_id,
            entry.kind.value,
            payload_text(entry),
            reason,
            entry.received_at,
            self.clock(),
        )
        stats.reject(reason)

    def _apply_payload(
        self, entry: InboxEntry, payload: dict[str, Any], state: _BatchState, stats: BatchStats
    ) -> None:
        draft: EventDraft | None = None
        if entry.kind is Kind.TRACK:
            draft = build_event(payload, entry.received_at)
        properties = profile_fields(entry.kind, payload)
        if not isinstance(properties, dict):
            raise Rejected("profile properties are not an object")
        identifiers = extract_identifiers(properties)
        if not identifiers:
            raise Rejected("no identifier ($email, $phone_number, $id or $exchange_id)")
        now = self.clock()
        metric_id = state.metric_id(entry.account_id, draft.metric, now) if draft else None
        profile = self._upsert_profile(
            state, entry.account_id, identifiers, properties, entry.received_at, stats
        )
        if draft is None or metric_id is None:
            return
        if draft.track_once:
            state.flush_events(stats)
            if state.queries.has_event(entry.account_id, metric_id, profile.id):
                stats.duplicates += 1
                return
        state.events.append(
            NewEvent(
                entry.account_id,
                metric_id,
                profile.id,
                draft.time,
                draft.value,
                draft.event_id,
                draft.properties,
                entry.received_at,
                now,
            )
        )
        state.event_context.append((draft.metric, profile.properties))
        state.touches.event(profile, draft.metric)

    def _upsert_profile(
        self,
        state: _BatchState,
        account_id: int,
        identifiers: Identifiers,
        properties: Mapping[str, object],
        received_at: float,
        stats: BatchStats,
    ) -> ProfileRow:
        rows: dict[int, ProfileRow] = {}
        matches: dict[str, ProfileRef] = {}
        for kind, value in identifiers.ranked():
            row = state.profile(account_id, kind, value)
            if row is not None:
                rows[row.id] = row
                matches[kind] = ProfileRef(row.id, row.identifiers, row.updated_at)
        resolution = resolve(identifiers, matches)
        sent = {k: v for k, v in properties.items() if k not in IDENTIFIER_KEYS}
        queries = state.queries
        now = self.clock()

        if resolution.target is None:
            stored = {**sent, **identifier_properties(identifiers)}
            profile_id = queries.insert_profile(account_id, identifiers, stored, received_at)
            row = ProfileRow(profile_id, account_id, identifiers, stored, received_at, received_at)
            state.remember(row)
            state.touches.created(row)
            return row

        target = rows[resolution.target]
        combined: Mapping[str, object] = target.properties
        if resolution.absorb:
            combined = merge_properties(
                target.properties,
                target.updated_at,
                [(rows[ref.id].properties, ref.updated_at) for ref in resolution.absorb],
            )
            state.flush_events(stats)  # events of the absorbed profiles must be there to move
            state.flush_rollups()
            for ref in resolution.absorb:
                queries.absorb_profile(account_id, target.id, ref.id, now)
            stats.merges += len(resolution.absorb)
        for conflict in resolution.conflicts:
            queries.record_conflict(account_id, target.id, conflict.profile_id, conflict.kind, now)
        updated = {**combined, **sent, **identifier_properties(resolution.identifiers)}
        identifiers_changed = resolution.identifiers != target.identifiers
        if updated == target.properties and not identifiers_changed and not resolution.absorb:
            return target
        keys = changed_keys(target.properties, updated)
        target.properties = updated
        target.identifiers = resolution.identifiers
        target.updated_at = max(target.updated_at, received_at)
        if identifiers_changed:
            queries.update_profile(target)
        else:
            queries.update_profile_properties(target)
        if identifiers_changed or resolution.absorb:
            state.forget()
        state.remember(target)
        state.touches.changed(target, keys)
        if resolution.absorb:
            state.touches.merged(target, [ref.id for ref in resolution.absorb])
        return target
