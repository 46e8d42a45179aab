"""`cairn` against PostgreSQL: explicit migrations and clear errors instead of tracebacks."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

import psycopg

from cairn.store.migrations import migration_scripts
from support.live import free_port
from support.postgres import PostgresServer


def cairn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cairn", *args], capture_output=True, text=True, timeout=60
    )


def test_migrate_creates_the_schema(postgres_server: PostgresServer) -> None:
    with postgres_server.fresh_database() as url:
        result = cairn("migrate", "--database-url", url)
        assert result.returncode == 0, result.stderr
        assert "schema is up to date" in result.stdout
        with psycopg.connect(url) as connection:
            versions = connection.execute("SELECT version FROM schema_migrations").fetchall()
            lanes = connection.execute("SELECT count(*) FROM partition_leases").fetchone()
        expected = [(version,) for version, _ in migration_scripts("postgres")]
        assert versions == expected and lanes == (64,)
        assert cairn("migrate", "--database-url", url).returncode == 0


def test_an_unreachable_database_is_a_one_line_error() -> None:
    url = f"postgresql://cairn:hunter2@127.0.0.1:{free_port()}/cairn"
    result = cairn("migrate", "--database-url", url)
    assert result.returncode == 2
    assert "cannot open the store at postgresql://cairn:***@127.0.0.1" in result.stderr
    assert "Connection refused" in result.stderr
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr


def test_wrong_credentials_are_a_one_line_error(postgres_server: PostgresServer) -> None:
    parts = urlsplit(postgres_server.url)
    url = parts._replace(netloc=f"{parts.username}:wrong@{parts.hostname}:{parts.port}").geturl()
    result = cairn("account", "list", "--database-url", url)
    assert result.returncode == 2
    assert "password authentication failed" in result.stderr
    assert "Traceback" not in result.stderr
