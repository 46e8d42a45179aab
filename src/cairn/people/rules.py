"""Rules for editing a person through the REST API. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from cairn.checks import Invalid
from cairn.pipeline.identity import IDENTIFIER_KEYS, extract_identifiers

DELETION_KEYS = ("email", "phone_number", "person_id")


def coerce_value(value: object) -> object:
    """Query and form values arrive as strings: keep JSON scalars (numbers, true, false, null)
    as such, everything else as the string sent."""
    if not isinstance(value, str):
        return value
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value
    return value if isinstance(parsed, dict | list | str) else parsed


def check_unset(value: object) -> list[str]:
    """`$unset`: a JSON list of property names (or one name)."""
    if value is None or value == "":
        return []
    parsed = value
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = [value]
    if isinstance(parsed, str):
        parsed = [parsed]
    if not isinstance(parsed, list) or not all(isinstance(k, str) and k for k in parsed):
        raise Invalid('$unset must be a JSON list of property names, e.g. ["Plan"]')
    return list(parsed)


def check_person_update(fields: Mapping[str, object]) -> dict[str, object]:
    """The properties to set; identifiers must be valid, since they change who the person is."""
    updates = {key: coerce_value(value) for key, value in fields.items() if key != "$unset"}
    for key in IDENTIFIER_KEYS & updates.keys():
        if not extract_identifiers({key: updates[key]}):
            raise Invalid(f"{key} is not a valid identifier")
    return updates


def check_deletion_request(fields: Mapping[str, object]) -> tuple[str, str]:
    """Exactly one of email, phone_number or person_id: returns (key, value), an email or
    phone number normalized as identity rules store it."""
    given = [key for key in DELETION_KEYS if fields.get(key) not in (None, "")]
    if len(given) != 1:
        raise Invalid("Send exactly one of email, phone_number or person_id.")
    key = given[0]
    value = fields[key]
    if not isinstance(value, str):
        raise Invalid(f"{key} must be a string")
    if key == "person_id":
        return key, value.strip()
    normalized = extract_identifiers({key: value}).ranked()
    if not normalized:
        raise Invalid(f"{key} is not valid")
    return key, normalized[0][1]
