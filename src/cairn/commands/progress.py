"""The Rich progress bar of long commands: bar, percentage, rows and rows/s, ETA."""

from __future__ import annotations

from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from cairn.commands.common import console


class RowRate(ProgressColumn):
    """Rows so far and rows per second (the task's `rows` field: the bar may count bytes)."""

    def render(self, task: Task) -> Text:
        rows = int(task.fields.get("rows", task.completed))
        elapsed = task.elapsed or 0.0
        rate = rows / elapsed if elapsed > 0 else 0.0
        return Text(f"{rows:,} rows · {rate:,.0f} rows/s", style="progress.data.speed")


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        RowRate(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        console=console,
    )
