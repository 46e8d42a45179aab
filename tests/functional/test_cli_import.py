"""`cairn import`: rows through the inbox, rules applied, resumable, with a summary."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson

from cairn.accounts.actions import CreatedAccount
from cairn.dataio.mapping import NO_IDENTIFIER
from cairn.store import Store
from cairn.store.admin import account_counts, pipeline_counters
from cairn.store.exports import EventFilter, events_after
from support.cli import cairn
from support.live import LiveServer

BASE_TIME = 1_600_000_000


def write_events(path: Path, rows: int, profiles: int = 1000) -> None:
    with path.open("wb") as file:
        for i in range(rows):
            name = ("Placed Order", "Viewed Product")[i % 2]
            row = {
                "event": name,
                "email": f"u{i % profiles}@x.io",
                "time": BASE_TIME + i,
                "$value": i % 50,
                "sku": f"s-{i % 97}",
            }
            file.write(orjson.dumps(row) + b"\n")


def counts(store: Store, account_id: int) -> tuple[int, int, int]:
    with store.read() as queries:
        found = account_counts(queries, account_id)
    return found.profiles, found.events, found.rejected


def summary_of(path: Path) -> dict[str, object]:
    return json.loads(path.read_text())


def test_fifty_thousand_rows_import_and_a_rerun_skips_them(
    tmp_path: Path, database_url: str, store: Store, account: CreatedAccount
) -> None:
    source = tmp_path / "events.jsonl"
    write_events(source, 50_000)
    cairn(database_url, "import", "events", str(source), "--apply", "--jobs", "2")
    assert counts(store, account.account_id) == (1000, 50_000, 0)
    summary = summary_of(tmp_path / "events.jsonl.summary.json")
    assert (summary["rows_read"], summary["accepted"], summary["rejected"]) == (50_000, 50_000, 0)
    assert summary["pipeline"] == {
        "applied": True,
        "rejected": 0,
        "duplicates": 0,
        "events_stored": 50_000,
    }
    with store.read() as queries:
        first = events_after(queries, EventFilter(account.account_id), 0, 1)[0]
    assert first.time == BASE_TIME  # the historical time is kept

    cairn(database_url, "import", "events", str(source), "--apply")
    again = summary_of(tmp_path / "events.jsonl.summary.json")
    assert (again["rows_read"], again["skipped_already_imported"]) == (0, 50_000)
    assert counts(store, account.account_id) == (1000, 50_000, 0)


def test_rows_appended_twice_are_stored_once(
    tmp_path: Path, database_url: str, store: Store, account: CreatedAccount
) -> None:
    """What a crash between append and checkpoint leaves: the rows go in again on resume; the
    content-derived `$event_id` makes the pipeline keep each once."""
    source = tmp_path / "events.jsonl"
    write_events(source, 2000, profiles=100)
    cairn(database_url, "import", "events", str(source), "--apply")
    cairn(database_url, "import", "events", str(source), "--apply", "--restart")
    assert counts(store, account.account_id) == (100, 2000, 0)
    summary = summary_of(tmp_path / "events.jsonl.summary.json")
    assert summary["accepted"] == 2000
    assert summary["pipeline"] == {
        "applied": True,
        "rejected": 0,
        "duplicates": 2000,
        "events_stored": 0,
    }


def test_csv_with_mapping_gzip_and_rejects_summarised(
    tmp_path: Path, database_url: str, store: Store, account: CreatedAccount
) -> None:
    source = tmp_path / "orders.csv.gz"
    with gzip.open(source, "wt", newline="") as file:
        file.write("Mail,When,Total,internal\n")
        file.write("a@x.io,2021-01-13T10:00:00Z,12.5,x\n")
        file.write(",2021-01-13T11:00:00Z,3,x\n")  # no identifier
        file.write("b@x.io,someday,4,x\n")  # bad time
        file.write("b@x.io,1610531000,4,x\n")
    summary_path = tmp_path / "summary.json"
    cairn(
        database_url,
        "import",
        "events",
        str(source),
        "--metric",
        "Placed Order",
        "--map",
        "Mail=email",
        "--map",
        "When=time",
        "--map",
        "Total=$value",
        "--map",
        "internal=",
        "--summary",
        str(summary_path),
        "--apply",
    )
    summary = summary_of(summary_path)
    assert (summary["accepted"], summary["rejected"]) == (2, 2)
    assert summary["reasons"] == {NO_IDENTIFIER: 1, "time is not a unix timestamp": 1}
    assert summary["rejected_rows"] == [
        {"row": 2, "reason": NO_IDENTIFIER},
        {"row": 3, "reason": "time is not a unix timestamp"},
    ]
    with store.read() as queries:
        events = events_after(queries, EventFilter(account.account_id), 0, 10)
    assert [(e.metric, e.email, e.time, e.value) for e in events] == [
        ("Placed Order", "a@x.io", 1610532000, 12.5),
        ("Placed Order", "b@x.io", 1610531000, 4.0),
    ]
    assert all("internal" not in e.properties for e in events)


def test_the_pipeline_rules_apply_to_imported_rows(
    tmp_path: Path, database_url: str, store: Store, account: CreatedAccount
) -> None:
    """The 201st metric is refused by the pipeline, not by the importer: its row is accepted
    into the inbox and then recorded among the account's rejected with the reason."""
    source = tmp_path / "many.jsonl"
    source.write_text(
        "".join(
            json.dumps({"event": f"Metric {i}", "email": "a@x.io", "time": BASE_TIME}) + "\n"
            for i in range(201)
        )
    )
    cairn(database_url, "import", "events", str(source), "--apply")
    assert counts(store, account.account_id) == (1, 200, 1)
    assert summary_of(tmp_path / "many.jsonl.summary.json")["pipeline"]["rejected"] == 1  # type: ignore[index]


