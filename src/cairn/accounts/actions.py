"""Account and key changes (`do_*` mutate the store)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cairn.accounts.keys import display_prefix, hash_private_key, new_private_key, new_public_key
from cairn.store import Store


@dataclass(frozen=True)
class CreatedAccount:
    account_id: int
    name: str
    public_key: str
    private_key: str

    def as_dict(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "name": self.name,
            "public_key": self.public_key,
            "private_key": self.private_key,
        }


def check_account_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("an account name is 1 to 200 characters")
    return name


def do_create_account(store: Store, name: str) -> CreatedAccount:
    name = check_account_name(name)
    private_key = new_private_key()
    now = time.time()
    with store.transaction() as queries:
        public_key = new_public_key()
        while queries.account_by_public_key(public_key) is not None:
            public_key = new_public_key()
        account_id = queries.insert_account(name, public_key, now)
        queries.insert_api_key(
            account_id, hash_private_key(private_key), display_prefix(private_key), "default", now
        )
    return CreatedAccount(account_id, name, public_key, private_key)
