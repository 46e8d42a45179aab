"""`cairn segment …` against a real store."""

from __future__ import annotations

from pathlib import Path

import orjson
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cairn.accounts.actions import CreatedAccount
from cairn.api import ids
from cairn.cli import app
from cairn.pipeline.worker import Worker
from support.payloads import b64, identify

runner = CliRunner()


def cairn(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--database-url", database_url])
    return result.exit_code, result.output


def test_create_rebuild_list_and_members(
    client: TestClient,
    account: CreatedAccount,
    worker: Worker,
    database_url: str,
    tmp_path: Path,
) -> None:
    for email, plan in (("a@x.com", "Gold"), ("b@x.com", "Silver"), ("c@x.com", "gold")):
        payload = identify(account.public_key, **{"$email": email, "Plan": plan})
        assert client.get("/api/identify", params={"data": b64(payload)}).text == "1"
    worker.drain()
    definition = tmp_path / "gold.json"
    definition.write_bytes(
        orjson.dumps({"type": "property", "property": "Plan", "op": "equals", "value": "gold"})
    )

    code, output = cairn(database_url, "segment", "create", "Gold", "--definition", str(definition))
    assert code == 0
    segment_id = output.strip()

    code, output = cairn(database_url, "segment", "list")
    assert code == 0 and "building" in output and "Gold" in output

    code, output = cairn(database_url, "segment", "rebuild", segment_id)
    assert code == 0
    assert "rebuilt over 3 profiles: 2 entered, 0 exited" in output

    code, output = cairn(database_url, "segment", "members", segment_id, "--json")
    assert code == 0
    assert sorted(orjson.loads(line)["email"] for line in output.splitlines()) == [
        "a@x.com",
        "c@x.com",
    ]
    code, output = cairn(database_url, "segment", "list")
    assert "built" in output and "building" not in output


def test_bad_input_is_a_clear_error(
    account: CreatedAccount, database_url: str, tmp_path: Path
) -> None:
    definition = tmp_path / "bad.json"
    definition.write_text('{"type": "property", "property": "Plan", "op": "equal"}')
    code, output = cairn(database_url, "segment", "create", "X", "--definition", str(definition))
    assert code == 2 and "definition.op: must be one of equals" in output

    definition.write_text("{not json")
    code, output = cairn(database_url, "segment", "create", "X", "--definition", str(definition))
    assert code == 2 and "cannot read a JSON definition" in output

    code, output = cairn(database_url, "segment", "members", ids.encode("segment", 999))
    assert code == 2 and "does not exist" in output
    code, output = cairn(database_url, "segment", "members", ids.encode("list", 1))
    assert code == 2 and "is not a segment id" in output
