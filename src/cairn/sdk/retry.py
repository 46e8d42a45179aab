"""When to retry a request and how long to wait first: pure functions, no I/O.

Exponential backoff with full jitter: attempt n waits a random time in
[0, min(cap, base * 2**(n-1))]. A `Retry-After` header (seconds or an HTTP date) is a floor.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# 429: not processed, always safe to repeat. 5xx: may have been processed, so only for
# requests whose repetition is harmless (Track with its `$event_id`, Identify, GET, PUT, DELETE).
RETRY_ANY = frozenset({429})
RETRY_IDEMPOTENT = frozenset({500, 502, 503, 504})


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait, from `Retry-After: 3` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` counts the first try: 5 means up to 4 retries."""

    attempts: int = 5
    base: float = 0.2
    cap: float = 10.0
    # Longest `Retry-After` honoured; a server asking for more makes the call fail instead.
    max_retry_after: float = 60.0
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """The jittered wait after failed attempt number `attempt` (1-based)."""
        return self.random() * min(self.cap, self.base * 2.0 ** (attempt - 1))

    def plan(
        self,
        attempt: int,
        *,
        status: int | None = None,
        retry_after: str | None = None,
        idempotent: bool = True,
        network_error: bool = False,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when the outcome is final.

        `status` is the answer's HTTP status (None when `network_error`)."""
        if attempt >= self.attempts:
            return None
        if network_error:
            return self.backoff(attempt) if idempotent else None
        if status in RETRY_ANY or (idempotent and status in RETRY_IDEMPOTENT):
            floor = parse_retry_after(retry_after)
            if floor is not None and floor > self.max_retry_after:
                return None
            return max(floor or 0.0, self.backoff(attempt))
        return None


NO_RETRY = RetryPolicy(attempts=1)
