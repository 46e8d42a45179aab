"""The pipeline worker as a child process of `cairn serve`, restarted when it dies."""

from __future__ import annotations

import logging
import subprocess
import threading

log = logging.getLogger(__name__)

MAX_RESTART_DELAY = 30.0


class WorkerProcess:
    """Runs `command` and starts it again (with growing delays) whenever it exits unasked,
    so a crashed worker never leaves accepted events waiting in the inbox unnoticed."""

    def __init__(self, command: list[str], restart_delay: float = 0.5) -> None:
        self.command = command
        self.restart_delay = restart_delay
        self.restarts = 0
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        self._spawn()
        self._monitor = threading.Thread(target=self._watch, name="cairn-worker-watch", daemon=True)
        self._monitor.start()

    def _spawn(self) -> None:
        with self._lock:
            if not self._stopping.is_set():
                self._process = subprocess.Popen(self.command)

    def _watch(self) -> None:
        delay = self.restart_delay
        while not self._stopping.is_set():
            process = self._process
            if process is None:
                return
            code = process.wait()
            if self._stopping.is_set():
                return
            log.error("pipeline worker exited with code %s; restarting in %.1fs", code, delay)
            if self._stopping.wait(delay):
                return
            self.restarts += 1
            delay = min(delay * 2, MAX_RESTART_DELAY)
            self._spawn()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._monitor is not None:
            self._monitor.join(timeout=timeout)
