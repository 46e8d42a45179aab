"""Public key → account id, cached in memory so the request path does not query the store."""

from __future__ import annotations

import time

from cairn.store import Store

NEGATIVE_TTL = 5.0
NEGATIVE_MAX = 10_000


class TokenCache:
    """Known keys are cached until `invalidate`; unknown ones are remembered for NEGATIVE_TTL
    seconds, so a key created by another process is accepted within that time. A store that
    cannot answer raises StoreUnavailable."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[str, int] = {}
        self._unknown: dict[str, float] = {}

    def account_id(self, token: str) -> int | None:
        account_id = self._known.get(token)
        if account_id is not None:
            return account_id
        now = time.monotonic()
        if self._unknown.get(token, 0.0) > now:
            return None
        with self._store.read() as queries:
            account = queries.account_by_public_key(token)
        if account is None:
            if len(self._unknown) >= NEGATIVE_MAX:
                self._unknown.clear()
            self._unknown[token] = now + NEGATIVE_TTL
            return None
        self._known[token] = account.id
        return account.id

    def invalidate(self) -> None:
        self._known.clear()
        self._unknown.clear()
