"""Campaigns: Cairn sends no email, and says so."""

from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from support.api import Rest


def test_campaigns_are_an_honest_empty_list(client: TestClient, account: CreatedAccount) -> None:
    rest = Rest(client, account)
    page = rest.get("/api/v1/campaigns").json()
    assert (page["object"], page["total"], page["data"]) == ("$list", 0, [])
    for path in ("/api/v1/campaign/QPEisq0", "/api/v1/campaign/QPEisq0/recipients"):
        response = rest.get(path)
        assert response.status_code == 404
        assert "sends no email" in response.json()["message"]
