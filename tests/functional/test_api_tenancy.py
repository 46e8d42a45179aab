"""Two accounts × every REST route: one account's key never reads or changes the other's data."""

from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.api.ratelimit import Limit
from cairn.api.routes import rest_routes
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.api import Rest, metric_id, person_id, seed
from support.payloads import b64

T0 = 1_600_000_000


@dataclass
class Owned:
    """What one account holds, with markers that must never show up in the other's answers."""

    rest: Rest
    email: str
    list_name: str
    metric_name: str
    list_id: str = ""
    metric_id: str = ""
    person_id: str = ""
    segment_id: str = ""
    webhook_id: str = ""

    @property
    def markers(self) -> list[str]:
        return [
            self.email,
            self.list_name,
            self.metric_name,
            self.list_id,
            self.metric_id,
            self.person_id,
            self.segment_id,
            self.webhook_id,
            f"{self.list_name}-segment",
            f"{self.list_name}.example",
        ]


def populate(client: TestClient, account: CreatedAccount, worker: Worker, tag: str) -> Owned:
    owned = Owned(Rest(client, account), f"{tag}-secret@x.com", f"{tag}-list", f"{tag}-metric")
    seed(client, account, worker, [(owned.metric_name, owned.email, T0, {"$value": 3})])
    rejected = {"token": account.public_key, "event": f"{tag}-rejected", "customer_properties": {}}
    client.get("/api/track", params={"data": b64(rejected)})
    worker.drain()
    rest = owned.rest
    owned.list_id = rest.v2("POST", "/api/v2/lists", {"list_name": owned.list_name}).json()[
        "list_id"
    ]
    rest.v2(
        "POST", f"/api/v2/list/{owned.list_id}/subscribe", {"profiles": [{"email": owned.email}]}
    )
    rest.v2(
        "POST",
        f"/api/v2/list/{owned.list_id}/members",
        {"profiles": [{"email": f"x-{owned.email}"}]},
    )
    rest.v2("DELETE", f"/api/v2/list/{owned.list_id}/subscribe", {"emails": [f"x-{owned.email}"]})
    rest.post("/api/v1/people/exclusions", email=f"x-{owned.email}")
    owned.metric_id = metric_id(rest, owned.metric_name)
    owned.person_id = person_id(rest, owned.email)
    owned.segment_id = rest.v2(
        "POST",
        "/api/v2/segments",
        {
            "segment_name": f"{owned.list_name}-segment",
            "definition": {"type": "list", "list_id": owned.list_id},
        },
    ).json()["segment_id"]
    owned.webhook_id = rest.v2(
        "POST",
        "/api/v2/webhooks",
        {"url": f"https://{owned.list_name}.example/hook", "segment_id": owned.segment_id},
    ).json()["webhook_id"]
    return owned


def attempts(victim: Owned) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, JSON body) for every route, aimed at the victim's objects."""
    emails = {"emails": [victim.email]}
    profiles = {"profiles": [{"email": victim.email, "Hijacked": True}]}
    return [
        ("GET", "/api/v1/metrics", {}),
        ("GET", "/api/v1/metrics/timeline", {}),
        ("GET", "/api/v1/metric/{metric_id}/timeline", {}),
        ("GET", "/api/v1/metric/{metric_id}/export", {}),
        ("GET", "/api/v1/person/{person_id}", {}),
        ("PUT", "/api/v1/person/{person_id}", {"Hijacked": True}),
        ("GET", "/api/v1/person/{person_id}/metrics/timeline", {}),
        ("GET", "/api/v1/person/{person_id}/metric/{metric_id}/timeline", {}),
        ("GET", "/api/v1/people/exclusions", {}),
        ("POST", "/api/v1/people/exclusions", {"email": victim.email}),
        ("GET", "/api/v1/lists", {}),
        ("GET", "/api/v1/list/{list_id}/exclusions", {}),
        ("GET", "/api/v1/segment/{segment_id}/members", {"email": victim.email}),
        ("GET", "/api/v1/segment/{segment_id}/members", {}),
        ("GET", "/api/v1/campaigns", {}),
        ("GET", "/api/v1/campaign/{campaign_id}", {}),
        ("GET", "/api/v1/campaign/{campaign_id}/recipients", {}),
        ("GET", "/api/v2/lists", {}),
        ("POST", "/api/v2/lists", {"list_name": "mine"}),
        ("GET", "/api/v2/list/{list_id}", {}),
        ("PUT", "/api/v2/list/{list_id}", {"list_name": "Hijacked"}),
        ("GET", "/api/v2/list/{list_id}/subscribe", emails),
        ("POST", "/api/v2/list/{list_id}/subscribe", profiles),
        ("GET", "/api/v2/list/{list_id}/members", emails),
        ("POST", "/api/v2/list/{list_id}/members", profiles),
        ("DELETE", "/api/v2/list/{list_id}/members", emails),
        ("DELETE", "/api/v2/list/{list_id}/subscribe", emails),
        ("GET", "/api/v2/list/{list_id}/exclusions/all", {}),
        ("GET", "/api/v2/group/{group_id}/members/all", {}),
        ("GET", "/api/v2/people/search", {"email": victim.email}),
        ("POST", "/api/v2/data-privacy/deletion-request", {"person_id": victim.person_id}),
        ("POST", "/api/v2/data-privacy/deletion-request", {"email": victim.email}),
        ("GET", "/api/v2/rejected", {}),
        ("GET", "/api/v2/segments", {}),
        (
            "POST",
            "/api/v2/segments",
            {"segment_name": "mine", "definition": {"type": "list", "list_id": victim.list_id}},
        ),
        ("GET", "/api/v2/segment/{segment_id}", {}),
        ("PUT", "/api/v2/segment/{segment_id}", {"segment_name": "Hijacked"}),
        ("GET", "/api/v2/webhooks", {}),
        (
            "POST",
            "/api/v2/webhooks",
            {"url": "https://a.example/h", "segment_id": victim.segment_id},
        ),
        ("GET", "/api/v2/webhook/{webhook_id}", {}),
        ("DELETE", "/api/v2/webhook/{webhook_id}", {}),
        ("DELETE", "/api/v2/segment/{segment_id}", {}),
        ("DELETE", "/api/v2/list/{list_id}", {}),
    ]


