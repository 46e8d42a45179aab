"""A real PostgreSQL for tests and benchmarks: a throwaway cluster made with Debian's binaries,
or an existing server named by a URL.

As root, the cluster's programs run as the `postgres` system user (PostgreSQL refuses root);
it listens on a free loopback port with its socket in its own folder, and goes away with it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from support.live import free_port

PASSWORD = "cairn-test"
# Settings for a disposable test server: no fsync (the OS still has every commit, so stopping
# the server in any mode loses nothing acknowledged), room for many processes.
TEST_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "listen_addresses": "127.0.0.1",
}


def postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(
            f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)"
        )
    return path


@dataclass
class PostgresServer:
    """A server Cairn's tests may create databases on; `url` has the maintenance database."""

    url: str

    def database_url(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def execute(self, statement: sql.Composable) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(statement)

    def create_database(self, name: str, template: str | None = None) -> str:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:  # a file copy beats WAL-logging for a small template
            statement = sql.SQL("{} TEMPLATE {} STRATEGY FILE_COPY").format(
                statement, sql.Identifier(template)
            )
        self.execute(statement)
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    @contextmanager
    def fresh_database(self, template: str | None = None) -> Iterator[str]:
        name = f"cairn_{uuid.uuid4().hex[:12]}"
        url = self.create_database(name, template)
        try:
            yield url
        finally:
            self.drop_database(name)


class PostgresCluster:
    """`initdb` + `pg_ctl` in a temporary folder. Use as a context manager, or start/remove."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self._user = "postgres" if os.geteuid() == 0 else None
        # The postgres user must reach the folder: as root, not under a private TMPDIR.
        self.root = Path(tempfile.mkdtemp(prefix="cairn-pg-", dir="/tmp" if self._user else None))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.settings = {**TEST_SETTINGS, **(settings or {})}
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.server = PostgresServer(
            f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/postgres"
        )

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self._user, "--"] if self._user else []
        result = subprocess.run(
            [*prefix, *command], cwd=self.root, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {result.stdout}{result.stderr}{log}")

    def init(self) -> None:
        password_file = self.root / "password"
        password_file.write_text(PASSWORD)
        if self._user is not None:
            shutil.chown(password_file, self._user)
        self._run(
            postgres_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
        )
        password_file.unlink()

    def start(self) -> None:
        options = [f"-p {self.port}", f"-k {self.root}"]
        options += [f"-c {key}={value}" for key, value in self.settings.items()]
        self._run(
            postgres_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            " ".join(options),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        try:
            self.init()
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
