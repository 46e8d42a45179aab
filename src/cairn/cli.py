"""The `cairn` command: serve, worker, migrate, account."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console

from cairn.config import Settings, default_database_url
from cairn.store import Store, StoreUnavailable, open_store

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Cairn: customer events and profiles."
)
account_app = typer.Typer(no_args_is_help=True, help="Accounts (tenants) and their keys.")
app.add_typer(account_app, name="account")
console = Console(stderr=True)

DataOption = Annotated[
    Path | None, typer.Option("--data", help="Data folder for the embedded SQLite store.")
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="CAIRN_DATABASE_URL",
        help="sqlite:///PATH or postgresql://… (default: SQLite under ./cairn-data).",
    ),
]


def _database_url(data: Path | None, database_url: str | None) -> str:
    if database_url:
        return database_url
    return default_database_url(data)


def _open(data: Path | None, database_url: str | None) -> Store:
    url = _database_url(data, database_url)
    try:
        store = open_store(url)
        store.migrate()
    except (StoreUnavailable, ValueError) as error:
        console.print(f"[red]cannot open the store at {url}: {error}[/red]")
        raise typer.Exit(2) from None
    return store


def _print_account(created: dict[str, object], as_json: bool) -> None:
    if as_json:
        typer.echo(orjson.dumps(created).decode())
        return
    typer.echo(f"account     {created['name']} (id {created['account_id']})")
    typer.echo(f"public key  {created['public_key']}   (Track & Identify `token`)")
    typer.echo(f"private key {created['private_key']}   (REST `api_key`; shown only now)")


@app.command()
def serve(
    data: DataOption = None,
    database_url: UrlOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Ingest only.")] = False,
    commit_window_ms: Annotated[
        float, typer.Option(help="Longest wait for more records to share an inbox commit.")
    ] = 0.0,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "warning",
) -> None:
    """Run the HTTP server and (unless --no-worker) the pipeline worker."""
    import uvicorn

    from cairn.accounts.actions import do_create_account
    from cairn.app import create_app

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    url = _database_url(data, database_url)
    store = _open(data, database_url)
    with store.read() as queries:
        has_accounts = bool(queries.accounts())
    if not has_accounts:
        demo = do_create_account(store, "Demo")
        typer.echo("Created the Demo account:")
        _print_account(demo.as_dict(), as_json=False)
    settings = Settings(
        database_url=url, host=host, port=port, commit_window=commit_window_ms / 1000
    )
    worker = None
    if not no_worker:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cairn",
                "worker",
                "--database-url",
                url,
                "--parent-pid",
                str(os.getpid()),
                "--log-level",
                log_level,
            ]
        )
    typer.echo(f"Cairn listening on http://{host}:{port}  (store: {url})")
    try:
        uvicorn.run(
            create_app(store, settings),
            host=host,
            port=port,
            loop="uvloop",
            http="httptools",
            access_log=False,
            log_level=log_level,
            lifespan="on",
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        store.close()


@app.command()
def worker(
    data: DataOption = None,
    database_url: UrlOption = None,
    batch_size: Annotated[int, typer.Option(help="Inbox records per transaction.")] = 1000,
    parent_pid: Annotated[
        int | None, typer.Option(help="Stop when this process is gone.", hidden=True)
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "warning",
) -> None:
    """Run the pipeline: apply inbox records to the store until stopped."""
    from cairn.pipeline.worker import Worker
    from cairn.webhooks.deliver import Deliverer

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    store = _open(data, database_url)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with store.worker_slot():
        deliverer = Deliverer(store)
        webhooks = threading.Thread(target=deliverer.run, args=(stop,), name="webhooks")
        webhooks.start()
        try:
            Worker(store, batch_size=batch_size).run(stop, parent_pid=parent_pid)
        finally:
            stop.set()
            webhooks.join()
            deliverer.close()
    store.close()


@app.command()
def migrate(data: DataOption = None, database_url: UrlOption = None) -> None:
    """Apply pending schema migrations."""
    _open(data, database_url).close()
    typer.echo("schema is up to date")


@account_app.command("create")
def account_create(
    name: str,
    data: DataOption = None,
    database_url: UrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create an account; prints its public key and a private key."""
    from cairn.accounts.actions import do_create_account

    store = _open(data, database_url)
    try:
        created = do_create_account(store, name)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    finally:
        store.close()
    _print_account(created.as_dict(), as_json)


@account_app.command("list")
def account_list(
    data: DataOption = None,
    database_url: UrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List accounts with their public keys."""
    store = _open(data, database_url)
    with store.read() as queries:
        accounts = queries.accounts()
    store.close()
    for account in accounts:
        if as_json:
            typer.echo(
                orjson.dumps(
                    {
                        "account_id": account.id,
                        "name": account.name,
                        "public_key": account.public_key,
                    }
                ).decode()
            )
        else:
            typer.echo(f"{account.id:>4}  {account.public_key}  {account.name}")


def main() -> None:
    app()
