"""How the dashboard names a property value's type. Pure."""

from __future__ import annotations

from datetime import date, datetime


def is_iso_date(text: str) -> bool:
    if len(text) < 10 or not text[:4].isdigit() or text[4] != "-":
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
    return True


def type_name(value: object) -> str:
    """null, boolean, number, date (an ISO date string), text, list or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "date" if is_iso_date(value) else "text"
    if isinstance(value, list):
        return "list"
    return "object"