def test_profiles_import_as_identify(
    tmp_path: Path, database_url: str, store: Store, account: CreatedAccount
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,first_name,plan\na@x.io,Ann,gold\nB@X.io,Bo,\n")
    cairn(database_url, "import", "profiles", str(source), "--apply")
    with store.read() as queries:
        ann = queries.profile_by_identifier(account.account_id, "email", "a@x.io")
        bo = queries.profile_by_identifier(account.account_id, "email", "b@x.io")
        totals = pipeline_counters(queries)
    assert ann is not None and ann.properties["first_name"] == "Ann"
    assert ann.properties["plan"] == "gold"
    assert bo is not None and "plan" not in bo.properties
    assert totals["entries_applied"] == 2


def test_wait_lets_a_running_worker_apply_the_rows(tmp_path: Path, live_server: LiveServer) -> None:
    source = tmp_path / "events.jsonl"
    write_events(source, 12_000, profiles=300)  # three chunks: the worker applies meanwhile
    cairn(live_server.store_url, "import", "events", str(source), "--wait")
    summary = summary_of(tmp_path / "events.jsonl.summary.json")
    assert summary["pipeline"] == {
        "applied": True,
        "rejected": 0,
        "duplicates": 0,
        "events_stored": 12_000,
    }


def test_converting_processes_give_what_one_process_gives(
    tmp_path: Path, database_url: str, store: Store, account: CreatedAccount
) -> None:
    source = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"event": "E", "email": f"u{i}@x.io", "time": BASE_TIME + i}) for i in range(50)
    ]
    lines[7] = "{not json"
    lines[21] = "[1, 2]"
    lines[33] = json.dumps({"event": "E", "time": BASE_TIME})
    source.write_text("\n".join(lines) + "\n")
    summaries = []
    for jobs in ("1", "2"):
        cairn(database_url, "import", "events", str(source), "--restart", "--jobs", jobs, "--apply")
        summary = summary_of(tmp_path / "mixed.jsonl.summary.json")
        summaries.append({k: summary[k] for k in ("accepted", "rejected", "rejected_rows")})
    assert summaries[0] == summaries[1]
    assert summaries[0]["rejected_rows"] == [
        {"row": 8, "reason": "data is not valid JSON"},
        {"row": 22, "reason": "payload is not a JSON object"},
        {"row": 34, "reason": NO_IDENTIFIER},
    ]
    assert counts(store, account.account_id) == (47, 47, 0)  # the second run added nothing
