"""The dashboard's routes, served at `/` by `cairn.app`."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from cairn.dashboard.auth import session_secret
from cairn.dashboard.charts import format_number
from cairn.dashboard.export import MetricExport, rest_export
from cairn.dashboard.properties import type_name
from cairn.dashboard.views.health import health_page
from cairn.dashboard.views.keys import create_key, keys_page, revoke_key
from cairn.dashboard.views.lists import list_page, lists_page
from cairn.dashboard.views.metrics import metric_chart, metric_list
from cairn.dashboard.views.profiles import profile_page, profile_search
from cairn.dashboard.views.signin import signin, signout
from cairn.dashboard.web import Dashboard, Endpoint, ServerTiming, WithDashboard, page
from cairn.store import Store

SESSION_COOKIE = "cairn_session"
SESSION_DAYS = 14


def format_time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def pretty_json(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()


def templates() -> Jinja2Templates:
    environment = Environment(
        loader=PackageLoader("cairn.dashboard", "templates"),
        autoescape=select_autoescape(default=True),
    )
    environment.filters.update(
        time=format_time, number=format_number, pretty=pretty_json, type_name=type_name
    )
    environment.filters["json"] = lambda value: orjson.dumps(value).decode()
    return Jinja2Templates(env=environment)


async def home(request: Request) -> Response:
    return RedirectResponse("/charts", status_code=303)


def dashboard_routes(store: Store, export: MetricExport = rest_export) -> list[BaseRoute]:
    """The dashboard's routes, for the app's route list: each carries the session, timing and
    context middleware, so paths the dashboard does not serve stay the app's to answer."""
    middleware = [
        Middleware(ServerTiming),
        Middleware(
            SessionMiddleware,
            secret_key=session_secret(store),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_DAYS * 24 * 3600,
            same_site="lax",
        ),
        Middleware(WithDashboard, dashboard=Dashboard(store, templates(), export)),
    ]
    pages: list[tuple[str, Endpoint, list[str]]] = [
        ("/", home, ["GET"]),
        ("/signin", signin, ["GET", "POST"]),
        ("/signout", signout, ["POST"]),
        ("/charts", page(metric_list), ["GET"]),
        ("/charts/{metric_id:int}", page(metric_chart), ["GET"]),
        ("/profiles", page(profile_search), ["GET"]),
        ("/profiles/{profile_id:int}", page(profile_page), ["GET"]),
        ("/lists", page(lists_page), ["GET"]),
        ("/lists/{list_id:int}", page(list_page), ["GET"]),
        ("/keys", page(keys_page), ["GET"]),
        ("/keys/create", page(create_key), ["POST"]),
        ("/keys/revoke", page(revoke_key), ["POST"]),
        ("/health", page(health_page), ["GET"]),
    ]
    routes: list[BaseRoute] = [
        Route(path, endpoint, methods=methods, middleware=middleware)
        for path, endpoint, methods in pages
    ]
    static = StaticFiles(packages=[("cairn.dashboard", "static")])
    routes.append(Mount("/assets", app=static, middleware=middleware[:1], name="assets"))
    return routes