def aimed(template: str, victim: Owned) -> str:
    lst = victim.list_id
    return template.format(
        list_id=lst,
        segment_id=victim.segment_id,
        webhook_id=victim.webhook_id,
        group_id=lst,
        campaign_id=lst,
        metric_id=victim.metric_id,
        person_id=victim.person_id,
    )


def snapshot(owned: Owned) -> dict[str, Any]:
    rest = owned.rest
    lst = owned.list_id
    return {
        "person": rest.get(f"/api/v1/person/{owned.person_id}").json(),
        "list": rest.v2("GET", f"/api/v2/list/{lst}").json(),
        "members": rest.v2("GET", f"/api/v2/group/{lst}/members/all").json(),
        "exclusions": rest.v2("GET", f"/api/v2/list/{lst}/exclusions/all").json(),
        "global": rest.get("/api/v1/people/exclusions").json()["data"],
        "timeline": rest.get("/api/v1/metrics/timeline").json()["data"],
        "export": rest.get(
            f"/api/v1/metric/{owned.metric_id}/export",
            start_date="2020-09-13",
            end_date="2020-09-14",
        ).json()["results"],
        "rejected": rest.v2("GET", "/api/v2/rejected").json(),
        "segment": rest.v2("GET", f"/api/v2/segment/{owned.segment_id}").json(),
        "segment members": rest.v2("GET", f"/api/v2/group/{owned.segment_id}/members/all").json(),
        "webhook": rest.v2("GET", f"/api/v2/webhook/{owned.webhook_id}").json(),
    }


def test_the_matrix_covers_every_route(store: Store) -> None:
    covered = {(method, path) for method, path, _ in attempts(Owned(None, "", "", ""))}  # type: ignore[arg-type]
    routes = [r for r in rest_routes(store, Limit(0, 0)) if isinstance(r, Route)]
    served = {(m, r.path) for r in routes for m in r.methods or () if m != "HEAD"}
    assert served == covered


@pytest.mark.parametrize("direction", ["a-reads-b", "b-reads-a"])
def test_no_key_reaches_another_accounts_data(
    client: TestClient, store: Store, worker: Worker, direction: str
) -> None:
    first = populate(client, do_create_account(store, "A"), worker, "alpha")
    second = populate(client, do_create_account(store, "B"), worker, "beta")
    attacker, victim = (first, second) if direction == "a-reads-b" else (second, first)
    before = snapshot(victim)
    for method, template, body in attempts(victim):
        path = aimed(template, victim)
        response = attacker.rest.v2(method, path, body)
        assert response.status_code in (200, 404), (method, path, response.text)
        echoed = orjson.dumps(body).decode()  # what the attacker sent may come back
        leaked = [m for m in victim.markers if m in response.text and m not in echoed]
        assert not leaked, (method, path, leaked)
    assert snapshot(victim) == before
