"""Cairn's Python SDK: Track & Identify and the legacy REST API over httpx.

Needs only httpx: it imports nothing of the server.

    from cairn.sdk import Batching, Client

    with Client(public_key="AbC123", base_url="http://127.0.0.1:8000",
                batching=Batching(max_batch=500, interval=1.0)) as cairn:
        cairn.track("Placed Order", email="ann@example.com", properties={"$value": 42})
"""

from cairn.sdk.async_client import AsyncClient
from cairn.sdk.batching import BatchCounts, Batching, WhenFull
from cairn.sdk.client import Client
from cairn.sdk.errors import (
    ApiError,
    CairnError,
    ClientClosed,
    QueueFull,
    Refused,
    TransportFailed,
)
from cairn.sdk.models import (
    Event,
    Exclusion,
    ExportPoint,
    ExportSeries,
    ListInfo,
    Member,
    Metric,
    MetricExport,
    Page,
    Person,
    SendResult,
)
from cairn.sdk.payloads import Outgoing, TrackOptions, Who
from cairn.sdk.rest import ExportOptions
from cairn.sdk.retry import NO_RETRY, RetryPolicy

__all__ = [
    "NO_RETRY",
    "ApiError",
    "AsyncClient",
    "BatchCounts",
    "Batching",
    "CairnError",
    "Client",
    "ClientClosed",
    "Event",
    "Exclusion",
    "ExportOptions",
    "ExportPoint",
    "ExportSeries",
    "ListInfo",
    "Member",
    "Metric",
    "MetricExport",
    "Outgoing",
    "Page",
    "Person",
    "QueueFull",
    "Refused",
    "RetryPolicy",
    "SendResult",
    "TrackOptions",
    "TransportFailed",
    "WhenFull",
    "Who",
]
