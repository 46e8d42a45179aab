"""The operations endpoints (`/readyz`, `/metrics`) and their wiring into the app."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from cairn.ops.metrics import CairnCollector, pipeline_lag, registry_for
from cairn.ops.requests import ObserveRequests, RequestCounts
from cairn.store import Store

if TYPE_CHECKING:
    from cairn.ingest.views import IngestApp


@dataclass(frozen=True)
class Readiness:
    ready: bool
    status: str
    lag_seconds: float | None = None
    inbox_depth: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "lag_seconds": self.lag_seconds,
            "inbox_depth": self.inbox_depth,
        }


def check_readiness(store: Store, max_lag: float, now: float) -> Readiness:
    """Ready when the store answers and the pipeline's lag is at most `max_lag` seconds."""
    try:
        depth = store.inbox_depth()
        lag = pipeline_lag(store.inbox_oldest_pending(), now)
    except Exception:
        return Readiness(False, "store unreachable")
    if lag > max_lag:
        return Readiness(False, "pipeline lagging", round(lag, 3), depth)
    return Readiness(True, "ready", round(lag, 3), depth)


class Operations:
    def __init__(self, store: Store, *, ready_max_lag: float) -> None:
        self.store = store
        self.ready_max_lag = ready_max_lag
        self.requests = RequestCounts()
        self.ingest: IngestApp | None = None
        self.registry = registry_for(CairnCollector(store, self.requests, lambda: self.ingest))

    def routes(self) -> list[Route]:
        return [Route("/readyz", self.readyz), Route("/metrics", self.metrics)]

    def observe(self, app: ASGIApp, *, log_each: bool) -> ObserveRequests:
        return ObserveRequests(app, counts=self.requests, log_each=log_each)

    async def readyz(self, request: Request) -> JSONResponse:
        readiness = await run_in_threadpool(
            check_readiness, self.store, self.ready_max_lag, time.time()
        )
        return JSONResponse(readiness.as_dict(), status_code=200 if readiness.ready else 503)

    async def metrics(self, request: Request) -> Response:
        body = await run_in_threadpool(generate_latest, self.registry)
        return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)
