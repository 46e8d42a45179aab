"""Live segment membership, kept inside the caller's transaction.

- `refresh`: after a pipeline batch, each touched profile is evaluated once, against only the
  segments whose definitions read what the batch changed on it (a property, a metric) — or all
  of them for a new or merged profile.
- `recheck_due`: pairs (segment, profile) whose time-window edge has passed are evaluated again,
  so "ordered in the last 30 days" ends without any new event.
- `rebuild_page`: one page of an account's profiles against one segment (the full rebuild).

Each records entries and exits, queues the segment webhooks, and keeps the recheck times.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import orjson

from cairn.api import ids
from cairn.pipeline.touches import Touch, TouchLog
from cairn.segments.definition import (
    EMAIL_PROPERTY,
    DateRange,
    Definition,
    DefinitionError,
    WithinLastDays,
    check_definition,
)
from cairn.segments.evaluate import (
    NO_MEMBERSHIPS,
    Evaluator,
    EventFact,
    EventLog,
    Memberships,
    evaluator,
    unchanged_by_new_events,
)
from cairn.segments.moments import DAY
from cairn.store.segment_queries import SegmentQueries, SegmentRow
from cairn.store.sql import Queries
from cairn.webhooks.outbox import Outbox

log = logging.getLogger(__name__)

CHUNK = 1000
MAX_PARSED = 10_000
LAST_ID = 2**62


@dataclass(frozen=True)
class Segment:
    id: int
    name: str
    definition: Definition
    evaluator: Evaluator


class AccountSegments:
    """An account's segments, indexed by the properties and metrics they read."""

    def __init__(self, segments: list[Segment]) -> None:
        self.all = segments
        self.by_id = {s.id: s for s in segments}
        self.by_property: dict[str, list[Segment]] = defaultdict(list)
        self.by_metric: dict[str, list[Segment]] = defaultdict(list)
        for segment in segments:
            for name in segment.definition.properties:
                self.by_property[name].append(segment)
            for metric in segment.definition.metrics:
                self.by_metric[metric].append(segment)

    def reading(self, touch: Touch) -> list[Segment]:
        """The segments whose answer the touch could change."""
        if touch.everything:
            return self.all
        found: dict[int, Segment] = {}
        for name in touch.keys:
            found.update((s.id, s) for s in self.by_property.get(name, ()))
        for metric in touch.metrics:
            found.update((s.id, s) for s in self.by_metric.get(metric, ()))
        return list(found.values())


@dataclass
class Changes:
    entered: int = 0
    exited: int = 0
    evaluated: int = 0

    def add(self, other: Changes) -> None:
        self.entered += other.entered
        self.exited += other.exited
        self.evaluated += other.evaluated


@dataclass(frozen=True)
class RebuildStep:
    last_profile_id: int
    profiles: int
    finished: bool
    changes: Changes


