"""Dashboard passwords: scrypt hashes with a random salt, in one self-describing string."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt cost: N=2**14, r=8, p=1 (16 MB, tens of milliseconds per check).
_N, _R, _P = 2**14, 8, 1
MIN_LENGTH = 10


def check_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a dashboard password has at least {MIN_LENGTH} characters")
    return password


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 2**20, dklen=32)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$hash`, salt and hash in base64."""
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(derived, base64.b64decode(digest))


def fingerprint(stored: str) -> str:
    """Kept in the session: it changes when the password does, which signs old sessions out."""
    return hashlib.sha256(stored.encode()).hexdigest()[:32]
