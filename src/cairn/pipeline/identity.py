"""Identity resolution: which profile a payload belongs to, and which profiles it merges.

Pure functions over plain values; the worker feeds them what the store found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# Look-up order, highest rank first.
KINDS: tuple[str, ...] = ("email", "phone", "external_id", "exchange_id")

# Wire spellings of each identifier; the `$` form wins when both are present.
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "email": ("$email", "email"),
    "phone": ("$phone_number", "phone_number"),
    "external_id": ("$id", "id"),
    "exchange_id": ("$exchange_id",),
}
IDENTIFIER_KEYS: frozenset[str] = frozenset(k for keys in _SPELLINGS.values() for k in keys)
EXTERNAL_ID_MAX = 64
_PHONE_NOISE = re.compile(r"[\s().\-]")


def normalize_email(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    return email if "@" in email else None


def normalize_phone(value: object) -> str | None:
    """E.164-style: keep a leading `+` and digits; drop spaces, dots, dashes and brackets."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    phone = _PHONE_NOISE.sub("", value.strip())
    digits = phone[1:] if phone.startswith("+") else phone
    return phone if digits.isdigit() and 6 <= len(digits) <= 15 else None


def normalize_external_id(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    external_id = value.strip()[:EXTERNAL_ID_MAX]
    return external_id or None


def normalize_exchange_id(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


_NORMALIZERS = {
    "email": normalize_email,
    "phone": normalize_phone,
    "external_id": normalize_external_id,
    "exchange_id": normalize_exchange_id,
}


@dataclass(frozen=True)
class Identifiers:
    """Normalized identifiers of one payload or one profile, by kind."""

    values: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.values)

    def get(self, kind: str) -> str | None:
        return self.values.get(kind)

    def ranked(self) -> list[tuple[str, str]]:
        return [(kind, self.values[kind]) for kind in KINDS if kind in self.values]


def _identifier(kind: str, properties: Mapping[str, object]) -> str | None:
    """The normalized identifier of one kind, from the first spelling that holds a valid one."""
    for key in _SPELLINGS[kind]:
        if key in properties:
            normalized = _NORMALIZERS[kind](properties[key])
            if normalized is not None:
                return normalized
    return None


def extract_identifiers(properties: Mapping[str, object]) -> Identifiers:
    """Read identifiers from customer/profile properties, accepting both wire spellings."""
    found = {kind: value for kind in KINDS if (value := _identifier(kind, properties)) is not None}
    return Identifiers(found)


def primary_identifier(properties: Mapping[str, object]) -> str | None:
    """The value of the highest-ranked identifier: `extract_identifiers(p).ranked()[0][1]`,
    without reading the rest."""
    for kind in KINDS:
        value = _identifier(kind, properties)
        if value is not None:
            return value
    return None


def identifier_properties(identifiers: Identifiers) -> dict[str, object]:
    """Identifiers as profile properties, under their `$` names."""
    return {_SPELLINGS[kind][0]: value for kind, value in identifiers.values.items()}


def profile_properties(properties: Mapping[str, object]) -> dict[str, object]:
    """Properties to store on the profile: identifiers normalized under their `$` names."""
    stored = {k: v for k, v in properties.items() if k not in IDENTIFIER_KEYS}
    stored.update(identifier_properties(extract_identifiers(properties)))
    return stored


@dataclass(frozen=True)
class ProfileRef:
    """What resolution needs to know about an existing profile."""

    id: int
    identifiers: Identifiers
    updated_at: float


@dataclass(frozen=True)
class Conflict:
    """Two profiles hold different values of the same identifier kind; they are not merged."""

    profile_id: int
    kind: str


@dataclass(frozen=True)
class Resolution:
    """The outcome for one payload.

    `target` is None when a new profile must be created. `absorb` lists the profiles merged into
    the target, oldest first. `identifiers` are the target's identifiers afterwards.
    """

    target: int | None
    absorb: tuple[ProfileRef, ...]
    conflicts: tuple[Conflict, ...]
    identifiers: Identifiers


def resolve(incoming: Identifiers, matches: Mapping[str, ProfileRef]) -> Resolution:
    """Decide the target profile for `incoming`, given the profile each identifier matched.

    - No match: a new profile with the incoming identifiers.
    - The target is the profile found by the highest-ranked identifier.
    - Every other matched profile merges into the target, unless the two hold different values
      of one identifier kind: then it stays apart and the conflict is reported.
    - Incoming identifiers that no other profile owns are set on the target (newer wins).
    """
    found = [matches[kind] for kind, _ in incoming.ranked() if kind in matches]
    if not found:
        return Resolution(None, (), (), incoming)
    target = found[0]
    if all(ref.id == target.id for ref in found) and all(
        target.identifiers.get(kind) == value for kind, value in incoming.values.items()
    ):  # the common case, a known profile sending what it already holds: nothing to merge
        return Resolution(target.id, (), (), target.identifiers)
    merged = dict(target.identifiers.values)
    absorb: list[ProfileRef] = []
    conflicts: list[Conflict] = []
    seen = {target.id}
    for other in found[1:]:
        if other.id in seen:
            continue
        seen.add(other.id)
        clash = next(
            (
                kind
                for kind, value in other.identifiers.ranked()
                if kind in merged and merged[kind] != value
            ),
            None,
        )
        if clash is not None:
            conflicts.append(Conflict(other.id, clash))
            continue
        absorb.append(other)
        for kind, value in other.identifiers.values.items():
            merged.setdefault(kind, value)
    kept_apart = {c.profile_id for c in conflicts}
    owned_elsewhere = {
        kind for kind, ref in matches.items() if ref.id in kept_apart and ref.id != target.id
    }
    for kind, value in incoming.values.items():
        if kind not in owned_elsewhere:
            merged[kind] = value
    absorb.sort(key=lambda ref: ref.updated_at)
    return Resolution(target.id, tuple(absorb), tuple(conflicts), Identifiers(merged))


def merge_properties(
    target: Mapping[str, object],
    target_updated_at: float,
    absorbed: list[tuple[Mapping[str, object], float]],
) -> dict[str, object]:
    """Combine property maps of merged profiles: the more recently updated profile wins a key."""
    layers = [*absorbed, (target, target_updated_at)]
    layers.sort(key=lambda layer: layer[1])
    combined: dict[str, object] = {}
    for properties, _ in layers:
        combined.update(properties)
    return combined
