"""Helpers for dashboard tests over HTTP: the CSRF token of a page, signing in."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, **fields: str) -> None:
    """Sign in with `private_key=…` or `account=…, password=…`; asserts it worked."""
    token = csrf_of(client.get("/signin").text)
    response = client.post("/signin", data={"csrf": token, **fields}, follow_redirects=False)
    assert response.status_code == 303, response.text
