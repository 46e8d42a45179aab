"""Segment changes (`check_*` validates, `do_*` mutates the store)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from cairn.api import ids
from cairn.checks import Invalid
from cairn.pipeline.segments import SegmentMaintainer
from cairn.segments.definition import check_definition
from cairn.store import Store
from cairn.store.segment_queries import SegmentQueries, SegmentRow
from cairn.store.webhook_queries import WebhookQueries
from cairn.webhooks.outbox import Outbox

REBUILD_PAGE = 2000


class SegmentNotFound(LookupError):
    pass


def segment_label(segment_id: int) -> str:
    """The id users see: a public id, like every object's."""
    return ids.encode("segment", segment_id)


def parse_segment_id(text: str) -> int | None:
    return ids.decode("segment", text.strip())


def check_segment_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 255:
        raise Invalid("a segment name is 1 to 255 characters")
    return name.strip()


def check_definition_text(definition: object) -> str:
    """Validate a definition (parsed JSON) and return the JSON text to store."""
    check_definition(definition)
    return orjson.dumps(definition).decode()


def do_create_segment(
    store: Store, account_id: int, name: object, definition: object, now: float | None = None
) -> SegmentRow:
    """A new segment; the worker builds its membership (or `do_rebuild_segment` does now)."""
    name = check_segment_name(name)
    text = check_definition_text(definition)
    with store.transaction() as queries:
        return SegmentQueries(queries).insert_segment(
            account_id, name, text, time.time() if now is None else now
        )


def do_update_segment(
    store: Store,
    account_id: int,
    segment_id: int,
    name: object | None = None,
    definition: object | None = None,
) -> SegmentRow:
    """Rename and/or redefine; a new definition is rebuilt by the worker."""
    new_name = None if name is None else check_segment_name(name)
    text = None if definition is None else check_definition_text(definition)
    with store.transaction() as queries:
        segments = SegmentQueries(queries)
        row = _existing(segments, account_id, segment_id)
        if text == row.definition:
            text = None
        segments.update_segment(row, new_name or row.name, text, time.time())
        return _existing(segments, account_id, segment_id)


def do_delete_segment(store: Store, account_id: int, segment_id: int) -> None:
    """The segment, its members, history, rechecks and webhooks."""
    with store.transaction() as queries:
        segments = SegmentQueries(queries)
        row = _existing(segments, account_id, segment_id)
        WebhookQueries(queries).delete_segment_webhooks(account_id, segment_id)
        segments.delete_segment(row)


def find_segment(store: Store, account_id: int, segment_id: int) -> SegmentRow:
    with store.read() as queries:
        return _existing(SegmentQueries(queries), account_id, segment_id)


def _existing(segments: SegmentQueries, account_id: int, segment_id: int) -> SegmentRow:
    row = segments.segment(account_id, segment_id)
    if row is None:
        raise SegmentNotFound(f"segment {segment_label(segment_id)} does not exist")
    return row


@dataclass(frozen=True)
class RebuildResult:
    profiles: int
    entered: int
    exited: int
    restarts: int


def do_rebuild_segment(
    store: Store,
    account_id: int,
    segment_id: int,
    progress: Callable[[int, int], None] = lambda done, total: None,
    clock: Callable[[], float] = time.time,
    page: int = REBUILD_PAGE,
) -> RebuildResult:
    """Evaluate every profile of the account against the segment, a page per transaction, and
    mark it built. `progress(done, total)` follows the pages. If the definition changes
    meanwhile, the rebuild starts over with the new one."""
    maintainer = SegmentMaintainer()
    with store.read() as queries:
        row = _existing(SegmentQueries(queries), account_id, segment_id)
        total = SegmentQueries(queries).profile_count(account_id)
    version, after, done, entered, exited, restarts = row.version, 0, 0, 0, 0, 0
    progress(0, total)
    while True:
        with store.transaction() as queries:
            segments = SegmentQueries(queries)
            row = _existing(segments, account_id, segment_id)
            if row.version != version:
                version, after, done, restarts = row.version, 0, 0, restarts + 1
            step = maintainer.rebuild_page(queries, Outbox(queries), row, after, page, clock())
            entered += step.changes.entered
            exited += step.changes.exited
            if step.finished:
                segments.set_rebuild_progress(row, step.last_profile_id, finished=True)
        after, done = step.last_profile_id, done + step.profiles
        progress(min(done, total), total)
        if step.finished:
            return RebuildResult(done, entered, exited, restarts)
