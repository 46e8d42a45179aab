"""`cairn export`: events or profiles, page by page, to JSONL, CSV or Parquet in constant memory.

Columns named `cairn_*` are Cairn's own ids; the others read back with `cairn import`."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any, Protocol, TypeVar

import orjson

from cairn.store import Queries, Store
from cairn.store.exports import EventFilter, ExportedEvent, events_after, profiles_after
from cairn.store.records import ProfileRow

FORMATS = ("jsonl", "csv", "parquet")
PAGE_ROWS = 5000
Record = dict[str, Any]
Row = TypeVar("Row", ExportedEvent, ProfileRow)

EVENT_COLUMNS: dict[str, str] = {  # column → parquet type
    "cairn_event_id": "int64",
    "event": "string",
    "time": "int64",
    "datetime": "string",
    "email": "string",
    "phone_number": "string",
    "external_id": "string",
    "value": "float64",
    "event_id": "string",
    "properties": "json",
    "cairn_profile_id": "int64",
}
PROFILE_COLUMNS: dict[str, str] = {
    "cairn_profile_id": "int64",
    "email": "string",
    "phone_number": "string",
    "external_id": "string",
    "exchange_id": "string",
    "properties": "json",
    "cairn_created": "string",
    "cairn_updated": "string",
}


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def event_record(row: ExportedEvent) -> Record:
    return {
        "cairn_event_id": row.id,
        "event": row.metric,
        "time": row.time,
        "datetime": iso(row.time),
        "email": row.email,
        "phone_number": row.phone,
        "external_id": row.external_id,
        "value": row.value,
        "event_id": row.event_id,
        "properties": row.properties,
        "cairn_profile_id": row.profile_id,
    }


def profile_record(row: ProfileRow) -> Record:
    return {
        "cairn_profile_id": row.id,
        "email": row.identifiers.get("email"),
        "phone_number": row.identifiers.get("phone"),
        "external_id": row.identifiers.get("external_id"),
        "exchange_id": row.identifiers.get("exchange_id"),
        "properties": row.properties,
        "cairn_created": iso(row.created_at),
        "cairn_updated": iso(row.updated_at),
    }


def _pages(
    store: Store,
    fetch: Callable[[Queries, int], Sequence[Row]],
    record: Callable[[Row], Record],
) -> Iterator[list[Record]]:
    """Pages in id order (keyset: each read starts after the last id seen), one read each."""
    after = 0
    while True:
        with store.read() as queries:
            rows = fetch(queries, after)
        if not rows:
            return
        after = rows[-1].id
        yield [record(row) for row in rows]


def event_pages(
    store: Store, selection: EventFilter, page: int = PAGE_ROWS
) -> Iterator[list[Record]]:
    return _pages(store, lambda q, after: events_after(q, selection, after, page), event_record)


def profile_pages(store: Store, account_id: int, page: int = PAGE_ROWS) -> Iterator[list[Record]]:
    return _pages(
        store, lambda q, after: profiles_after(q, account_id, after, page), profile_record
    )


class Writer(Protocol):
    def write(self, records: Sequence[Record]) -> None: ...

    def close(self) -> None: ...


class JsonlWriter:
    def __init__(self, output: IO[bytes]) -> None:
        self.output = output

    def write(self, records: Sequence[Record]) -> None:
        self.output.write(
            b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records)
        )

    def close(self) -> None:
        self.output.flush()


class CsvWriter:
    """Objects (properties) are written as JSON text; None as an empty cell."""

    def __init__(self, output: IO[str], columns: Sequence[str]) -> None:
        self.output = output
        self.writer = csv.DictWriter(output, fieldnames=list(columns))
        self.writer.writeheader()

    def write(self, records: Sequence[Record]) -> None:
        self.writer.writerows(
            {k: orjson.dumps(v).decode() if isinstance(v, dict) else v for k, v in r.items()}
            for r in records
        )

    def close(self) -> None:
        self.output.flush()


class ParquetWriter:
    """One row group per page; objects as JSON text."""

    def __init__(self, path: str, columns: dict[str, str]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}
        self.pa = pa
        self.json_columns = [name for name, kind in columns.items() if kind == "json"]
        self.schema = pa.schema(
            [(name, types.get(kind, pa.string())) for name, kind in columns.items()]
        )
        self.writer = pq.ParquetWriter(path, self.schema)

    def write(self, records: Sequence[Record]) -> None:
        rows = [
            {**r, **{c: orjson.dumps(r[c]).decode() for c in self.json_columns}} for r in records
        ]
        self.writer.write_table(self.pa.Table.from_pylist(rows, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def run_export(
    pages: Iterator[list[Record]], writer: Writer, progress: Callable[[int], None] | None = None
) -> int:
    """Write every page; returns the rows written."""
    written = 0
    try:
        for records in pages:
            writer.write(records)
            written += len(records)
            if progress is not None:
                progress(written)
    finally:
        writer.close()
    return written
