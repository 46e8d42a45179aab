"""A clock tests move by hand, for code that takes `clock: Callable[[], float]`."""

from __future__ import annotations

import time


class Clock:
    """Starts at the current whole second; set or advance `now` to move time."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now
