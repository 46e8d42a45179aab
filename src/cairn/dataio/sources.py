"""Rows of a CSV or JSONL file (gzip-compressed or not), one dict per row, with how far into
the file the reading is (for a progress bar)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from cairn.dataio.mapping import RowRejected
from cairn.ingest.decode import Refused, parse_json_object

FORMATS = ("csv", "jsonl")
GZIP_MAGIC = b"\x1f\x8b"
FINGERPRINT_BYTES = 1 << 20


class BadRow(RowRejected):
    """A row that is not a record at all (bad JSON, not an object)."""


@dataclass(frozen=True)
class Row:
    """A row as read: its values, or a JSONL line still to decode (`raw`), or the `problem`
    that makes it unreadable."""

    number: int  # 1-based, data rows only (a CSV header is not a row)
    values: dict[str, Any] | None
    problem: str | None = None
    raw: bytes | None = None

    def decoded(self) -> dict[str, Any]:
        """The row's values; BadRow with the reason when it has none."""
        if self.raw is not None:
            return decode_line(self.raw)
        if self.values is None:
            raise BadRow(self.problem or "row is unreadable")
        return self.values


def decode_line(line: bytes) -> dict[str, Any]:
    """A JSONL line's object, by ingest's own rules (so with its reasons and its 1 MB limit)."""
    try:
        return parse_json_object(line)
    except Refused as refusal:
        raise BadRow(refusal.reason) from None


def detect_format(path: Path, given: str | None = None) -> str:
    if given is not None:
        if given not in FORMATS:
            raise ValueError(f"format is one of {', '.join(FORMATS)}")
        return given
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last == ".csv":
        return "csv"
    if last in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise ValueError(f"cannot tell the format of {path.name}: give --format csv or jsonl")


def fingerprint(path: Path) -> str:
    """Names a file's content for resuming: its size and a hash of its first MiB."""
    with open(path, "rb") as file:
        head = file.read(FINGERPRINT_BYTES)
    return f"{path.stat().st_size}:{hashlib.sha256(head).hexdigest()[:32]}"


class RowReader:
    """Iterates `Row`s; `position` is the bytes of the file (compressed, if it is) read so far."""

    def __init__(self, path: Path, file_format: str) -> None:
        self.path = path
        self.format = file_format
        self.size = path.stat().st_size
        self._raw = open(path, "rb")  # noqa: SIM115 - closed in close()
        compressed = self._raw.read(2) == GZIP_MAGIC
        self._raw.seek(0)
        self._binary: IO[bytes] = (
            cast("IO[bytes]", gzip.GzipFile(fileobj=self._raw)) if compressed else self._raw
        )

    @property
    def position(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        self._binary.close()
        self._raw.close()

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(self, skip: int = 0, *, raw: bool = False) -> Iterator[Row]:
        """Rows after the first `skip` (passed over without being decoded, if JSONL). With `raw`,
        JSONL lines are left for `Row.decoded` to decode (in another process, say)."""
        if self.format == "csv":
            return self._csv(skip)
        return self._jsonl(skip, raw)

    def _jsonl(self, skip: int, raw: bool) -> Iterator[Row]:
        number = 0
        for line in self._binary:
            if not line.strip():
                continue
            number += 1
            if number <= skip:
                continue
            if raw:
                yield Row(number, None, raw=line)
                continue
            try:
                yield Row(number, decode_line(line))
            except BadRow as bad:
                yield Row(number, None, bad.reason)

    def _csv(self, skip: int) -> Iterator[Row]:
        text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", newline="")
        try:
            for number, record in enumerate(csv.DictReader(text), start=1):
                if number <= skip:
                    continue
                if None in record:
                    yield Row(number, None, "row has more cells than the header")
                    continue
                # An empty cell is an absent value: CSV cannot say null.
                yield Row(number, {k: v for k, v in record.items() if v not in ("", None)})
        finally:
            text.detach()  # the file stays open for `position` and is closed by `close`
