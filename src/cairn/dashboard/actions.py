"""What the dashboard and its CLI change in the store: private keys and passwords."""

from __future__ import annotations

import time

from cairn.accounts.keys import display_prefix, hash_private_key, new_private_key
from cairn.dashboard.passwords import check_password, hash_password
from cairn.store import Store
from cairn.store.dashboard import DashboardQueries

MAX_LABEL = 100


def check_key_label(label: str) -> str:
    label = label.strip()
    if len(label) > MAX_LABEL:
        raise ValueError(f"a key label is at most {MAX_LABEL} characters")
    return label


def do_create_key(store: Store, account_id: int, label: str) -> str:
    """A new private key for the account; the key itself is returned once and never stored."""
    label = check_key_label(label)
    private_key = new_private_key()
    with store.transaction() as queries:
        queries.insert_api_key(
            account_id,
            hash_private_key(private_key),
            display_prefix(private_key),
            label,
            time.time(),
        )
    return private_key


def do_revoke_key(store: Store, account_id: int, key_hash: str) -> bool:
    """True when a live key of this account was revoked."""
    with store.transaction() as queries:
        return DashboardQueries(queries).revoke_key(account_id, key_hash, time.time())


def do_set_password(store: Store, account_id: int, password: str) -> None:
    stored = hash_password(check_password(password))
    with store.transaction() as queries:
        dashboard = DashboardQueries(queries)
        if dashboard.account(account_id) is None:
            raise ValueError(f"no account with id {account_id}")
        dashboard.set_password_hash(account_id, stored, time.time())
