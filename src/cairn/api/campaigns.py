"""v1 campaigns. Cairn sends no email, so there are never any campaigns: the index is an
honest empty page and every campaign id is unknown."""

from __future__ import annotations

from typing import Any

from cairn.api.call import Call
from cairn.api.errors import NotFound
from cairn.api.pages import page_envelope, page_params

NONE = "Campaign does not exist. Cairn sends no email and has no campaigns."


def list_campaigns(call: Call) -> dict[str, Any]:
    page, count = page_params(call, 50, 100)
    return page_envelope([], page, count, 0)


def get_campaign(call: Call) -> dict[str, Any]:
    raise NotFound(NONE)
