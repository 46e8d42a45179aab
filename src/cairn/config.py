"""Settings, from flags or `CAIRN_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATA_DIR = "cairn-data"


def default_database_url(data_dir: str | Path | None = None) -> str:
    """CAIRN_DATABASE_URL, else SQLite in CAIRN_DATA (default ./cairn-data)."""
    if data_dir is None:
        url = os.environ.get("CAIRN_DATABASE_URL")
        if url:
            return url
        data_dir = os.environ.get("CAIRN_DATA", DEFAULT_DATA_DIR)
    return f"sqlite:///{Path(data_dir) / 'cairn.db'}"


def redacted(database_url: str) -> str:
    """The URL with its password hidden, for messages."""
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    # Group commit: the longest a record waits for others to share its commit, and a cap.
    commit_window: float = 0.0
    commit_max_batch: int = 4096
    worker_batch_size: int = 1000

    @classmethod
    def from_environment(cls) -> Settings:
        """What `cairn serve` hands each of its HTTP processes through the environment."""
        return cls(
            database_url=default_database_url(),
            commit_window=float(os.environ.get("CAIRN_COMMIT_WINDOW_MS", "0")) / 1000,
        )
