"""Stored responses: each tenant sees only its own (a foreign id is a 404, exactly like a missing
one), a follow-up lands on another gateway process sharing the database and still continues the
conversation, old rows go after the retention period, and a response the database would not take
is still answered, marked ``store: false``."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openai
import pytest

from gateway.db import migrate
from gateway.db.session import make_engine
from gateway.services.response_store import ResponseStore, StoredTurn
from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.admin_helpers import created
from tests.integration.conftest import MakeClient, StartGateway, catalog_yaml, openai_deployment
from tests.support import postgres
from tests.support.gateway import RunningGateway


def _catalog(upstream: FakeUpstream) -> str:
    return catalog_yaml({"gpt-test": [openai_deployment(upstream.url)]})


def _key(gateway: RunningGateway, name: str, team: str | None = None) -> str:
    body: dict[str, Any] = {"name": name, **({"team_id": team} if team else {})}
    return str(created(gateway, "/keys", body)["key"])


def _missing(call: Any) -> str:
    """The 404's message, for an operation that must not find the response."""
    with pytest.raises(openai.NotFoundError) as caught:
        call()
    return str(caught.value.body["message"])  # type: ignore[index]


def test_a_tenant_never_reads_continues_or_deletes_another_tenants_response(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    gateway = start_gateway(_catalog(upstream))
    team_a, team_b = (created(gateway, "/teams", {"name": name})["id"] for name in ("team-a", "team-b"))
    alice = make_client(gateway, api_key=_key(gateway, "alice", team_a))
    colleague = make_client(gateway, api_key=_key(gateway, "colleague", team_a))
    mallory = make_client(gateway, api_key=_key(gateway, "mallory", team_b))
    loner = make_client(gateway, api_key=_key(gateway, "loner"))
    other_loner = make_client(gateway, api_key=_key(gateway, "other loner"))

    secret = alice.responses.create(model="gpt-test", input="Team A's secret plan.")
    unknown = "resp_" + "0" * 48
    for client in (mallory, loner):
        foreign = _missing(lambda c=client: c.responses.retrieve(secret.id))
        assert foreign == _missing(lambda c=client: c.responses.retrieve(unknown)).replace(unknown, secret.id)
        _missing(lambda c=client: c.responses.input_items.list(secret.id))
        _missing(lambda c=client: c.responses.delete(secret.id))
        _missing(lambda c=client: c.responses.create(model="gpt-test", input="and?", previous_response_id=secret.id))
    assert all("secret plan" not in str(r["body"]) for r in upstream.requests()[1:]), "nothing reached a model"

    assert colleague.responses.retrieve(secret.id).output_text == DEFAULT_CONTENT  # the team shares its responses
    colleague.responses.create(model="gpt-test", input="Go on.", previous_response_id=secret.id)

    own = loner.responses.create(model="gpt-test", input="Mine alone.")  # a key without a team: the key's own
    assert loner.responses.retrieve(own.id).id == own.id
    _missing(lambda: other_loner.responses.retrieve(own.id))
    _missing(lambda: alice.responses.delete(own.id))

    alice.responses.delete(secret.id)
    _missing(lambda: colleague.responses.retrieve(secret.id))


@pytest.fixture()
def shared_database() -> Iterator[str]:
    with postgres.migrated_database("strata_responses") as url:
        yield url


def test_a_follow_up_on_another_gateway_process_continues_the_conversation(
    shared_database: str, upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:  # the database first: it must outlive the gateways
    settings = {"database_url": shared_database, "secret_key": "a-secret-every-gateway-here-shares"}
    first, second = (start_gateway(_catalog(upstream), **settings) for _ in range(2))
    key = _key(first, "shared")

    asked = make_client(first, api_key=key).responses.create(model="gpt-test", input="Remember 42.")
    with make_client(second, api_key=key).responses.stream(
        model="gpt-test", input="What number?", previous_response_id=asked.id
    ) as stream:
        answered = stream.get_final_response()
    # ...and straight back to the first process, after a stream this time
    make_client(first, api_key=key).responses.create(model="gpt-test", input="Sure?", previous_response_id=answered.id)

    turns = [r["body"]["messages"] for r in upstream.requests()]
    assert turns[1] == [
        {"role": "user", "content": "Remember 42."},
        {"role": "assistant", "content": DEFAULT_CONTENT},
        {"role": "user", "content": "What number?"},
    ]
    assert turns[2][-3:] == [
        {"role": "user", "content": "What number?"},
        {"role": "assistant", "content": DEFAULT_CONTENT},
        {"role": "user", "content": "Sure?"},
    ]


def _turn(response_id: str, created_at: datetime) -> StoredTurn:
    response = {"id": response_id, "object": "response"}
    return StoredTurn(response_id, "key:k", int(created_at.timestamp()), response, [], [])


def test_the_retention_sweep_deletes_only_responses_past_the_period(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'strata.db'}"
    now = datetime.now(UTC)

    async def main() -> tuple[int, list[str | None]]:
        engine = make_engine(url)
        try:
            await migrate.upgrade(engine, url)
            store = ResponseStore(engine, retention_days=30)
            for name, age in (("resp_old", 31), ("resp_edge", 29.9), ("resp_new", 0)):
                assert await store.save(_turn(name, now - timedelta(days=age)), "test")
            removed = await store.delete_expired(now)
            found = [await store.response(name, "key:k") for name in ("resp_old", "resp_edge", "resp_new")]
            return removed, [f["id"] if f else None for f in found]
        finally:
            await engine.dispose()

    assert asyncio.run(main()) == (1, [None, "resp_edge", "resp_new"])


def test_a_gateway_sweeps_expired_responses_when_it_starts(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient, tmp_path: Path
) -> None:
    data_dir = tmp_path / "kept"
    gateway = start_gateway(_catalog(upstream), data_dir=data_dir, responses_retention_days=7)
    client = make_client(gateway)
    old, recent = (client.responses.create(model="gpt-test", input=text) for text in ("old", "recent"))
    with sqlite3.connect(data_dir / "strata.db") as db:  # as if it had been written eight days ago
        eight_days_ago = (datetime.now(UTC) - timedelta(days=8)).strftime("%Y-%m-%d %H:%M:%S.%f")
        db.execute("UPDATE responses SET created_at = ? WHERE id = ?", (eight_days_ago, old.id))

    restarted = make_client(start_gateway(_catalog(upstream), data_dir=data_dir, responses_retention_days=7))
    deadline = time.monotonic() + 10
    while True:
        with sqlite3.connect(data_dir / "strata.db") as db:
            ids = {row[0] for row in db.execute("SELECT id FROM responses")}
        if old.id not in ids or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert ids == {recent.id}
    _missing(lambda: restarted.responses.retrieve(old.id))
    assert restarted.responses.retrieve(recent.id).output_text == DEFAULT_CONTENT


def test_a_response_the_database_would_not_take_is_still_answered_marked_unstored(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient, tmp_path: Path
) -> None:
    data_dir = tmp_path / "broken"
    client = make_client(start_gateway(_catalog(upstream), data_dir=data_dir))
    with sqlite3.connect(data_dir / "strata.db") as db:
        db.execute("ALTER TABLE responses RENAME TO responses_gone")

    response = client.responses.create(model="gpt-test", input="Say hello.")
    assert response.output_text == DEFAULT_CONTENT
    assert response.model_extra is not None and response.model_extra["store"] is False
    with client.responses.stream(model="gpt-test", input="Say hello.") as stream:
        final = stream.get_final_response()
    assert final.output_text == DEFAULT_CONTENT and final.model_extra is not None
    assert final.model_extra["store"] is False
    with pytest.raises(openai.APIStatusError) as caught:  # reading them back fails loudly, never as "not found"
        client.responses.retrieve(response.id)
    assert caught.value.status_code == 503
