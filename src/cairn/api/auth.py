"""Private-key authentication: where the key may be sent, and which account it opens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cairn.accounts.keys import hash_private_key
from cairn.api.errors import Forbidden
from cairn.store import Queries
from cairn.store.records import Account

MISSING = "You must specify an API key to make requests."
INVALID = "The API key specified is invalid."
PUBLIC = "A public key cannot be used for this API; use a private API key."


def find_key(headers: Mapping[str, str], body: Mapping[str, Any], query: Mapping[str, str]) -> str:
    """The `api-key` header, else `api_key` in the body (JSON or form), else in the query."""
    for value in (headers.get("api-key"), body.get("api_key"), query.get("api_key")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise Forbidden(MISSING)


def authenticate(queries: Queries, key: str) -> tuple[Account, str]:
    """The account a private key opens, and the key's hash; Forbidden otherwise."""
    key_hash = hash_private_key(key)
    account = queries.account_by_key_hash(key_hash)
    if account is not None:
        return account, key_hash
    if queries.account_by_public_key(key) is not None:
        raise Forbidden(PUBLIC)
    raise Forbidden(INVALID)
