"""Real `cairn worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class WorkerProcess:
    database_url: str
    log_path: Path
    extra_args: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def application_name(self) -> str:
        """How its PostgreSQL connections are named in pg_stat_activity."""
        return f"cairn[{self.pid}]"

    def start(self) -> None:
        command = [sys.executable, "-m", "cairn", "worker", "--database-url", self.database_url]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command + self.extra_args, stderr=log)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
