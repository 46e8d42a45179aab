"""Rules for list requests. Pure functions."""

from __future__ import annotations

from cairn.checks import Invalid
from cairn.pipeline.identity import extract_identifiers, normalize_email, normalize_phone

MAX_NAME = 255
MAX_BATCH = 100


def check_list_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("list_name is required")
    name = value.strip()
    if len(name) > MAX_NAME:
        raise Invalid(f"list_name is longer than {MAX_NAME} characters")
    return name


def check_profiles(value: object) -> list[dict[str, object]]:
    """`profiles`: 1 to 100 objects, each with a valid email or phone_number."""
    if not isinstance(value, list) or not value:
        raise Invalid("profiles is required: a list of objects with email or phone_number")
    if len(value) > MAX_BATCH:
        raise Invalid(f"profiles holds at most {MAX_BATCH} items")
    for index, profile in enumerate(value):
        if not isinstance(profile, dict):
            raise Invalid(f"profiles[{index}] is not an object")
        found = extract_identifiers(profile)
        if not (found.get("email") or found.get("phone")):
            raise Invalid(f"profiles[{index}] needs a valid email or phone_number")
    return value


def check_identifiers(
    emails: list[str], phone_numbers: list[str], push_tokens: list[str]
) -> list[tuple[str, str]]:
    """(kind, normalized value) pairs, 1 to 100 in all. Push tokens are accepted but Cairn
    holds none, so they match nobody."""
    total = len(emails) + len(phone_numbers) + len(push_tokens)
    if total == 0:
        raise Invalid("emails, phone_numbers or push_tokens is required")
    if total > MAX_BATCH:
        raise Invalid(f"at most {MAX_BATCH} identifiers per request")
    pairs: list[tuple[str, str]] = []
    for email in emails:
        normalized = normalize_email(email)
        if normalized is None:
            raise Invalid(f"{email!r} is not an email address")
        pairs.append(("email", normalized))
    for phone in phone_numbers:
        normalized = normalize_phone(phone)
        if normalized is None:
            raise Invalid(f"{phone!r} is not a phone number")
        pairs.append(("phone", normalized))
    return pairs
