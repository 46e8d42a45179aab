"""Sign in with a private key or an account password; sign out."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cairn.dashboard.auth import (
    SignInRefused,
    sign_in_with_key,
    sign_in_with_password,
    start_session,
)
from cairn.dashboard.web import checked_form, dashboard_of, forbidden, render
from cairn.store.records import Account

HOME = "/charts"


def safe_next(target: object) -> str:
    """Only a path on this site: never another host (`//host`, `https://…`)."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//"):
        return target
    return HOME


async def signin(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "signin.html", next=safe_next(request.query_params.get("next")))
    form = await checked_form(request)
    if form is None:
        return forbidden(request)
    private_key = str(form.get("private_key", "")).strip()
    account_text = str(form.get("account", ""))
    password = str(form.get("password", ""))

    def check() -> tuple[Account, str]:
        with dashboard_of(request).store.read() as queries:
            if private_key:
                return sign_in_with_key(queries, private_key)
            return sign_in_with_password(queries, account_text, password)

    try:
        account, proof = await run_in_threadpool(check)
    except SignInRefused as refusal:
        return render(
            request,
            "signin.html",
            status_code=401,
            error=str(refusal),
            account=account_text,
            next=safe_next(form.get("next")),
        )
    start_session(request.session, account, proof)
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


async def signout(request: Request) -> Response:
    if await checked_form(request) is None:
        return forbidden(request)
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)
