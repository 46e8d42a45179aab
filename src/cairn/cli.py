"""The `cairn` command: serve, worker, migrate, account."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
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
segment_app = typer.Typer(no_args_is_help=True, help="Segments: live membership by conditions.")
app.add_typer(segment_app, name="segment")
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
    from cairn.accounts.actions import do_create_account
    from cairn.app import create_app
    from cairn.serving import run_http

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
        run_http(create_app(store, settings), host, port, log_level)
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


AccountOption = Annotated[
    int | None,
    typer.Option("--account", help="Account id (see `cairn account list`); needed if several."),
]


def _account_id(store: Store, account: int | None) -> int:
    with store.read() as queries:
        ids = [a.id for a in queries.accounts()]
    if account is None and len(ids) == 1:
        return ids[0]
    if account is None or account not in ids:
        console.print("[red]give --account with one of: " + ", ".join(map(str, ids)) + "[/red]")
        raise typer.Exit(2)
    return account


def _segment_id(text: str) -> int:
    from cairn.segments.actions import parse_segment_id

    segment_id = parse_segment_id(text)
    if segment_id is None:
        console.print(f"[red]{text!r} is not a segment id[/red]")
        raise typer.Exit(2)
    return segment_id


@segment_app.command("create")
def segment_create(
    name: str,
    definition: Annotated[
        Path, typer.Option("--definition", help="A JSON file holding the definition.")
    ],
    account: AccountOption = None,
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Create a segment; the worker builds its membership (or run `cairn segment rebuild`)."""
    from cairn.segments.actions import do_create_segment, segment_label
    from cairn.segments.definition import DefinitionError

    try:
        parsed = orjson.loads(definition.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        console.print(f"[red]cannot read a JSON definition from {definition}: {error}[/red]")
        raise typer.Exit(2) from None
    store = _open(data, database_url)
    try:
        row = do_create_segment(store, _account_id(store, account), name, parsed)
    except (DefinitionError, ValueError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    finally:
        store.close()
    typer.echo(segment_label(row.id))


@segment_app.command("list")
def segment_list(
    account: AccountOption = None, data: DataOption = None, database_url: UrlOption = None
) -> None:
    """The account's segments: id, members, whether membership is built, name."""
    from cairn.segments.actions import segment_label
    from cairn.store.segment_queries import SegmentQueries

    store = _open(data, database_url)
    account_id = _account_id(store, account)
    with store.read() as queries:
        segments = SegmentQueries(queries)
        for row in segments.segments_of(account_id):
            count = segments.member_count(account_id, row.id)
            built = "built" if row.built_version == row.version else "building"
            typer.echo(f"{segment_label(row.id)}  {count:>9}  {built:<8}  {row.name}")
    store.close()


@segment_app.command("members")
def segment_members(
    segment: str,
    account: AccountOption = None,
    data: DataOption = None,
    database_url: UrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """The segment's members: email, phone and since when."""
    from cairn.segments.actions import SegmentNotFound, find_segment
    from cairn.store.segment_queries import SegmentQueries

    store = _open(data, database_url)
    account_id = _account_id(store, account)
    segment_id = _segment_id(segment)
    try:
        find_segment(store, account_id, segment_id)
    except SegmentNotFound as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    after = 0
    while True:
        with store.read() as queries:
            page = SegmentQueries(queries).members_after(account_id, segment_id, after, 1000)
        for member in page:
            since = datetime.fromtimestamp(member.created_at, UTC).isoformat(timespec="seconds")
            if as_json:
                fields = {"email": member.email, "phone_number": member.phone, "since": since}
                typer.echo(orjson.dumps(fields).decode())
            else:
                typer.echo(f"{member.email or '-'}\t{member.phone or '-'}\t{since}")
        if len(page) < 1000:
            break
        after = page[-1].profile_id
    store.close()


@segment_app.command("rebuild")
def segment_rebuild(
    segment: str,
    account: AccountOption = None,
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Evaluate every profile against the segment now, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from cairn.segments.actions import SegmentNotFound, do_rebuild_segment

    store = _open(data, database_url)
    account_id = _account_id(store, account)
    columns = (
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("profiles", total=None)
        try:
            result = do_rebuild_segment(
                store,
                account_id,
                _segment_id(segment),
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except SegmentNotFound as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from None
        finally:
            store.close()
    typer.echo(
        f"rebuilt over {result.profiles} profiles: {result.entered} entered,"
        f" {result.exited} exited"
        + (f" (restarted {result.restarts}x: the definition changed)" if result.restarts else "")
    )


def main() -> None:
    app()
