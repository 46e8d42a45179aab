"""Options and helpers shared by the `cairn` commands."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from cairn.config import default_database_url, redacted
from cairn.store import Store, StoreUnavailable, open_store

# soft_wrap: messages carry paths and URLs that must stay whole when stderr is not a terminal.
console = Console(stderr=True, soft_wrap=True)

DataOption = Annotated[
    Path | None,
    typer.Option("--data", envvar="CAIRN_DATA", help="Data folder for the embedded SQLite store."),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="CAIRN_DATABASE_URL",
        help="sqlite:///PATH or postgresql://… (default: SQLite under ./cairn-data).",
    ),
]
AccountOption = Annotated[int, typer.Option("--account", "-a", help="Account id.")]


def database_url(data: Path | None, url: str | None) -> str:
    return url or default_database_url(data)


def open_or_exit(data: Path | None, url: str | None, lease_seconds: float | None = None) -> Store:
    """The migrated store, or a clear message (password hidden) and exit code 2."""
    resolved = database_url(data, url)
    try:
        store = open_store(resolved, lease_seconds=lease_seconds)
        store.migrate()
    except (StoreUnavailable, ValueError) as error:
        raise fail(f"cannot open the store at {redacted(resolved)}: {error}") from None
    return store


def fail(message: str) -> typer.Exit:
    """Print `message` as an error (as it is: no markup) and give the exit to raise."""
    console.print(message, style="red", markup=False)
    return typer.Exit(2)


def default_map(command: object, values: Mapping[str, Any]) -> dict[str, Any]:
    """Click's `default_map` giving every command of the tree the same flat `values` (a command
    reads only the names of its own options; a group's sub-commands are its `commands`)."""
    subcommands: dict[str, object] = getattr(command, "commands", {})
    return {name: default_map(sub, values) for name, sub in subcommands.items()} | dict(values)
