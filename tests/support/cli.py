"""Running `cairn` commands in-process against a test store."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from cairn.cli import app


def cairn(database_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    """`cairn ARGS --database-url URL`; fails the test on a non-zero exit."""
    result = CliRunner().invoke(app, [*args, "--database-url", database_url], env=env)
    assert result.exit_code == 0, result.output
    return result


def cairn_fails(database_url: str, *args: str) -> Result:
    result = CliRunner().invoke(app, [*args, "--database-url", database_url])
    assert result.exit_code != 0, result.output
    return result