class SegmentMaintainer:
    """Keeps parsed definitions across batches, by their text (so edits and other stores never
    see a stale one), and each account's segments while they stay the same."""

    def __init__(self) -> None:
        self._parsed: dict[str, Definition | None] = {}  # by definition text
        self._accounts: dict[int, tuple[tuple[tuple[int, str, str], ...], AccountSegments]] = {}

    def segment(self, row: SegmentRow) -> Segment | None:
        key = row.definition
        if key not in self._parsed:
            if len(self._parsed) >= MAX_PARSED:
                self._parsed.clear()
            try:
                self._parsed[key] = check_definition(orjson.loads(row.definition))
            except DefinitionError as error:
                log.error("segment %s has an unusable definition: %s", row.id, error)
                self._parsed[key] = None
        definition = self._parsed[key]
        if definition is None:
            return None
        return Segment(row.id, row.name, definition, evaluator(definition))

    def segments(self, store: SegmentQueries, account_id: int) -> AccountSegments:
        rows = store.segments_of(account_id)
        key = tuple((row.id, row.name, row.definition) for row in rows)
        cached = self._accounts.get(account_id)
        if cached is None or cached[0] != key:
            segments = AccountSegments([s for row in rows if (s := self.segment(row))])
            cached = self._accounts[account_id] = (key, segments)
        return cached[1]

    # --- the three ways in --------------------------------------------------------------------

    def refresh(self, queries: Queries, touches: TouchLog, outbox: Outbox, now: float) -> Changes:
        store = SegmentQueries(queries)
        total = Changes()
        for account_id, touched in touches.accounts.items():
            segments = self.segments(store, account_id)
            if not segments.all:
                continue
            work: dict[int, list[Segment]] = {}
            for profile_id, touch in touched.items():
                relevant = segments.reading(touch)
                if relevant:
                    work[profile_id] = relevant
            known = {pid: touched[pid].row.properties for pid in work}
            total.add(_Evaluation(store, outbox, account_id, now, touched).run(work, known))
        return total

    def refresh_profiles(
        self, queries: Queries, account_id: int, profile_ids: Iterable[int], now: float
    ) -> Changes:
        """Evaluate these profiles against every segment: after a change made outside the
        pipeline (list membership, exclusions, properties set over REST)."""
        store = SegmentQueries(queries)
        segments = self.segments(store, account_id).all
        work = {pid: segments for pid in set(profile_ids)} if segments else {}
        return _Evaluation(store, Outbox(queries), account_id, now).run(work, None)

    def recheck_due(self, queries: Queries, outbox: Outbox, now: float, limit: int) -> int:
        """Re-evaluate up to `limit` pairs whose recheck time has come; returns how many."""
        store = SegmentQueries(queries)
        rows = store.claim_due_rechecks(now, limit)
        due: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        for account_id, segment_id, profile_id in rows:
            due[account_id][profile_id].add(segment_id)
        for account_id, pairs in due.items():
            segments = self.segments(store, account_id).by_id
            work = {
                pid: [segments[sid] for sid in sorted(sids) if sid in segments]
                for pid, sids in pairs.items()
            }
            _Evaluation(store, outbox, account_id, now).run(work, None)
        return len(rows)

    def rebuild_page(
        self,
        queries: Queries,
        outbox: Outbox,
        row: SegmentRow,
        after_id: int,
        limit: int,
        now: float,
    ) -> RebuildStep:
        """Evaluate the next `limit` profiles after `after_id`; drops members that no longer
        exist in that range (merged away)."""
        store = SegmentQueries(queries)
        page = store.profile_page(row.account_id, after_id, limit)
        return self._rebuild(store, outbox, row, after_id, page, limit, now)

    def build_pending(self, queries: Queries, outbox: Outbox, now: float, limit: int) -> bool:
        """One page of the first segment whose membership is not built for its definition
        (new or edited), resuming from its stored cursor; False when none is pending."""
        store = SegmentQueries(queries)
        pending = store.segments_to_build()
        if not pending:
            return False
        row = pending[0]
        page = store.profile_page(row.account_id, row.rebuild_cursor, limit)
        if store.claim_rebuild_page(row, page[-1][0] if page else row.rebuild_cursor):
            step = self._rebuild(store, outbox, row, row.rebuild_cursor, page, limit, now)
            store.set_rebuild_progress(row, step.last_profile_id, step.finished)
        return True

    def _rebuild(
        self,
        store: SegmentQueries,
        outbox: Outbox,
        row: SegmentRow,
        after_id: int,
        page: list[tuple[int, dict[str, object]]],
        limit: int,
        now: float,
    ) -> RebuildStep:
        finished = len(page) < limit
        last_id = page[-1][0] if page else after_id
        segment = self.segment(row)
        changes = Changes()
        if segment is not None:
            known: dict[int, dict[str, object]] = dict(page)
            gone = store.members_between(
                row.account_id, row.id, after_id, LAST_ID if finished else last_id
            )
            work = {pid: [segment] for pid in known.keys() | gone}
            changes = _Evaluation(store, outbox, row.account_id, now).run(work, known)
        return RebuildStep(last_id, len(page), finished, changes)


_SHARED = SegmentMaintainer()


