"""The `cairn` command: serve, worker, migrate, account."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import orjson
import typer

from cairn.commands.common import DataOption, UrlOption, default_map, fail
from cairn.commands.common import database_url as _database_url
from cairn.commands.common import open_or_exit as _open
from cairn.config import Settings, redacted
from cairn.config_file import load_config_file
from cairn.ops.logs import configure_logging
from cairn.pipeline.supervisor import WorkerProcess

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Cairn: customer events and profiles."
)
account_app = typer.Typer(no_args_is_help=True, help="Accounts (tenants) and their keys.")
app.add_typer(account_app, name="account")

LogLevelOption = Annotated[
    str,
    typer.Option(
        envvar="CAIRN_LOG_LEVEL", help="debug (a line per request), info, warning, error."
    ),
]
LogFormatOption = Annotated[
    str, typer.Option(envvar="CAIRN_LOG_FORMAT", help="json (one object per line) or text.")
]


@app.callback()
def configure(
    context: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", envvar="CAIRN_CONFIG", help="TOML file of settings (flags and env win)."
        ),
    ] = None,
) -> None:
    """Cairn: customer events and profiles."""
    if config is not None:
        try:
            values = load_config_file(config)
        except ValueError as error:
            raise fail(str(error)) from None
        context.default_map = default_map(context.command, values)


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
    host: Annotated[str, typer.Option(envvar="CAIRN_HOST", help="Interface to listen on.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(envvar="CAIRN_PORT", help="Port to listen on.")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", envvar="CAIRN_NO_WORKER", help="Ingest only.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="CAIRN_HTTP_WORKERS",
            help="HTTP processes on the port (the pipeline worker stays one).",
        ),
    ] = 1,
    commit_window_ms: Annotated[
        float,
        typer.Option(
            envvar="CAIRN_COMMIT_WINDOW_MS",
            help="Longest wait for more records to share an inbox commit.",
        ),
    ] = 0.0,
    commit_max_batch: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="CAIRN_COMMIT_MAX_BATCH",
            help="Records gathered into one inbox commit (a batch request is never split).",
        ),
    ] = 4096,
    ready_max_lag: Annotated[
        float,
        typer.Option(
            envvar="CAIRN_READY_MAX_LAG", help="/readyz fails above this pipeline lag (seconds)."
        ),
    ] = 60.0,
    api_rate_burst: Annotated[
        int,
        typer.Option(envvar="CAIRN_API_RATE_BURST", help="REST requests at once per key (0: off)."),
    ] = 350,
    api_rate_per_second: Annotated[
        float,
        typer.Option(envvar="CAIRN_API_RATE_PER_SECOND", help="REST requests/s per key, steady."),
    ] = 3500 / 60,
    ingest_rate_burst: Annotated[
        int,
        typer.Option(
            envvar="CAIRN_INGEST_RATE_BURST", help="Track/Identify at once per public key (0: off)."
        ),
    ] = 20_000,
    ingest_rate_per_second: Annotated[
        float,
        typer.Option(
            envvar="CAIRN_INGEST_RATE_PER_SECOND", help="Track/Identify/s per public key, steady."
        ),
    ] = 10_000,
    log_level: LogLevelOption = "warning",
    log_format: LogFormatOption = "json",
) -> None:
    """Run the HTTP server and (unless --no-worker) the pipeline worker."""
    from cairn.accounts.actions import do_create_account
    from cairn.app import create_app
    from cairn.ingest.views import IngestApp
    from cairn.serving import run_http

    configure_logging(log_level, log_format)
    url = _database_url(data, database_url)
    store = _open(data, database_url)
    with store.read() as queries:
        has_accounts = bool(queries.accounts())
    if not has_accounts:
        demo = do_create_account(store, "Demo")
        typer.echo("Created the Demo account:")
        _print_account(demo.as_dict(), as_json=False)
    settings = Settings(
        database_url=url,
        host=host,
        port=port,
        commit_window=commit_window_ms / 1000,
        commit_max_batch=commit_max_batch,
        ready_max_lag=ready_max_lag,
        api_rate_burst=api_rate_burst,
        api_rate_per_second=api_rate_per_second,
        ingest_rate_burst=ingest_rate_burst,
        ingest_rate_per_second=ingest_rate_per_second,
    )
    worker = None
    if not no_worker:
        worker = WorkerProcess(
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
                "--log-format",
                log_format,
            ]
        )
        worker.start()
    if workers > 1:  # each process builds the app from the environment and opens its own store
        os.environ.update(settings.environment())
        os.environ.update(CAIRN_LOG_LEVEL=log_level, CAIRN_LOG_FORMAT=log_format)
        store.close()
        app_or_factory: str | IngestApp = "cairn.app:app_from_environment"
    else:
        app_or_factory = create_app(store, settings)
    typer.echo(f"Cairn listening on http://{host}:{port}  (store: {redacted(url)})")
    try:
        run_http(app_or_factory, host, port, log_level, workers)
    finally:
        if worker is not None:
            worker.stop()
        store.close()


@app.command()
def worker(
    data: DataOption = None,
    database_url: UrlOption = None,
    batch_size: Annotated[
        int, typer.Option(envvar="CAIRN_BATCH_SIZE", help="Inbox records per transaction.")
    ] = 1000,
    lease_seconds: Annotated[
        float,
        typer.Option(
            envvar="CAIRN_LEASE_SECONDS",
            help="PostgreSQL: how long this worker's lanes outlive it if it dies.",
        ),
    ] = 10.0,
    parent_pid: Annotated[
        int | None, typer.Option(help="Stop when this process is gone.", hidden=True)
    ] = None,
    log_level: LogLevelOption = "warning",
    log_format: LogFormatOption = "json",
) -> None:
    """Run the pipeline (and send webhook deliveries) until stopped."""
    from cairn.pipeline.worker import Worker
    from cairn.webhooks.deliver import Deliverer

    configure_logging(log_level, log_format)
    store = _open(data, database_url, lease_seconds)
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
        raise fail(str(error)) from None
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


@account_app.command("set-password")
def account_set_password(
    account_id: int,
    data: DataOption = None,
    database_url: UrlOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set the account's dashboard password (asked for, or read from stdin)."""
    from cairn.dashboard.actions import do_set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Dashboard password", hide_input=True, confirmation_prompt=True)
    store = _open(data, database_url)
    try:
        do_set_password(store, account_id, password)
    except ValueError as error:
        raise fail(str(error)) from None
    finally:
        store.close()
    typer.echo(f"dashboard password set for account {account_id}")


def _register() -> None:
    """The data, key, stats and segment commands (modules of `cairn.commands`)."""
    from cairn.commands import admin, data, segments

    account_app.command("rename")(admin.account_rename)
    app.add_typer(admin.keys_app, name="keys")
    app.command("stats")(admin.stats)
    app.command("import")(data.import_rows)
    app.command("export")(data.export_rows)
    app.add_typer(segments.segment_app, name="segment")


_register()


def main() -> None:
    app()
