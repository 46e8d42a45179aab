"""Property-based: schemathesis generates requests from `/openapi.json` for every operation and
checks that no answer is a 5xx and every answer matches the document (status, content type,
headers, body schema)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.app import create_app
from cairn.config import Settings
from cairn.pipeline.worker import Worker
from cairn.store import open_store
from support.api import Rest, metric_id, person_id, seed

EXAMPLES_PER_OPERATION = 60
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[object, CreatedAccount, dict[str, str]]]:
    """An app (not yet started) over a store with data in it: a metric with events, people,
    a list with members; and the ids of those."""
    path: Path = tmp_path_factory.mktemp("schemathesis") / "cairn.db"
    store = open_store(f"sqlite:///{path}")
    store.migrate()
    account = do_create_account(store, "Fuzzed")
    settings = Settings(database_url="unused", api_rate_burst=0)
    # Schemathesis runs the lifespan of the app it is given; seeding runs another app's.
    with TestClient(create_app(store, settings)) as client:
        seed(
            client,
            account,
            Worker(store),
            [("Placed Order", f"p{i}@x.com", 1_600_000_000 + i, {"$value": i}) for i in range(5)],
        )
        rest = Rest(client, account)
        list_id = rest.v2("POST", "/api/v2/lists", {"list_name": "Fuzz"}).json()["list_id"]
        rest.v2("POST", f"/api/v2/list/{list_id}/members", {"profiles": [{"email": "p1@x.com"}]})
        real_ids = {
            "list_id": list_id,
            "group_id": list_id,
            "segment_id": list_id,
            "metric_id": metric_id(rest, "Placed Order"),
            "person_id": person_id(rest, "p1@x.com"),
        }
    yield create_app(store, settings), account, real_ids
    store.close()


def test_no_server_errors_and_answers_match_the_document(
    served: tuple[object, CreatedAccount, dict[str, str]],
) -> None:
    """Every operation in turn (schemathesis' pytest plugin is not used: it does not support
    this pytest), each with a bounded number of generated cases: valid requests with random
    or real ids, and invalid requests."""
    app, account, real_ids = served
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:
        names = {parameter.name for parameter in operation.path_parameters}
        cases = st.one_of(
            operation.as_strategy(),
            operation.as_strategy(
                path_parameters={n: real_ids[n] for n in names & real_ids.keys()}
            ),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"api-key": account.private_key}, checks=CHECKS)

        check()
