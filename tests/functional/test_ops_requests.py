"""Request counting by route template, under mounts too."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from cairn.ops.requests import ObserveRequests, RequestCounts


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hi", status_code=201 if request.path_params.get("n") else 200)


def test_requests_are_counted_by_template_and_status() -> None:
    inner = Starlette(routes=[Route("/item/{n}", hello)])
    app = Starlette(routes=[Route("/hello", hello), Mount("/api", app=inner)])
    counts = RequestCounts()
    with TestClient(ObserveRequests(app, counts=counts, log_each=False)) as client:
        client.get("/hello")
        client.get("/api/item/1")
        client.get("/api/item/2")
        client.get("/nowhere")
    assert counts.counts == {
        ("/hello", 200): 1,
        ("/api/item/{n}", 201): 2,
        ("unmatched", 404): 1,
    }
