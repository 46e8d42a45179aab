"""Many Track & Identify requests in parallel, with every answer and when it came.

Senders are threads in a few processes, each thread with its own keep-alive connection, so the
load generator is not the bottleneck of a test on a small machine.
"""

from __future__ import annotations

import http.client
import math
import multiprocessing
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from support.payloads import b64


@dataclass(frozen=True)
class Request:
    path: str  # /api/track or /api/identify
    payload: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    request: Request
    status: int  # 0 when the connection itself failed
    body: str
    started: float  # time.monotonic(), the same clock in every process
    ended: float

    @property
    def accepted(self) -> bool:
        return self.status == 200 and self.body == "1"


def _send_in_order(
    base_url: str, requests: Sequence[Request], timeout: float, until: float
) -> list[Answer]:
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=timeout)
    answers = []
    for request in requests:
        if time.monotonic() > until:
            break
        target = f"{request.path}?{urlencode({'data': b64(request.payload)})}"
        started = time.monotonic()
        try:
            connection.request("GET", target)
            response = connection.getresponse()
            status, body = response.status, response.read().decode()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            status, body = 0, repr(error)
        answers.append(Answer(request, status, body, started, time.monotonic()))
    connection.close()
    return answers


def _send_with_threads(
    jobs: list[tuple[str, list[Request]]], timeout: float, until: float
) -> list[Answer]:
    results: list[list[Answer]] = [[] for _ in jobs]

    def run(index: int) -> None:
        results[index] = _send_in_order(*jobs[index], timeout, until)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [answer for answers in results for answer in answers]


def send_all(
    base_urls: Sequence[str],
    requests: Sequence[Request],
    concurrency: int = 32,
    processes: int = 2,
    timeout: float = 30.0,
    until: float = math.inf,
) -> list[Answer]:
    """Send every request once over `concurrency` connections spread over `base_urls`, or
    stop at `until` (a time.monotonic() value). Each connection sends its share in order;
    the shares run in parallel."""
    jobs = [
        (base_urls[n % len(base_urls)], list(requests[n::concurrency])) for n in range(concurrency)
    ]
    per_process = [jobs[n::processes] for n in range(processes)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = [pool.submit(_send_with_threads, share, timeout, until) for share in per_process]
        return [answer for future in futures for answer in future.result()]
