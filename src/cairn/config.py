"""Settings, from flags or `CAIRN_*` environment variables (see also `config_file`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATA_DIR = "cairn-data"


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


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
    ready_max_lag: float = 60.0
    # REST rate limit per private key: a bucket of `burst` requests refilled at `per_second`
    # (0 turns it off). Defaults: 350 at once, 3500 a minute.
    api_rate_burst: int = field(
        default_factory=lambda: int(_env_float("CAIRN_API_RATE_BURST", 350))
    )
    api_rate_per_second: float = field(
        default_factory=lambda: _env_float("CAIRN_API_RATE_PER_SECOND", 3500 / 60)
    )
    # Track & Identify, per public key: much higher (0 turns it off).
    ingest_rate_burst: int = field(
        default_factory=lambda: int(_env_float("CAIRN_INGEST_RATE_BURST", 20_000))
    )
    ingest_rate_per_second: float = field(
        default_factory=lambda: _env_float("CAIRN_INGEST_RATE_PER_SECOND", 10_000)
    )

    def environment(self) -> dict[str, str]:
        """The `CAIRN_*` variables `from_environment` reads back, for child processes."""
        return {
            "CAIRN_DATABASE_URL": self.database_url,
            "CAIRN_COMMIT_WINDOW_MS": str(self.commit_window * 1000),
            "CAIRN_COMMIT_MAX_BATCH": str(self.commit_max_batch),
            "CAIRN_READY_MAX_LAG": str(self.ready_max_lag),
            "CAIRN_API_RATE_BURST": str(self.api_rate_burst),
            "CAIRN_API_RATE_PER_SECOND": str(self.api_rate_per_second),
            "CAIRN_INGEST_RATE_BURST": str(self.ingest_rate_burst),
            "CAIRN_INGEST_RATE_PER_SECOND": str(self.ingest_rate_per_second),
        }

    @classmethod
    def from_environment(cls) -> Settings:
        """What `cairn serve` hands each of its HTTP processes through the environment."""
        return cls(
            database_url=default_database_url(),
            commit_window=_env_float("CAIRN_COMMIT_WINDOW_MS", 0.0) / 1000,
            commit_max_batch=int(_env_float("CAIRN_COMMIT_MAX_BATCH", 4096)),
            ready_max_lag=_env_float("CAIRN_READY_MAX_LAG", 60.0),
        )
