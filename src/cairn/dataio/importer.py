"""`cairn import`: file rows → checked payloads → the inbox, in bulk, with checkpoints.

Rows go through the inbox like any Track/Identify call, so the pipeline applies every rule
(identity, merges, dedupe, the metric cap). Rows that cannot be valid payloads are counted
with their reason and never appended."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from cairn.dataio.mapping import RowRejected, event_payload, profile_payload
from cairn.dataio.sources import RowReader
from cairn.inbox.records import InboxRecord, Kind
from cairn.ingest.views import partition_for
from cairn.pipeline.identity import Identifiers
from cairn.store import InboxAppender, Store
from cairn.store.imports import Checkpoint, checkpoint, forget_checkpoint, save_checkpoint

CHUNK_ROWS = 5000
SAMPLE_REJECTS = 10_000
Progress = Callable[[int, int], None]  # (rows read this run, file position in bytes)


@dataclass
class ImportSummary:
    file: str
    kind: str
    account_id: int
    skipped: int = 0  # imported by an earlier run (before its checkpoint)
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    rejected_rows: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0
    pipeline: dict[str, object] = field(default_factory=dict)

    def reject(self, row: int, reason: str) -> None:
        self.rejected += 1
        self.reasons[reason] += 1
        if len(self.rejected_rows) < SAMPLE_REJECTS:
            self.rejected_rows.append({"row": row, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "account_id": self.account_id,
            "rows_read": self.read,
            "skipped_already_imported": self.skipped,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "reasons": dict(self.reasons.most_common()),
            "rejected_rows": self.rejected_rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.read / self.seconds) if self.seconds else None,
            "pipeline": self.pipeline,
        }


class Importer:
    def __init__(
        self,
        store: Store,
        account_id: int,
        kind: Kind,
        *,
        renames: Mapping[str, str] | None = None,
        metric: str | None = None,
        chunk_rows: int = CHUNK_ROWS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.account_id = account_id
        self.kind = kind
        self.renames = dict(renames or {})
        self.metric = metric
        self.chunk_rows = chunk_rows
        self.clock = clock

    def payload(self, values: Mapping[str, Any], now: float) -> tuple[dict[str, Any], Identifiers]:
        if self.kind is Kind.TRACK:
            return event_payload(values, self.renames, self.metric, now)
        return profile_payload(values, self.renames)

    def run(
        self,
        reader: RowReader,
        source: str,
        *,
        restart: bool = False,
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Append the file's rows after its checkpoint (all of them with `restart`)."""
        began = time.perf_counter()
        summary = ImportSummary(str(reader.path), self.kind.value, self.account_id)
        source = f"{self.kind.value}:{source}"
        with self.store.transaction() as queries:
            if restart:
                forget_checkpoint(queries, self.account_id, source)
            done = checkpoint(queries, self.account_id, source)
        if done is not None and done.finished:
            summary.skipped = done.rows_done
            return summary
        summary.skipped = done.rows_done if done else 0
        appender = self.store.inbox_appender()
        try:
            self._append_rows(reader, source, summary, appender, progress)
        finally:
            appender.close()
        summary.seconds = time.perf_counter() - began
        return summary

    def _append_rows(
        self,
        reader: RowReader,
        source: str,
        summary: ImportSummary,
        appender: InboxAppender,
        progress: Progress | None,
    ) -> None:
        pending: list[InboxRecord] = []
        last_row = summary.skipped
        kind, account_id = self.kind, self.account_id
        for row in reader.rows(skip=summary.skipped):
            summary.read += 1
            last_row = row.number
            now = self.clock()
            try:
                if row.values is None:
                    raise RowRejected(row.problem or "row is unreadable")
                payload, identifiers = self.payload(row.values, now)
            except RowRejected as rejection:
                summary.reject(row.number, rejection.reason)
                continue
            partition = partition_for(identifiers)
            pending.append(InboxRecord(kind, account_id, now, partition, orjson.dumps(payload)))
            summary.accepted += 1
            if len(pending) >= self.chunk_rows:
                self._commit(appender, pending, source, summary, last_row, finished=False)
                pending = []
                if progress is not None:
                    progress(summary.read, reader.position)
        self._commit(appender, pending, source, summary, last_row, finished=True)
        if progress is not None:
            progress(summary.read, reader.position)

    def _commit(
        self,
        appender: InboxAppender,
        records: list[InboxRecord],
        source: str,
        summary: ImportSummary,
        last_row: int,
        *,
        finished: bool,
    ) -> None:
        """Append durably, then move the checkpoint (a crash between the two re-appends these
        rows on resume; their `$event_id`s make that harmless)."""
        if records:
            appender.append(records)
        done = Checkpoint(last_row, summary.accepted, summary.rejected, finished)
        with self.store.transaction() as queries:
            save_checkpoint(queries, self.account_id, source, done, self.clock())
