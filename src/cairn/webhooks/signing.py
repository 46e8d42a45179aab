"""Webhook signatures: HMAC-SHA256 over the exact body bytes, keyed by the webhook's secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Cairn-Signature"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(24)


def sign(secret: str, body: bytes) -> str:
    """The `X-Cairn-Signature` value: `sha256=` and the hex digest."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver checks; constant-time."""
    return hmac.compare_digest(sign(secret, body), signature)
