"""Key formats. Public keys are 6 characters; private keys are stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
import string

PUBLIC_KEY_ALPHABET = string.ascii_letters + string.digits
PRIVATE_KEY_PREFIX = "pk_"


def new_public_key() -> str:
    return "".join(secrets.choice(PUBLIC_KEY_ALPHABET) for _ in range(6))


def new_private_key() -> str:
    return PRIVATE_KEY_PREFIX + secrets.token_hex(17)


def hash_private_key(private_key: str) -> str:
    return hashlib.sha256(private_key.encode()).hexdigest()


def display_prefix(private_key: str) -> str:
    """What may be shown of a key after creation: enough to recognise it, not to use it."""
    return private_key[: len(PRIVATE_KEY_PREFIX) + 4]
