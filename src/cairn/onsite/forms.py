"""Front-end form posts (back in stock, list subscribe): pure checks of the submitted fields.

No I/O. Fields arrive as a multi-dict (name → every value sent); a bad field raises `FormError`
with a message a form can show to the person who filled it in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cairn.pipeline.identity import normalize_phone

Fields = Mapping[str, list[str]]

BACK_IN_STOCK_METRIC = "Subscribed to Back in Stock"
BAD_EMAIL = "Please enter a valid email address."
# One `@`, no spaces, a dot in the domain: what a form can check; the mailbox is the mail's job.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_MAX_FIELD_CHARS = 2000


class FormError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def field(fields: Fields, name: str) -> str:
    """The last value sent for `name`, trimmed ('' when absent)."""
    values = fields.get(name)
    return values[-1].strip() if values else ""


def check_public_key(fields: Fields) -> str:
    key = field(fields, "a")
    if not key:
        raise FormError("The public key (a) is required.")
    return key


def check_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise FormError(BAD_EMAIL)
    return email


def check_contact(fields: Fields) -> dict[str, str]:
    """Customer identifiers from `email` and/or `phone_number`: at least one, each valid."""
    contact: dict[str, str] = {}
    email = field(fields, "email") or field(fields, "$email")
    phone = field(fields, "phone_number") or field(fields, "$phone_number")
    if email or not phone:
        contact["$email"] = check_email(email)
    if phone:
        normalized = normalize_phone(phone)
        if normalized is None:
            raise FormError("Please enter a valid phone number.")
        contact["$phone_number"] = normalized
    return contact


def check_length(name: str, value: str) -> str:
    if len(value) > _MAX_FIELD_CHARS:
        raise FormError(f"The field {name} is longer than {_MAX_FIELD_CHARS} characters.")
    return value


def is_true(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class BackInStock:
    public_key: str
    contact: dict[str, str]
    variant: str
    product: str
    platform: str
    store: str
    sms_consent: bool
    newsletter_list: str | None

    def newsletter_signup(self) -> ListSignup | None:
        """`subscribe_for_newsletter` with a list `g`: the person joins that list too."""
        if self.newsletter_list is None:
            return None
        return ListSignup(self.newsletter_list, self.public_key, dict(self.contact), {}, {})

    def event(self) -> dict[str, Any]:
        """The Track payload recorded for this subscription."""
        properties: dict[str, Any] = {"variant": self.variant}
        for name in ("product", "platform", "store"):
            if value := getattr(self, name):
                properties[name] = value
        if "$phone_number" in self.contact:
            properties["sms_consent"] = self.sms_consent
        return {
            "token": self.public_key,
            "event": BACK_IN_STOCK_METRIC,
            "customer_properties": dict(self.contact),
            "properties": properties,
        }


def check_back_in_stock(fields: Fields) -> BackInStock:
    public_key = check_public_key(fields)
    contact = check_contact(fields)
    variant = field(fields, "variant")
    if not variant:
        raise FormError("The variant is required.")
    newsletter = field(fields, "g") if is_true(field(fields, "subscribe_for_newsletter")) else ""
    return BackInStock(
        public_key=public_key,
        contact=contact,
        variant=check_length("variant", variant),
        product=check_length("product", field(fields, "product")),
        platform=check_length("platform", field(fields, "platform")) or "api",
        store=check_length("store", field(fields, "store")),
        sms_consent=is_true(field(fields, "sms_consent")),
        newsletter_list=newsletter or None,
    )


SUBSCRIBE_METRIC = "Subscribed to List"
# Fields that steer the subscription; every other field is a candidate profile property.
_CONTROL_FIELDS = frozenset(
    {"g", "a", "email", "$email", "phone_number", "$phone_number", "$fields", "$list_fields"}
)
_LIST_VALUED = frozenset({"$consent"})
_MAX_PROPERTIES = 100


def _names(fields: Fields, name: str) -> list[str]:
    """A comma-separated list of field names (`$fields`, `$list_fields`), in order, once each."""
    names = [part.strip() for value in fields.get(name, []) for part in value.split(",")]
    return list(dict.fromkeys(n for n in names if n))


def _value(name: str, values: list[str]) -> str | list[str]:
    """A repeated field (checkboxes) and `$consent` are lists; any other field is a string."""
    values = [check_length(name, value.strip()) for value in values]
    return values if len(values) > 1 or name in _LIST_VALUED else values[0]


@dataclass(frozen=True)
class ListSignup:
    list_id: str
    public_key: str | None
    contact: dict[str, str]
    properties: dict[str, str | list[str]]
    list_properties: dict[str, str | list[str]]

    def profile(self) -> dict[str, object]:
        """The profile to add to the list: its identifiers and the form's profile properties."""
        return {**self.properties, **self.contact}

    def event(self, public_key: str, joined_at: float) -> dict[str, Any]:
        """The Track payload recorded for this subscription. Its `$event_id` names the membership,
        so sending the form again records nothing new until the person leaves and rejoins."""
        return {
            "token": public_key,
            "event": SUBSCRIBE_METRIC,
            "customer_properties": dict(self.contact),
            "properties": {
                "list": self.list_id,
                **self.list_properties,
                "$event_id": f"{self.list_id}:{int(joined_at)}",
            },
        }


def check_list_signup(fields: Fields) -> ListSignup:
    """A front-end subscribe form: list `g`, `email` (or phone), optional key `a`. `$fields` names
    the fields stored on the profile (without it: every field that is not a control field);
    `$list_fields` names those recorded with the subscription."""
    list_id = field(fields, "g")
    if not list_id:
        raise FormError("The list (g) is required.")
    contact = check_contact(fields)
    chosen = _names(fields, "$fields") or [n for n in fields if n not in _CONTROL_FIELDS]
    for_list = _names(fields, "$list_fields")
    if len(chosen) + len(for_list) > _MAX_PROPERTIES:
        raise FormError(f"The form has more than {_MAX_PROPERTIES} fields.")
    return ListSignup(
        list_id=check_length("g", list_id),
        public_key=field(fields, "a") or None,
        contact=contact,
        properties={
            n: _value(n, fields[n]) for n in chosen if fields.get(n) and n not in _CONTROL_FIELDS
        },
        list_properties={n: _value(n, fields[n]) for n in for_list if fields.get(n)},
    )
