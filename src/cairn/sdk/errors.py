"""What the SDK raises."""

from __future__ import annotations


class CairnError(Exception):
    """Base of every error the SDK raises."""


class ApiError(CairnError):
    """The server answered with a status other than 200 (after any retries)."""

    def __init__(self, status: int, message: str, body: object = None) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.body = body


class TransportFailed(CairnError):
    """The server could not be reached (after any retries)."""


class Refused(CairnError):
    """Track or Identify answered `0`: the server will never accept this payload as it is."""


class QueueFull(CairnError):
    """The batching queue is full and its policy is `"raise"` (or `"block"` timed out)."""


class ClientClosed(CairnError):
    """The client was closed; nothing more can be queued."""
