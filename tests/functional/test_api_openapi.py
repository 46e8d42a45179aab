"""The OpenAPI document: served, valid OpenAPI 3, and describing exactly the routes served."""

import re

from starlette.routing import Route
from starlette.testclient import TestClient

from cairn.api.ratelimit import Limit
from cairn.api.routes import rest_routes
from cairn.store import Store


def test_openapi_json_describes_every_route_and_nothing_else(
    client: TestClient, store: Store
) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    described = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    routes = [r for r in rest_routes(store, Limit(0, 0)) if isinstance(r, Route)]
    served = {(m, r.path) for r in routes for m in r.methods or () if m != "HEAD"}
    assert described == served


def test_every_operation_has_parameters_for_its_path_and_a_response_schema(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert in_path == names, (method, path)
            assert {"200", "400", "403", "404", "429"} <= operation["responses"].keys()


def test_the_docs_page_lists_the_routes(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/api/v1/metric/{metric_id}/export" in page.text
    assert "/openapi.json" in page.text
