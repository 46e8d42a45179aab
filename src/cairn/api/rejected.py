"""Cairn's own route: payloads the pipeline refused, newest first, with their reasons."""

from __future__ import annotations

from typing import Any

from cairn.api.call import Call
from cairn.api.pages import marker_field, marker_page
from cairn.api.shapes import iso

PAGE_SIZE = 100


def list_rejected(call: Call) -> dict[str, Any]:
    marker = marker_field(call)
    with call.store.read() as queries:
        rows = queries.rejections_before(call.account_id, marker or None, PAGE_SIZE + 1)
    page = rows[:PAGE_SIZE]
    records = [
        {
            "id": r.id,
            "kind": r.kind,
            "reason": r.reason,
            "received": iso(r.received_at),
            "rejected": iso(r.rejected_at),
            "payload": r.payload,
        }
        for r in page
    ]
    return marker_page(records, page[-1].id if len(rows) > PAGE_SIZE else None)
