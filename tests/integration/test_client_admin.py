"""Strata's Python client administering a real gateway: keys, teams, guardrails, deployments and
usage, sync and async; what each call changes is checked through the gateway's behaviour."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.client import (
    AsyncStrata,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    Strata,
)
from gateway.client import admin as admin_resources
from gateway.client.admin_types import Key, KeyCreated, Limits, Team, UsageRecord
from tests.fakes.upstream import FakeUpstream
from tests.integration.client_helpers import GUARDRAIL, USER, client_gateway
from tests.support.gateway import RunningGateway

WORDS = {"wordPolicyConfig": {"wordsConfig": [{"text": "forbidden"}]}}
MESSAGES = {"blockedInputMessaging": "Not that.", "blockedOutputsMessaging": "Not that."}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with client_gateway(upstream_server, tmp_path_factory.mktemp("client-admin")) as running:
        yield running


@pytest.fixture()
def strata(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[Strata]:
    with Strata(gateway.base_url, gateway.master_key, max_retries=0, timeout=10) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _as(gateway: RunningGateway, key: str) -> Strata:
    return Strata(gateway.base_url, key, max_retries=0, timeout=10)


# ---------------------------------------------------------------- keys


def test_a_created_key_works_once_and_is_shown_once(strata: Strata, gateway: RunningGateway) -> None:
    created = strata.admin.keys.create(
        name=unique("svc"),
        allowed_models=["gpt-test", "echo"],
        limits={"rpm": 100},
        model_limits={"echo": Limits(tpm=10_000)},
        guardrails=[GUARDRAIL],
        tags=["team:search"],
        expires_in_days=7,
    )
    assert isinstance(created, KeyCreated) and created.key.startswith("sk-")
    assert created.limits.rpm == 100 and created.model_limits["echo"].tpm == 10_000
    assert created.expires_at is not None and created.expires_at - datetime.now(UTC) > timedelta(days=6)
    with _as(gateway, created.key) as client:
        assert {m.id for m in client.models.list()} == {"gpt-test", "echo"}
        assert client.chat("gpt-test", USER).text
    shown = strata.admin.keys.get(created.id)
    assert isinstance(shown, Key) and not isinstance(shown, KeyCreated) and not hasattr(shown, "key")
    assert created.id in {k.id for k in strata.admin.keys.list()}


def test_update_changes_only_what_it_is_given(strata: Strata) -> None:
    key = strata.admin.keys.create(name=unique("upd"), limits={"rpm": 5}, tags=["a"])
    team = strata.admin.teams.create(unique("upd-team"))
    moved = strata.admin.keys.update(key.id, team_id=team.id, tags=["b"])
    assert moved.team_id == team.id and moved.tags == ["b"] and moved.limits.rpm == 5
    assert [k.id for k in strata.admin.keys.list(team_id=team.id)] == [key.id]
    unteamed = strata.admin.keys.update(key.id, team_id=None)  # None: null, "no team"
    assert unteamed.team_id is None and unteamed.tags == ["b"]


def test_a_revoked_key_is_refused_and_a_deleted_one_is_gone(strata: Strata, gateway: RunningGateway) -> None:
    key = strata.admin.keys.create(name=unique("gone"))
    revoked = strata.admin.keys.revoke(key.id)
    assert revoked.revoked
    assert key.id not in {k.id for k in strata.admin.keys.list()}
    assert key.id in {k.id for k in strata.admin.keys.list(include_revoked=True)}
    with _as(gateway, key.key) as client, pytest.raises(AuthenticationError):
        client.chat("gpt-test", USER)
    strata.admin.keys.delete(key.id)
    with pytest.raises(NotFoundError):
        strata.admin.keys.get(key.id)
    with pytest.raises(NotFoundError):
        strata.admin.keys.delete(key.id)


def test_bad_key_fields_are_refused_with_their_param(strata: Strata) -> None:
    with pytest.raises(BadRequestError) as caught:
        strata.admin.keys.create(name=unique("bad"), allowed_models=["no-such-model"])
    assert caught.value.param == "allowed_models"
    with pytest.raises(BadRequestError) as caught:
        strata.admin.keys.create(name=unique("bad"), limits={"rpm": 0})
    assert caught.value.param == "limits.rpm"


# ---------------------------------------------------------------- teams


def test_teams_lifecycle(strata: Strata, gateway: RunningGateway) -> None:
    name = unique("team")
    team = strata.admin.teams.create(name, limits={"rpm": 50}, tags=["org:x"], guardrails=[GUARDRAIL])
    assert isinstance(team, Team) and team.limits.rpm == 50 and team.guardrails == [GUARDRAIL]
    assert strata.admin.teams.get(team.id).name == name and team.id in {t.id for t in strata.admin.teams.list()}
    with pytest.raises(ConflictError) as taken:
        strata.admin.teams.create(name)
    assert taken.value.status == 409 and taken.value.param == "name"
    renamed = strata.admin.teams.update(team.id, name=name + "-b", limits=Limits(rpm=10, tpm=1000))
    assert renamed.name == name + "-b" and renamed.limits.tpm == 1000 and renamed.tags == ["org:x"]
    member = strata.admin.keys.create(name=unique("member"), team_id=team.id)
    with pytest.raises(ConflictError, match="active key"):
        strata.admin.teams.delete(team.id)
    strata.admin.keys.revoke(member.id)
    strata.admin.teams.delete(team.id)
    with pytest.raises(NotFoundError):
        strata.admin.teams.get(team.id)


# ---------------------------------------------------------------- guardrails


def test_guardrails_lifecycle_in_bedrock_shape(strata: Strata) -> None:
    name = unique("words")
    created = strata.admin.guardrails.create(name=name, description="no forbidden words", **MESSAGES, **WORDS)
    gid = created.guardrailId
    assert created.version == "DRAFT" and created.guardrailArn and created.guardrailArn.endswith(gid)
    shown = strata.admin.guardrails.get(gid)
    assert shown.name == name and shown.blockedInputMessaging == "Not that." and shown.status == "READY"
    assert [word["text"] for word in shown.wordPolicy["words"]] == ["forbidden"]
    assert strata.apply_guardrail(gid, "a forbidden word").blocked
    assert strata.admin.guardrails.create_version(gid, "first").version == "1"
    strata.admin.guardrails.update(
        gid, {"name": name, **MESSAGES, "wordPolicyConfig": {"wordsConfig": [{"text": "x"}]}}
    )
    assert not strata.apply_guardrail(gid, "a forbidden word").blocked, "the DRAFT changed"
    assert strata.apply_guardrail(gid, "a forbidden word", version="1").blocked, "version 1 did not"
    assert [g.version for g in strata.admin.guardrails.list(gid)] == ["DRAFT", "1"]
    strata.admin.guardrails.delete(gid, version="1")
    strata.admin.guardrails.delete(gid)
    with pytest.raises(NotFoundError):
        strata.admin.guardrails.get(gid)


def test_guardrail_listing_walks_every_page(strata: Strata, monkeypatch: pytest.MonkeyPatch) -> None:
    made = [strata.admin.guardrails.create(name=unique("page"), **MESSAGES, **WORDS).guardrailId for _ in range(3)]
    monkeypatch.setattr(admin_resources, "GUARDRAIL_PAGE", 2)
    listed = [g.id for g in strata.admin.guardrails.list()]
    assert GUARDRAIL in listed and set(made) <= set(listed) and len(listed) == len(set(listed))
    for gid in made:
        strata.admin.guardrails.delete(gid)


def test_a_bad_guardrail_definition_is_a_bad_request(strata: Strata) -> None:
    with pytest.raises(BadRequestError, match="blockedInputMessaging"):
        strata.admin.guardrails.create(name=unique("incomplete"))
    with pytest.raises(ConflictError):
        strata.admin.guardrails.delete(GUARDRAIL)  # declared in the config


# ---------------------------------------------------------------- deployments


def test_deployments_show_routing_state_and_reset(strata: Strata, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", status=429, retry_after=30, fail_times=1)
    with pytest.raises(Exception):  # noqa: B017 - the 429 itself is test_client_runtime's business
        strata.chat("gpt-test", USER)
    state = {d.deployment: d for m in strata.admin.deployments.list() for d in m.deployments}
    assert state["gpt-test/0"].state == "rate_limited" and (state["gpt-test/0"].cooling_for_s or 0) > 20
    assert strata.admin.deployments.reset("gpt-test/0") == ["gpt-test/0"]
    assert {d.deployment: d.state for m in strata.admin.deployments.state() for d in m.deployments}[
        "gpt-test/0"
    ] == "healthy"
    assert "echo/0" in strata.admin.deployments.reset()
    with pytest.raises(NotFoundError):
        strata.admin.deployments.reset("no-such/0")


# ---------------------------------------------------------------- usage


@pytest.fixture(scope="module")
def traffic(gateway: RunningGateway) -> dict[str, Any]:
    """Five calls by one fresh key (gpt-test 3, echo 2); waits until the ledger holds them."""
    with Strata(gateway.base_url, gateway.master_key) as admin:
        key = admin.admin.keys.create(name=unique("usage"))
        with _as(gateway, key.key) as client:
            for model in ("gpt-test", "gpt-test", "gpt-test", "echo", "echo"):
                client.chat(model, USER)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if len(list(admin.admin.usage.records(key_id=key.id))) == 5:
                break
            time.sleep(0.05)
    return {"key": key.id}


def test_usage_totals_by_model_and_overall(strata: Strata, traffic: dict[str, Any]) -> None:
    grouped = strata.admin.usage.totals("model", key_id=traffic["key"])
    by_model = {row.group: row.requests for row in grouped.rows}
    assert by_model == {"gpt-test": 3, "echo": 2} and grouped.group_by == "model"
    overall = strata.admin.usage.totals(key_id=traffic["key"], start=datetime.now(UTC).date())
    assert overall.rows[0].requests == 5 and overall.rows[0].total_tokens > 0
    assert overall.start == overall.end == datetime.now(UTC).date().isoformat()


def test_usage_daily_series(strata: Strata, traffic: dict[str, Any]) -> None:
    daily = strata.admin.usage.daily("model", key_id=traffic["key"])
    assert {(row.day, row.group) for row in daily.rows} == {(daily.end, "gpt-test"), (daily.end, "echo")}


def test_usage_records_page_through_every_record(strata: Strata, traffic: dict[str, Any]) -> None:
    records = list(strata.admin.usage.records(key_id=traffic["key"], page_size=2))
    assert len(records) == 5 and len({r.id for r in records}) == 5
    assert all(isinstance(r, UsageRecord) and r.key_id == traffic["key"] for r in records)
    assert [r.ts for r in records] == sorted((r.ts for r in records), reverse=True), "newest first"
    assert {r.model for r in strata.admin.usage.records(key_id=traffic["key"], model="echo")} == {"echo"}


def test_usage_results_become_dataframes(strata: Strata, traffic: dict[str, Any]) -> None:
    pandas = pytest.importorskip("pandas")  # a dev dependency; the client never installs it
    frame = strata.admin.usage.totals("model", key_id=traffic["key"]).to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert dict(zip(frame["group"], frame["requests"], strict=True)) == {"gpt-test": 3, "echo": 2}
    records = strata.admin.usage.records(key_id=traffic["key"], page_size=2).to_pandas()
    assert len(records) == 5 and set(records["model"]) == {"gpt-test", "echo"}
    assert len(strata.admin.usage.daily(key_id=traffic["key"]).to_pandas()) == 1


def test_to_pandas_without_pandas_says_how_to_get_it(
    strata: Strata, traffic: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        strata.admin.usage.totals(key_id=traffic["key"]).to_pandas()


def test_a_bad_usage_filter_is_a_bad_request(strata: Strata) -> None:
    with pytest.raises(BadRequestError) as caught:
        strata.admin.usage.totals("model", start="2025-02-10", end="2025-02-01")
    assert caught.value.param == "end"


# ---------------------------------------------------------------- async


def test_the_async_admin_does_the_same(gateway: RunningGateway, traffic: dict[str, Any]) -> None:
    async def calls() -> dict[str, Any]:
        async with AsyncStrata(gateway.base_url, gateway.master_key, max_retries=0) as client:
            team = await client.admin.teams.create(unique("async-team"))
            key = await client.admin.keys.create(unique("async-key"), team_id=team.id, limits={"tpm": 500})
            updated = await client.admin.keys.update(key.id, name="renamed")
            listed = [k.id for k in await client.admin.keys.list(team_id=team.id)]
            await client.admin.keys.revoke(key.id)
            await client.admin.keys.delete(key.id)
            await client.admin.teams.delete(team.id)
            gid = (await client.admin.guardrails.create(name=unique("async-g"), **MESSAGES, **WORDS)).guardrailId
            guardrail = await client.admin.guardrails.get(gid)
            await client.admin.guardrails.delete(gid)
            records = [r async for r in client.admin.usage.records(key_id=traffic["key"], page_size=2)]
            return {
                "listed": listed == [key.id],
                "updated": updated.name,
                "teams": team.id not in {t.id for t in await client.admin.teams.list()},
                "guardrail": guardrail.guardrailId == gid,
                "records": len(records),
                "listed_records": len(await client.admin.usage.records(key_id=traffic["key"]).to_list()),
                "totals": {
                    r.group: r.requests for r in (await client.admin.usage.totals("model", key_id=traffic["key"])).rows
                },
                "daily": len((await client.admin.usage.daily(key_id=traffic["key"])).rows),
                "deployments": len(await client.admin.deployments.list()) > 0,
                "reset": "echo/0" in await client.admin.deployments.reset(),
            }

    found = asyncio.run(calls())
    assert found == {
        "listed": True,
        "updated": "renamed",
        "teams": True,
        "guardrail": True,
        "records": 5,
        "listed_records": 5,
        "totals": {"gpt-test": 3, "echo": 2},
        "daily": 1,
        "deployments": True,
        "reset": True,
    }
