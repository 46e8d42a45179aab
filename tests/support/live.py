"""A real `cairn serve` in a subprocess, on a free loopback port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

KEY_LINE = re.compile(r"^(public|private) key\s+(\S+)", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """`start()` runs `cairn serve`; keys are read from the Demo account it prints."""

    data_dir: Path
    extra_args: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    database_url: str | None = None
    public_key: str = ""
    private_key: str = ""
    process: subprocess.Popen[str] | None = None

    @property
    def store_url(self) -> str:
        """The database the server runs on."""
        return self.database_url or f"sqlite:///{self.data_dir / 'cairn.db'}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "cairn", "serve", "--port", str(self.port)]
        if self.database_url:
            command += ["--database-url", self.database_url]
        else:
            command += ["--data", str(self.data_dir)]
        return command + self.extra_args

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / f"server-{time.monotonic_ns()}.log", "w") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                start_new_session=True,
            )
        assert self.process.stdout is not None
        banner = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            banner += line
            if line.startswith("Cairn listening"):
                break
        for kind, key in KEY_LINE.findall(banner):
            setattr(self, f"{kind}_key", key)
        self.wait_ready(deadline)

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"cairn serve exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise TimeoutError("cairn serve did not become ready")

    def kill(self) -> None:
        """SIGKILL the whole process group: server and its worker, no clean-up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()

    def _close(self) -> None:
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None
