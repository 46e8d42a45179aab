"""`cairn account rename`, `cairn keys …`, `cairn stats` and configuration precedence."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.accounts.keys import hash_private_key
from cairn.store import Store, open_store
from support.cli import cairn, cairn_fails


def test_account_rename(database_url: str, store: Store, account: CreatedAccount) -> None:
    cairn(database_url, "account", "rename", str(account.account_id), "New name")
    with store.read() as queries:
        assert queries.accounts()[0].name == "New name"
    assert "no account 42" in cairn_fails(database_url, "account", "rename", "42", "X").output
    assert "1 to 200" in cairn_fails(database_url, "account", "rename", "1", " ").output


def test_keys_are_created_listed_by_prefix_and_revoked(
    database_url: str, store: Store, account: CreatedAccount
) -> None:
    created = json.loads(
        cairn(
            database_url, "keys", "create", str(account.account_id), "--label", "etl", "--json"
        ).stdout
    )
    key, prefix = created["private_key"], created["prefix"]
    with store.read() as queries:
        assert queries.account_by_key_hash(hash_private_key(key)) is not None
    listed = cairn(database_url, "keys", "list", str(account.account_id)).stdout
    assert key not in listed  # only prefixes are ever shown again
    assert re.search(rf"{re.escape(prefix)}….*active\s+etl", listed)
    cairn(database_url, "keys", "revoke", str(account.account_id), prefix)
    with store.read() as queries:
        assert queries.account_by_key_hash(hash_private_key(key)) is None
    rows = [
        json.loads(line)
        for line in cairn(database_url, "keys", "list", "1", "--json").stdout.splitlines()
    ]
    assert {r["label"]: r["revoked"] is not None for r in rows} == {"default": False, "etl": True}
    assert "no active key" in cairn_fails(database_url, "keys", "revoke", "1", prefix).output


def test_stats_counts_accounts_and_the_pipeline(
    tmp_path: Path, database_url: str, store: Store, account: CreatedAccount
) -> None:
    source = tmp_path / "e.jsonl"
    source.write_text('{"event": "A", "email": "a@x.io"}\n{"event": "B", "email": "b@x.io"}\n')
    cairn(database_url, "import", "events", str(source))  # appended, not yet applied
    queued = json.loads(cairn(database_url, "stats", "--json").stdout)
    assert queued["inbox_depth"] == 2 and queued["pipeline_lag_seconds"] >= 0
    cairn(database_url, "import", "events", str(source), "--restart", "--apply")
    applied = json.loads(cairn(database_url, "stats", "--json").stdout)
    assert applied["inbox_depth"] == 0 and applied["pipeline_lag_seconds"] == 0
    assert applied["pipeline"]["events_applied"] == 2
    assert applied["pipeline"]["duplicates"] == 2
    assert applied["accounts"] == [
        {
            "account_id": 1,
            "name": "Test shop",
            "profiles": 2,
            "events": 2,
            "metrics": 2,
            "rejected": 0,
        }
    ]


def named_store(tmp_path: Path, name: str) -> str:
    url = f"sqlite:///{tmp_path / name / 'cairn.db'}"
    store = open_store(url)
    store.migrate()
    do_create_account(store, name)
    store.close()
    return url


def test_flags_beat_environment_beats_config_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cairn.cli import app

    in_file, in_env, in_flag = (named_store(tmp_path, n) for n in ("file", "env", "flag"))
    config = tmp_path / "cairn.toml"
    config.write_text(f'database_url = "{in_file}"\n')

    def account_name(*args: str, env: dict[str, str] | None = None) -> str:
        result = CliRunner().invoke(
            app, ["--config", str(config), "stats", "--json", *args], env=env
        )
        assert result.exit_code == 0, result.output
        return str(json.loads(result.stdout)["accounts"][0]["name"])

    assert account_name() == "file"
    assert account_name(env={"CAIRN_DATABASE_URL": in_env}) == "env"
    assert account_name("--database-url", in_flag, env={"CAIRN_DATABASE_URL": in_env}) == "flag"
    config.write_text("prot = 1\n")
    result = CliRunner().invoke(app, ["--config", str(config), "stats"])
    assert result.exit_code == 2 and "unknown setting 'prot'" in result.output
