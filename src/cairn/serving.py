"""The HTTP server stack, in one place so that benchmarks measure Cairn and the bare ceiling
on exactly the same server and flags."""

from __future__ import annotations

from starlette.types import ASGIApp


def run_http(
    app: ASGIApp | str, host: str, port: int, log_level: str = "warning", workers: int = 1
) -> None:
    """Serve `app` until SIGINT/SIGTERM: uvicorn on uvloop with the httptools parser. With
    `workers` > 1, `app` names a factory ("module:function") each process calls."""
    import uvicorn

    uvicorn.run(
        app,
        factory=isinstance(app, str),
        workers=workers,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level=log_level,
        log_config=None,  # keep the logging set up by the caller (Cairn's JSON lines)
        lifespan="on",
    )
