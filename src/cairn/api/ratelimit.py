"""Per-key token buckets: `burst` requests at once, refilled at `per_second`."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    burst: int
    per_second: float

    @property
    def enabled(self) -> bool:
        return self.burst > 0 and self.per_second > 0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: float  # seconds until one request is allowed again (0 when allowed)
    reset: float  # seconds until the bucket is full again

    def headers(self, limit: Limit) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(limit.burst),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(math.ceil(self.reset)),
        }


class TokenBuckets:
    """Thread-safe; at most `max_keys` buckets are remembered (full ones are dropped first)."""

    def __init__(
        self, limit: Limit, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, at)
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.limit.burst), now))
        return min(float(self.limit.burst), tokens + (now - at) * self.limit.per_second)

    def take(self, key: str) -> Decision:
        limit = self.limit
        with self._lock:
            now = self._clock()
            tokens = self._level(key, now)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            if len(self._buckets) >= self._max_keys and key not in self._buckets:
                self._forget_full(now)
            self._buckets[key] = (tokens, now)
        retry_after = 0.0 if allowed else (1.0 - tokens) / limit.per_second
        reset = (limit.burst - tokens) / limit.per_second
        return Decision(allowed, math.floor(tokens), retry_after, reset)

    def _forget_full(self, now: float) -> None:
        full = [k for k in self._buckets if self._level(k, now) >= self.limit.burst]
        for key in full or list(self._buckets)[: self._max_keys // 10]:
            del self._buckets[key]