def refresh_segments(
    queries: Queries, account_id: int, profile_ids: Iterable[int], now: float
) -> Changes:
    """After a change made outside the pipeline (list membership, exclusions, properties set
    over REST): evaluate these profiles against every segment, in the caller's transaction."""
    return _SHARED.refresh_profiles(queries, account_id, profile_ids, now)


def rebuild_segments_reading_list(queries: Queries, account_id: int, list_id: str) -> None:
    """A list went away: the worker rebuilds the segments that ask about it."""
    store = SegmentQueries(queries)
    segments = _SHARED.segments(store, account_id).all
    store.request_rebuild(account_id, [s.id for s in segments if list_id in s.definition.lists])


class _Evaluation:
    """Evaluates profiles against segments for one account and writes what changed."""

    def __init__(
        self,
        store: SegmentQueries,
        outbox: Outbox,
        account_id: int,
        now: float,
        touches: Mapping[int, Touch] | None = None,
    ) -> None:
        """`touches`: what a batch changed on the profiles. A profile it created has no older
        events, memberships or rechecks in the store; one that only got new events needs no
        evaluation where those events cannot change its answer."""
        self.store = store
        self.outbox = outbox
        self.account_id = account_id
        self.now = now
        self.touches = touches or {}

    def run(
        self,
        work: Mapping[int, Sequence[Segment]],
        known: Mapping[int, dict[str, object]] | None,
    ) -> Changes:
        """`known`: properties of profiles already at hand; a profile neither there nor in the
        store (merged away) belongs to no segment."""
        total = Changes()
        profile_ids = sorted(work)
        for start in range(0, len(profile_ids), CHUNK):
            chunk = {pid: work[pid] for pid in profile_ids[start : start + CHUNK]}
            properties = dict(known or {})
            missing = [pid for pid in chunk if pid not in properties]
            if missing and known is None:
                properties.update(self.store.profile_properties(self.account_id, missing))
            total.add(self._chunk(chunk, properties))
        return total

    def _chunk(
        self, work: Mapping[int, Sequence[Segment]], properties: Mapping[int, dict[str, object]]
    ) -> Changes:
        account_id, now = self.account_id, self.now
        segments = {s.id: s for group in work.values() for s in group}
        segment_ids = list(segments)
        stored = [pid for pid in work if not self._fresh(pid)]
        current, rechecks = self.store.state_of(account_id, stored, segment_ids)
        pending: dict[int, Sequence[Segment]] = {}
        for pid, group in work.items():
            touch = self.touches.get(pid)
            if touch is not None and not touch.everything:
                group = [s for s in group if not _settled(touch, s, (s.id, pid) in current)]
            if group:
                pending[pid] = group
        work = pending
        events = self._events(work)
        entered: list[tuple[int, int]] = []
        exited: list[tuple[int, int]] = []
        due: list[tuple[int, int, float]] = []
        undue: list[tuple[int, int]] = []
        memberships = self._memberships(work, properties)
        for profile_id, group in work.items():
            profile = properties.get(profile_id)
            facts = EventLog(events.get(profile_id, ()))
            belongs = memberships.get(profile_id, NO_MEMBERSHIPS)
            for segment in group:
                key = (segment.id, profile_id)
                inside = profile is not None and segment.evaluator.evaluate(
                    profile, facts, belongs, now
                )
                if inside != (key in current):
                    (entered if inside else exited).append(key)
                if not segment.definition.time_dependent:
                    continue
                when = (
                    segment.evaluator.next_change(profile, facts, now)
                    if profile is not None
                    else None
                )
                if when is None:
                    if key in rechecks:
                        undue.append(key)
                elif rechecks.get(key) != when:
                    due.append((*key, when))
        self.store.add_members(account_id, entered, now)
        self.store.remove_members(account_id, exited, now)
        self.store.set_rechecks(account_id, due)
        self.store.clear_rechecks(account_id, undue)
        for pairs, inside in ((entered, True), (exited, False)):
            for segment_id, profile_id in pairs:
                self.outbox.segment_change(
                    account_id,
                    segment_id,
                    segments[segment_id].name,
                    inside,
                    profile_id,
                    properties.get(profile_id) or {},
                    now,
                )
        return Changes(len(entered), len(exited), sum(len(g) for g in work.values()))

    def _fresh(self, profile_id: int) -> bool:
        touch = self.touches.get(profile_id)
        return touch is not None and touch.fresh

    def _memberships(
        self, work: Mapping[int, Sequence[Segment]], properties: Mapping[int, dict[str, object]]
    ) -> dict[int, Memberships]:
        """Lists and global exclusions, read only when a segment at hand asks about them."""
        definitions = {s.id: s.definition for group in work.values() for s in group}.values()
        lists = {
            text: number
            for d in definitions
            for text in d.lists
            if (number := ids.decode("list", text)) is not None
        }
        if not lists and not any(d.uses_exclusions for d in definitions):
            return {}
        profile_ids = list(work)
        in_lists = self.store.lists_of(self.account_id, profile_ids, list(lists.values()))
        public = {number: text for text, number in lists.items()}
        emails = {
            pid: email
            for pid in profile_ids
            if isinstance(email := (properties.get(pid) or {}).get(EMAIL_PROPERTY), str)
        }
        excluded = self.store.q.excluded_emails(self.account_id, sorted(set(emails.values())))
        return {
            pid: Memberships(
                frozenset(public[n] for n in in_lists.get(pid, ())),
                emails.get(pid) in excluded,
            )
            for pid in profile_ids
        }

    def _events(self, work: Mapping[int, Sequence[Segment]]) -> dict[int, list[EventFact]]:
        """The events the segments read, per profile: of the metrics its own segments count,
        from the earliest moment they look at, with properties only if they filter on them.
        One query per (metric, earliest moment, properties) group."""
        needs_of: dict[int, dict[str, Need]] = {}
        groups: dict[tuple[str, Need], list[int]] = defaultdict(list)
        for profile_id, group in work.items():
            needs: dict[str, Need] = {}
            for segment in group:
                if segment.id not in needs_of:
                    needs_of[segment.id] = _event_needs([segment.definition], self.now)
                for metric, need in needs_of[segment.id].items():
                    needs[metric] = _wider(needs[metric], need) if metric in needs else need
            if self._fresh(profile_id):  # nothing older than this batch is stored
                needs = {m: n for m, n in needs.items() if m in self.touches[profile_id].metrics}
            for metric, need in needs.items():
                groups[(metric, need)].append(profile_id)
        if not groups:
            return {}
        metric_ids = self.store.q.metrics_of(self.account_id)
        facts: dict[int, list[EventFact]] = defaultdict(list)
        for (metric, (since, with_properties)), profile_ids in groups.items():
            if metric not in metric_ids:
                continue
            for row in self.store.events_of(
                self.account_id, profile_ids, [metric_ids[metric]], since, with_properties
            ):
                facts[row.profile_id].append(EventFact(metric, row.time, row.properties))
        return facts


def _settled(touch: Touch, segment: Segment, member: bool) -> bool:
    """The batch only added events that cannot change this answer: no need to evaluate it."""
    definition = segment.definition
    return definition.properties.isdisjoint(touch.keys) and unchanged_by_new_events(
        definition, touch.metrics, member
    )


Need = tuple[float | None, bool]  # (earliest event time read, or None for all; properties?)


def _wider(one: Need, other: Need) -> Need:
    since = None if one[0] is None or other[0] is None else min(one[0], other[0])
    return since, one[1] or other[1]


def _event_needs(definitions: Iterable[Definition], now: float) -> dict[str, Need]:
    """Per metric name: what the definitions read of its events."""
    needs: dict[str, Need] = {}
    for definition in definitions:
        for condition in definition.event_conditions:
            window = condition.window
            since: float | None
            if isinstance(window, WithinLastDays):
                since = now - window.days * DAY
            elif isinstance(window, DateRange):
                since = window.start
            else:
                since = None
            need = (since, bool(condition.where))
            metric = condition.metric
            needs[metric] = _wider(needs[metric], need) if metric in needs else need
    return needs
