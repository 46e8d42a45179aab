"""The optional TOML config file, and the table of every setting it may hold."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from cairn.config import DEFAULT_DATA_DIR


@dataclass(frozen=True)
class Option:
    """One setting: its TOML key (also the flag, with dashes), environment variable and type."""

    name: str
    type: type
    default: object
    help: str

    @property
    def env(self) -> str:
        return "CAIRN_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


# Every setting a config file may hold. Precedence: flag, then environment, then file, then
# the default. This table is the one in the README.
OPTIONS: tuple[Option, ...] = (
    Option(
        "database_url", str, "sqlite:///cairn-data/cairn.db", "sqlite:///PATH or postgresql://…"
    ),
    Option("data", str, DEFAULT_DATA_DIR, "data folder of the embedded SQLite store"),
    Option("host", str, "127.0.0.1", "`serve`: interface to listen on"),
    Option("port", int, 8000, "`serve`: port to listen on"),
    Option("no_worker", bool, False, "`serve`: ingest only, run no pipeline worker"),
    Option("commit_window_ms", float, 0.0, "`serve`: longest wait to share an inbox commit"),
    Option("commit_max_batch", int, 4096, "`serve`: records gathered into one inbox commit"),
    Option("ready_max_lag", float, 60.0, "`serve`: `/readyz` fails above this pipeline lag (s)"),
    Option("api_rate_burst", int, 350, "`serve`: REST requests at once per private key (0: off)"),
    Option("api_rate_per_second", float, 3500 / 60, "`serve`: REST requests/s per key, steady"),
    Option("ingest_rate_burst", int, 20_000, "`serve`: Track/Identify at once per public key"),
    Option("ingest_rate_per_second", float, 10_000, "`serve`: Track/Identify/s per public key"),
    Option("batch_size", int, 1000, "`worker`: inbox entries per transaction"),
    Option("log_level", str, "warning", "debug (one line per request), info, warning, error"),
    Option("log_format", str, "json", "json (one object per line) or text"),
)
_BY_NAME = {option.name: option for option in OPTIONS}


def load_config_file(path: str | Path) -> dict[str, object]:
    """Read a TOML config file: flat `key = value` pairs, keys from OPTIONS (dashes allowed)."""
    try:
        with open(path, "rb") as file:
            raw = tomllib.load(file)
    except OSError as error:
        raise ValueError(f"cannot read config file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"config file {path} is not valid TOML: {error}") from None
    values: dict[str, object] = {}
    for key, value in raw.items():
        option = _BY_NAME.get(key.replace("-", "_"))
        if option is None:
            raise ValueError(f"config file {path}: unknown setting {key!r}")
        wanted: tuple[type, ...] = (int, float) if option.type is float else (option.type,)
        if not isinstance(value, wanted) or (option.type is not bool and isinstance(value, bool)):
            raise ValueError(f"config file {path}: {key} must be {option.type.__name__}")
        values[option.name] = value
    return values
