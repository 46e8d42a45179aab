"""`cairn export`: filters, the three formats, and a round trip back through `cairn import`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.store import Store
from cairn.store.admin import account_counts
from support.cli import cairn, cairn_fails

EVENTS = [
    ("Placed Order", "a@x.io", 1_600_000_000, 10),
    ("Viewed Product", "a@x.io", 1_600_000_100, None),
    ("Placed Order", "b@x.io", 1_600_000_200, 25),
    ("Placed Order", "c@x.io", 1_600_086_400, 5),
]


@pytest.fixture
def filled(tmp_path: Path, database_url: str, store: Store, account: CreatedAccount) -> Store:
    source = tmp_path / "seed.jsonl"
    source.write_text(
        "".join(
            json.dumps({"event": e, "email": m, "time": t, "$value": v, "$event_id": f"e{i}"})
            + "\n"
            for i, (e, m, t, v) in enumerate(EVENTS)
        )
    )
    cairn(database_url, "import", "events", str(source), "--apply")
    return store


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_events_as_jsonl_with_metric_and_time_filters(
    tmp_path: Path, database_url: str, filled: Store
) -> None:
    out = tmp_path / "orders.jsonl"
    cairn(
        database_url,
        "export",
        "events",
        "--metric",
        "Placed Order",
        "--since",
        "1600000100",
        "--until",
        "2020-09-14",
        "--output",
        str(out),
    )
    (row,) = read_jsonl(out)
    assert (row["event"], row["email"], row["value"]) == ("Placed Order", "b@x.io", 25.0)
    assert row["time"] == 1_600_000_200
    assert row["event_id"] == "e2"
    assert row["datetime"] == "2020-09-13T12:30:00Z"
    assert row["properties"] == {"$value": 25, "$event_id": "e2"}


def test_events_as_csv_and_parquet_hold_the_same_rows(
    tmp_path: Path, database_url: str, filled: Store
) -> None:
    cairn(database_url, "export", "events", "--format", "csv", "-o", str(tmp_path / "e.csv"))
    cairn(
        database_url, "export", "events", "--format", "parquet", "-o", str(tmp_path / "e.parquet")
    )
    with (tmp_path / "e.csv").open(newline="") as file:
        from_csv = list(csv.DictReader(file))
    from_parquet = pq.read_table(tmp_path / "e.parquet").to_pylist()
    assert [r["email"] for r in from_csv] == [m for _, m, _, _ in EVENTS]
    assert [(r["event"], r["email"], r["time"]) for r in from_parquet] == [
        (e, m, t) for e, m, t, _ in EVENTS
    ]
    assert json.loads(from_csv[0]["properties"]) == json.loads(from_parquet[0]["properties"])
    assert from_csv[1]["value"] == "" and from_parquet[1]["value"] is None


def test_profiles_export(tmp_path: Path, database_url: str, filled: Store) -> None:
    out = tmp_path / "people.jsonl"
    cairn(database_url, "export", "profiles", "-o", str(out))
    rows = read_jsonl(out)
    assert [r["email"] for r in rows] == ["a@x.io", "b@x.io", "c@x.io"]
    assert rows[0]["properties"] == {"$email": "a@x.io"}


def test_an_export_imports_into_another_account_unchanged(
    tmp_path: Path, database_url: str, filled: Store, account: CreatedAccount
) -> None:
    other = do_create_account(filled, "Copy")
    cairn(
        database_url,
        "export",
        "events",
        "-a",
        str(account.account_id),
        "-o",
        str(tmp_path / "all.jsonl"),
    )
    cairn(
        database_url,
        "import",
        "events",
        str(tmp_path / "all.jsonl"),
        "--account",
        str(other.account_id),
        "--apply",
    )
    cairn(
        database_url,
        "export",
        "events",
        "--account",
        str(other.account_id),
        "-o",
        str(tmp_path / "copy.jsonl"),
    )

    def comparable(path: Path) -> list[tuple[object, ...]]:
        return [
            (r["event"], r["email"], r["time"], r["value"], r["event_id"], r["properties"])
            for r in read_jsonl(path)
        ]

    assert comparable(tmp_path / "copy.jsonl") == comparable(tmp_path / "all.jsonl")
    with filled.read() as queries:
        assert account_counts(queries, other.account_id).events == len(EVENTS)


def test_export_streams_in_pages(
    tmp_path: Path, database_url: str, store: Store, account: CreatedAccount
) -> None:
    source = tmp_path / "many.jsonl"
    source.write_text(
        "".join(
            json.dumps({"event": "E", "email": f"u{i}@x.io", "time": 1_600_000_000 + i}) + "\n"
            for i in range(12_001)
        )
    )
    cairn(database_url, "import", "events", str(source), "--apply")
    out = tmp_path / "out.jsonl"
    cairn(database_url, "export", "events", "-o", str(out))
    times = [r["time"] for r in read_jsonl(out)]
    assert times == [1_600_000_000 + i for i in range(12_001)]  # across 3 pages, in order


def test_export_errors_are_clear(database_url: str, filled: Store) -> None:
    assert (
        "parquet needs --output"
        in cairn_fails(database_url, "export", "events", "--format", "parquet").output
    )
    assert (
        "--format is one of"
        in cairn_fails(database_url, "export", "events", "--format", "xml").output
    )
    assert "no account 99" in cairn_fails(database_url, "export", "events", "-a", "99").output
