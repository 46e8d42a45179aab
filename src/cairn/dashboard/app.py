"""The dashboard as one Starlette app, mounted at `/` by `cairn.app`."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from cairn.dashboard.auth import session_secret
from cairn.dashboard.charts import format_number
from cairn.dashboard.export import MetricExport, interim_export
from cairn.dashboard.properties import type_name
from cairn.dashboard.views.health import health_page
from cairn.dashboard.views.keys import create_key, keys_page, revoke_key
from cairn.dashboard.views.metrics import metric_chart, metric_list
from cairn.dashboard.views.profiles import profile_page, profile_search
from cairn.dashboard.views.signin import signin, signout
from cairn.dashboard.web import Dashboard, ServerTiming, page
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
    return RedirectResponse("/metrics", status_code=303)


def dashboard_app(store: Store, export: MetricExport = interim_export) -> Starlette:
    routes = [
        Route("/", home),
        Route("/signin", signin, methods=["GET", "POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/metrics", page(metric_list)),
        Route("/metrics/{metric_id:int}", page(metric_chart)),
        Route("/profiles", page(profile_search)),
        Route("/profiles/{profile_id:int}", page(profile_page)),
        Route("/keys", page(keys_page)),
        Route("/keys/create", page(create_key), methods=["POST"]),
        Route("/keys/revoke", page(revoke_key), methods=["POST"]),
        Route("/health", page(health_page)),
        Mount("/assets", StaticFiles(packages=[("cairn.dashboard", "static")]), name="assets"),
    ]
    middleware = [
        Middleware(ServerTiming),
        Middleware(
            SessionMiddleware,
            secret_key=session_secret(store),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_DAYS * 24 * 3600,
            same_site="lax",
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.dashboard = Dashboard(store, templates(), export)
    return app
