"""Who is signed in: sign-in checks, the proof kept in the session, and CSRF tokens.

The signed session cookie holds the account id and a proof (the private key's hash, or a
fingerprint of the password hash). Every request checks the proof against the store, so revoking
the key or changing the password signs that session out.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from cairn.accounts.keys import hash_private_key
from cairn.dashboard.passwords import fingerprint, verify_password
from cairn.store import Store
from cairn.store.dashboard import DashboardQueries
from cairn.store.records import Account
from cairn.store.sql import Queries

CSRF_FIELD = "csrf"
_SECRET_SETTING = "session_secret"


class SignInRefused(Exception):
    """Wrong key, account or password; the message is safe to show."""


@dataclass(frozen=True)
class Viewer:
    account: Account
    csrf: str


def session_secret(store: Store) -> str:
    """The cookie-signing secret: generated on first use and kept in the store."""
    with store.transaction() as queries:
        return DashboardQueries(queries).setting(_SECRET_SETTING, secrets.token_urlsafe(48))


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_matches(session: dict[str, Any], submitted: object) -> bool:
    token = session.get(CSRF_FIELD)
    return (
        isinstance(token, str)
        and isinstance(submitted, str)
        and hmac.compare_digest(token.encode(), submitted.encode())
    )


def sign_in_with_key(queries: Queries, private_key: str) -> tuple[Account, str]:
    """(account, session proof) for a live private key."""
    key_hash = hash_private_key(private_key.strip())
    account = queries.account_by_key_hash(key_hash)
    if account is None:
        raise SignInRefused("That private key is unknown or revoked.")
    return account, f"key:{key_hash}"


def sign_in_with_password(
    queries: Queries, account_text: str, password: str
) -> tuple[Account, str]:
    """(account, session proof); the account is named by its public key, id or unique name."""
    account = _find_account(queries, account_text.strip())
    stored = DashboardQueries(queries).password_hash(account.id) if account else None
    if account is None or stored is None or not verify_password(password, stored):
        raise SignInRefused("Wrong account or password.")
    return account, f"pw:{fingerprint(stored)}"


def _find_account(queries: Queries, text: str) -> Account | None:
    if not text:
        return None
    account = queries.account_by_public_key(text)
    if account is None and text.isdigit():
        account = DashboardQueries(queries).account(int(text))
    if account is None:
        named = DashboardQueries(queries).account_by_name(text)
        account = named[0] if len(named) == 1 else None
    return account


def start_session(session: dict[str, Any], account: Account, proof: str) -> None:
    """A fresh session (and CSRF token) on every sign-in."""
    session.clear()
    session.update({"account_id": account.id, "proof": proof})
    csrf_token(session)


def viewer_of(queries: Queries, session: dict[str, Any]) -> Viewer | None:
    """The signed-in account, if the session's proof still holds."""
    account_id, proof = session.get("account_id"), session.get("proof")
    if not isinstance(account_id, int) or not isinstance(proof, str):
        return None
    kind, _, value = proof.partition(":")
    account: Account | None = None
    if kind == "key":
        account = queries.account_by_key_hash(value)
    elif kind == "pw":
        stored = DashboardQueries(queries).password_hash(account_id)
        if stored is not None and hmac.compare_digest(fingerprint(stored), value):
            account = DashboardQueries(queries).account(account_id)
    if account is None or account.id != account_id:
        return None
    return Viewer(account, csrf_token(session))
