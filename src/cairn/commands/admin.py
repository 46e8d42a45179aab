"""`cairn account rename`, `cairn keys create|revoke|list` and `cairn stats`."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import orjson
import typer

from cairn.accounts.actions import check_account_name
from cairn.accounts.keys import display_prefix, hash_private_key, new_private_key
from cairn.commands.common import DataOption, UrlOption, fail, open_or_exit
from cairn.ops.metrics import pipeline_lag
from cairn.store import Store
from cairn.store.admin import (
    account_counts,
    api_keys,
    pipeline_counters,
    rename_account,
    revoke_api_keys,
)

keys_app = typer.Typer(no_args_is_help=True, help="Private keys (REST `api_key`) of an account.")
AccountArgument = Annotated[int, typer.Argument(help="Account id.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _echo_json(value: object) -> None:
    typer.echo(orjson.dumps(value).decode())


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _known(store: Store, account_id: int) -> None:
    with store.read() as queries:
        if account_id not in {account.id for account in queries.accounts()}:
            raise fail(f"no account {account_id}")


def account_rename(
    account_id: AccountArgument,
    name: str,
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Rename an account."""
    try:
        name = check_account_name(name)
    except ValueError as error:
        raise fail(str(error)) from None
    store = open_or_exit(data, database_url)
    try:
        with store.transaction() as queries:
            renamed = rename_account(queries, account_id, name)
    finally:
        store.close()
    if not renamed:
        raise fail(f"no account {account_id}")
    typer.echo(f"account {account_id} is now {name}")


@keys_app.command("create")
def keys_create(
    account_id: AccountArgument,
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
    data: DataOption = None,
    database_url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a private key; it is shown only now (only its hash is stored)."""
    store = open_or_exit(data, database_url)
    try:
        _known(store, account_id)
        key = new_private_key()
        with store.transaction() as queries:
            queries.insert_api_key(
                account_id, hash_private_key(key), display_prefix(key), label, time.time()
            )
    finally:
        store.close()
    if as_json:
        _echo_json({"account_id": account_id, "private_key": key, "prefix": display_prefix(key)})
    else:
        typer.echo(
            f"private key {key}   (shown only now; revoke with its prefix {display_prefix(key)})"
        )


@keys_app.command("list")
def keys_list(
    account_id: AccountArgument,
    data: DataOption = None,
    database_url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """List an account's private keys by prefix (never the keys themselves)."""
    store = open_or_exit(data, database_url)
    try:
        _known(store, account_id)
        with store.read() as queries:
            keys = api_keys(queries, account_id)
    finally:
        store.close()
    for key in keys:
        state = "revoked " + _when(key.revoked_at) if key.revoked_at else "active"
        if as_json:
            _echo_json(
                {
                    "prefix": key.prefix,
                    "label": key.label,
                    "created": _when(key.created_at),
                    "revoked": _when(key.revoked_at) if key.revoked_at else None,
                }
            )
        else:
            typer.echo(f"{key.prefix}…  {_when(key.created_at)}  {state:<28} {key.label}")


@keys_app.command("revoke")
def keys_revoke(
    account_id: AccountArgument,
    prefix: Annotated[str, typer.Argument(help="The key's prefix, as `keys list` shows it.")],
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Revoke a private key: REST calls with it are refused from now on."""
    store = open_or_exit(data, database_url)
    try:
        with store.transaction() as queries:
            revoked = revoke_api_keys(queries, account_id, prefix.rstrip("…"), time.time())
    finally:
        store.close()
    if not revoked:
        raise fail(f"no active key {prefix} in account {account_id}")
    typer.echo(f"revoked {revoked} key(s) {prefix}")


def stats(
    data: DataOption = None,
    database_url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Counts per account, inbox depth, pipeline lag and the pipeline's running totals."""
    store = open_or_exit(data, database_url)
    try:
        depth = store.inbox_depth()
        lag = pipeline_lag(store.inbox_oldest_pending(), time.time())
        with store.read() as queries:
            accounts = [(a, account_counts(queries, a.id)) for a in queries.accounts()]
            totals = pipeline_counters(queries)
    finally:
        store.close()
    report = {
        "inbox_depth": depth,
        "pipeline_lag_seconds": round(lag, 3),
        "pipeline": totals,
        "accounts": [
            {
                "account_id": a.id,
                "name": a.name,
                "profiles": c.profiles,
                "events": c.events,
                "metrics": c.metrics,
                "rejected": c.rejected,
            }
            for a, c in accounts
        ],
    }
    if as_json:
        _echo_json(report)
        return
    typer.echo(f"inbox depth   {depth:,}")
    typer.echo(f"pipeline lag  {lag:.3f} s")
    for name, value in sorted(totals.items()):
        typer.echo(f"  {name:<40} {value:,}")
    typer.echo(
        f"{'id':>4}  {'name':<24} {'profiles':>10} {'events':>12} {'metrics':>8} {'rejected':>9}"
    )
    for account, counts in accounts:
        typer.echo(
            f"{account.id:>4}  {account.name[:24]:<24} {counts.profiles:>10,} {counts.events:>12,}"
            f" {counts.metrics:>8,} {counts.rejected:>9,}"
        )
