"""Which inbox partition a payload goes to: the same person always lands in the same one."""

from __future__ import annotations

import zlib
from typing import Any

from cairn.inbox.records import Kind
from cairn.pipeline.identity import primary_identifier


def partition_of(kind: Kind, payload: dict[str, Any]) -> int:
    """A stable hash of the payload's highest-ranked identifier (0 when it has none)."""
    source = payload.get("customer_properties" if kind is Kind.TRACK else "properties")
    if isinstance(source, dict):
        identifier = primary_identifier(source)
        if identifier is not None:
            return zlib.crc32(identifier.encode()) & 0x7FFFFFFF
    return 0
