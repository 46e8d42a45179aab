"""Versioned schema migrations: one folder of numbered `.sql` files per database."""

from __future__ import annotations

from importlib import resources


def migration_scripts(folder: str) -> list[tuple[int, str]]:
    """(version, script) pairs of `folder`, in order."""
    scripts = []
    for entry in resources.files(__package__).joinpath(folder).iterdir():
        if entry.name.endswith(".sql"):
            scripts.append((int(entry.name.split("_", 1)[0]), entry.read_text()))
    return sorted(scripts)
