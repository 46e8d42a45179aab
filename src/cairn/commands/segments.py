"""`cairn segment create|list|members|rebuild`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer

from cairn.commands.common import DataOption, UrlOption, fail, open_or_exit
from cairn.commands.progress import progress_bar
from cairn.segments.actions import (
    SegmentNotFound,
    do_create_segment,
    do_rebuild_segment,
    find_segment,
    parse_segment_id,
    segment_label,
)
from cairn.store import Store
from cairn.store.segment_queries import SegmentQueries

segment_app = typer.Typer(no_args_is_help=True, help="Segments: live membership by conditions.")
AccountOption = Annotated[
    int | None,
    typer.Option("--account", "-a", help="Account id; needed when the store holds several."),
]
MEMBERS_PAGE = 1000


def _account_id(store: Store, account: int | None) -> int:
    with store.read() as queries:
        known = [a.id for a in queries.accounts()]
    if account is None and len(known) == 1:
        return known[0]
    if account is None or account not in known:
        raise fail("give --account with one of: " + ", ".join(map(str, known)))
    return account


def _segment_id(text: str) -> int:
    segment_id = parse_segment_id(text)
    if segment_id is None:
        raise fail(f"{text!r} is not a segment id")
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
    """Create a segment and print its id; the worker builds its membership (or run
    `cairn segment rebuild ID` to build it now)."""
    try:
        parsed = orjson.loads(definition.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise fail(f"cannot read a JSON definition from {definition}: {error}") from None
    store = open_or_exit(data, database_url)
    try:
        row = do_create_segment(store, _account_id(store, account), name, parsed)
    except ValueError as error:
        raise fail(str(error)) from None
    finally:
        store.close()
    typer.echo(segment_label(row.id))


@segment_app.command("list")
def segment_list(
    account: AccountOption = None, data: DataOption = None, database_url: UrlOption = None
) -> None:
    """The account's segments: id, members, whether membership is built, name."""
    store = open_or_exit(data, database_url)
    account_id = _account_id(store, account)
    with store.read() as queries:
        segments = SegmentQueries(queries)
        rows = segments.segments_of(account_id)
        counts = segments.member_counts(account_id)
    store.close()
    for row in rows:
        built = "built" if row.built_version == row.version else "building"
        typer.echo(f"{segment_label(row.id)}  {counts.get(row.id, 0):>9}  {built:<8}  {row.name}")


@segment_app.command("members")
def segment_members(
    segment: str,
    account: AccountOption = None,
    data: DataOption = None,
    database_url: UrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """The segment's members: email, phone and since when."""
    store = open_or_exit(data, database_url)
    account_id = _account_id(store, account)
    segment_id = _segment_id(segment)
    try:
        find_segment(store, account_id, segment_id)
    except SegmentNotFound as error:
        raise fail(str(error)) from None
    after = 0
    while True:
        with store.read() as queries:
            page = SegmentQueries(queries).members_after(
                account_id, segment_id, after, MEMBERS_PAGE
            )
        for member in page:
            since = datetime.fromtimestamp(member.created_at, UTC).isoformat(timespec="seconds")
            if as_json:
                fields = {"email": member.email, "phone_number": member.phone, "since": since}
                typer.echo(orjson.dumps(fields).decode())
            else:
                typer.echo(f"{member.email or '-'}\t{member.phone or '-'}\t{since}")
        if len(page) < MEMBERS_PAGE:
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
    store = open_or_exit(data, database_url)
    account_id = _account_id(store, account)
    with progress_bar() as progress:
        task = progress.add_task("profiles", total=None)
        try:
            result = do_rebuild_segment(
                store,
                account_id,
                _segment_id(segment),
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except SegmentNotFound as error:
            raise fail(str(error)) from None
        finally:
            store.close()
    restarted = (
        f" (restarted {result.restarts}x: the definition changed)" if result.restarts else ""
    )
    typer.echo(
        f"rebuilt over {result.profiles} profiles: {result.entered} entered,"
        f" {result.exited} exited{restarted}"
    )
