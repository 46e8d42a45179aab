"""When a failed delivery is tried again: exponential backoff, then give up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    first: float = 10.0
    factor: float = 2.0
    longest: float = 3600.0
    attempts: int = 15  # about six hours of retries with the defaults

    def delay(self, attempts_made: int) -> float | None:
        """Seconds to wait after `attempts_made` (≥ 1) failed attempts; None: give up."""
        if attempts_made >= self.attempts:
            return None
        return min(self.first * self.factor ** (attempts_made - 1), self.longest)
