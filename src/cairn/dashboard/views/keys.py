"""Keys: the public key and its snippet; private keys created (shown once) and revoked."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cairn.dashboard.actions import do_create_key, do_revoke_key
from cairn.dashboard.auth import Viewer
from cairn.dashboard.web import dashboard_of, render
from cairn.store.dashboard import DashboardQueries


def keys_page(request: Request, viewer: Viewer, created: str | None = None) -> Response:
    with dashboard_of(request).store.read() as queries:
        keys = DashboardQueries(queries).keys(viewer.account.id)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return render(request, "keys.html", viewer, keys=keys, created=created, origin=origin)


def create_key(request: Request, viewer: Viewer) -> Response:
    label = str(request.state.form.get("label", ""))
    try:
        private_key = do_create_key(dashboard_of(request).store, viewer.account.id, label)
    except ValueError as error:
        return render(request, "error.html", viewer, status_code=400, message=str(error))
    # Rendered, not redirected: the key appears in this one response and nowhere else.
    return keys_page(request, viewer, created=private_key)


def revoke_key(request: Request, viewer: Viewer) -> Response:
    key_hash = str(request.state.form.get("key", ""))
    do_revoke_key(dashboard_of(request).store, viewer.account.id, key_hash)
    return RedirectResponse("/keys", status_code=303)
