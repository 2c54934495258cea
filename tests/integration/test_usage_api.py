"""Usage accounting end to end: requests through a real gateway, records and roll-ups in the
database, read back through the usage API. On SQLite and on PostgreSQL (a scratch database)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import (
    ENVIRON,
    USER,
    assert_openai_error,
    catalog_yaml,
    closed_port_url,
    openai_deployment,
)
from tests.support import postgres
from tests.support.bedrock import sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread

INPUT_PRICE, OUTPUT_PRICE = 0.001, 0.002


def _catalog(api_base: str) -> str:
    priced = {"input_cost_per_token": INPUT_PRICE, "output_cost_per_token": OUTPUT_PRICE}
    return catalog_yaml(
        {
            "gpt-test": [openai_deployment(api_base, pricing=priced)],
            "gpt-drop": [openai_deployment(api_base, "drop-model")],
            "emb-test": [openai_deployment(api_base, "fake-embed", embeddings=True)],
            "gpt-down": [openai_deployment(closed_port_url())],
        },
        routing={"retries": {"attempts": 1}},
    )


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None  # the embedded default, migrated at start
        return

    with postgres.migrated_database("strata_usage_api") as url:
        yield url


@pytest.fixture(scope="module")
def gateway(
    database_url: str | None, upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("usage-gateway")
    settings: dict[str, Any] = {"usage_flush_interval_s": 0.05}
    if database_url:
        settings["database_url"] = database_url
    with gateway_in_thread(_catalog(upstream_server.url), folder, environ=ENVIRON, **settings) as running:
        yield running


@pytest.fixture(scope="module")
def traffic(gateway: RunningGateway, upstream_server: FakeUpstream) -> dict[str, Any]:
    """One of each kind of call, successful or not; returns what the test needs to check."""
    upstream_server.reset()
    upstream_server.set_behaviour("drop-model", drop_after_chunks=2, chunk_count=5)
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0, timeout=10)
    team = _post(gateway, "/admin/teams", {"name": "usage-team"})
    key = _post(gateway, "/admin/keys", {"name": "usage-key", "team_id": team["id"], "tags": ["billing:a"]})
    keyed = openai.OpenAI(base_url=gateway.openai_base, api_key=key["key"], max_retries=0, timeout=10)
    before = _written(gateway)
    first = client.chat.completions.with_raw_response.create(
        model="gpt-test", messages=USER, extra_headers={"x-request-id": "same-id"}
    )
    client.chat.completions.create(model="gpt-test", messages=USER, extra_headers={"x-request-id": "same-id"})
    list(client.chat.completions.create(model="gpt-test", messages=USER, stream=True))
    keyed.chat.completions.create(model="gpt-test", messages=USER, metadata={"project": "alpha"}, user="u-42")
    client.embeddings.create(model="emb-test", input=["a", "b"])
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="no-such-model", messages=USER)
    with pytest.raises(openai.APIError):
        client.chat.completions.create(model="gpt-down", messages=USER)
    with pytest.raises(openai.APIError):
        list(client.chat.completions.create(model="gpt-drop", messages=USER, stream=True))
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=gateway.openai_base, api_key="sk-wrong", max_retries=0).models.list()
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=gateway.openai_base, api_key="sk-wrong", max_retries=0).chat.completions.create(
            model="gpt-test", messages=USER
        )
    runtime = sigv4_client("bedrock-runtime", gateway)
    runtime.converse(
        modelId="gpt-test",
        messages=[{"role": "user", "content": [{"text": "Say hello."}]}],
        requestMetadata={"project": "usage-test"},
    )
    client.models.list()  # not a model call: no record
    calls = 9  # the wrong key's chat call was refused before anyone was known: no record
    _wait_written(gateway, before + calls)
    completion = first.parse()
    return {"calls": calls, "first": completion, "key": key, "team": team}


def _post(gateway: RunningGateway, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(gateway.base_url + path, json=body, headers=gateway.headers(), timeout=10)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _written(gateway: RunningGateway) -> int:
    body = httpx.get(f"{gateway.base_url}/health/ready", headers=gateway.headers(), timeout=5).json()
    written: int = body["usage"]["written"]
    return written


def _wait_written(gateway: RunningGateway, count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while _written(gateway) < count:
        health = httpx.get(f"{gateway.base_url}/health/ready", headers=gateway.headers(), timeout=5).json()["usage"]
        assert time.monotonic() < deadline, f"usage records not written: {health} < {count}"
        time.sleep(0.05)


def _get(gateway: RunningGateway, path: str, key: str | None = None, **params: Any) -> httpx.Response:
    return httpx.get(gateway.base_url + path, params=params, headers=gateway.headers(key), timeout=10)


def _records(gateway: RunningGateway, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = _get(gateway, "/admin/usage/records", **query)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["rows"]
        cursor = body["next_cursor"]
        if cursor is None:
            return rows


def test_one_record_per_model_call_successful_or_not(gateway: RunningGateway, traffic: dict[str, Any]) -> None:
    rows = _records(gateway, limit=3)  # pages of 3 through the cursor
    assert len(rows) == traffic["calls"]
    assert len({row["id"] for row in rows}) == len(rows)
    statuses = sorted(row["status"] for row in rows)
    assert statuses.count(200) == 7  # 2 same-id chats, a stream, a keyed chat, embeddings, the dropped stream, converse
    assert 404 in statuses and 401 not in statuses, "a call refused before authentication writes no record"
    assert sorted(r["surface"] for r in rows) == ["bedrock"] + ["openai"] * (traffic["calls"] - 1)
    converse = next(r for r in rows if r["surface"] == "bedrock")
    assert converse["request_metadata"] == {"project": "usage-test"} and converse["prompt_tokens"] > 0
    dropped = [r for r in rows if r["model"] == "gpt-drop"]
    assert len(dropped) == 1 and dropped[0]["stream"] and dropped[0]["error_type"]
    errors = _records(gateway, errors_only="true")
    assert len(errors) == 3  # unknown model, upstream down, the stream that broke


def test_a_reused_request_id_is_two_records(gateway: RunningGateway, traffic: dict[str, Any]) -> None:
    rows = _records(gateway, request_id="same-id")
    assert len(rows) == 2
    assert rows[0]["id"] != rows[1]["id"]


def test_record_fields_and_cost(gateway: RunningGateway, traffic: dict[str, Any]) -> None:
    completion = traffic["first"]
    rows = _records(gateway, request_id="same-id")
    row = rows[-1]
    usage = completion.usage
    assert row["prompt_tokens"] == usage.prompt_tokens and row["completion_tokens"] == usage.completion_tokens
    expected = usage.prompt_tokens * INPUT_PRICE + usage.completion_tokens * OUTPUT_PRICE
    assert row["cost_usd"] == pytest.approx(expected)
    assert row["key_id"] == "master" and row["deployment"] and row["provider"] == "openai"
    assert row["latency_ms"] > 0 and row["ttft_ms"] is not None and row["ttft_ms"] <= row["latency_ms"]
    keyed = _records(gateway, key_id=traffic["key"]["id"])
    assert len(keyed) == 1
    assert keyed[0]["team_id"] == traffic["team"]["id"] and keyed[0]["tags"] == ["billing:a"]
    assert keyed[0]["request_metadata"] == {"project": "alpha", "user": "u-42"}  # OpenAI's metadata and user


def test_totals_and_daily_series(gateway: RunningGateway, traffic: dict[str, Any]) -> None:
    total = _get(gateway, "/admin/usage/totals").json()["rows"][0]
    assert total["requests"] == traffic["calls"] and total["errors"] == 3
    assert total["latency_ms_p50"] is not None and total["latency_ms_p95"] >= total["latency_ms_p50"]
    by_model = {r["group"]: r for r in _get(gateway, "/admin/usage/totals", group_by="model").json()["rows"]}
    assert by_model["gpt-test"]["requests"] == 5 and by_model["gpt-test"]["errors"] == 0
    assert by_model["gpt-test"]["cost_usd"] > 0 and by_model["emb-test"]["cost_usd"] == 0
    assert by_model[None]["requests"] == 1  # no-such-model names no model of the catalog
    by_team = _get(gateway, "/admin/usage/totals", group_by="team", team_id=traffic["team"]["id"]).json()["rows"]
    assert [(r["group"], r["requests"]) for r in by_team] == [(traffic["team"]["id"], 1)]
    daily = _get(gateway, "/admin/usage/daily").json()["rows"]
    assert sum(r["requests"] for r in daily) == traffic["calls"]
    series = _get(gateway, "/admin/usage/daily", group_by="key").json()["rows"]
    assert {r["group"] for r in series} == {"master", traffic["key"]["id"]}  # every record has a known key


@pytest.mark.parametrize(
    ("path", "params", "param"),
    [
        ("/admin/usage/totals", {"start": "2026-13-01"}, "start"),
        ("/admin/usage/totals", {"end": "yesterday"}, "end"),
        ("/admin/usage/totals", {"group_by": "colour"}, "group_by"),
        ("/admin/usage/totals", {"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ("/admin/usage/totals", {"start": "1900-01-01", "end": "2026-01-01"}, "start"),
        ("/admin/usage/totals", {"limit": "0"}, "limit"),
        ("/admin/usage/daily", {"group_by": "day"}, "group_by"),
        ("/admin/usage/daily", {"groups": "-1"}, "groups"),
        ("/admin/usage/records", {"cursor": "not-a-cursor"}, "cursor"),
        ("/admin/usage/records", {"start": "later"}, "start"),
        ("/admin/usage/records", {"start": "2026-01-02", "end": "2026-01-01"}, "end"),
        ("/admin/usage/records", {"limit": "100000"}, "limit"),
    ],
)
def test_bad_input_is_a_clear_400(gateway: RunningGateway, path: str, params: dict[str, str], param: str) -> None:
    error = assert_openai_error(_get(gateway, path, **params), 400)
    assert error["param"] == param


def test_usage_api_is_admin_only(gateway: RunningGateway, traffic: dict[str, Any]) -> None:
    assert_openai_error(_get(gateway, "/admin/usage/totals", key=traffic["key"]["key"]), 403)
    response = httpx.get(f"{gateway.base_url}/admin/usage/records", timeout=5)
    assert_openai_error(response, 401)


def test_health_shows_the_usage_buffer(gateway: RunningGateway, traffic: dict[str, Any]) -> None:
    usage = httpx.get(f"{gateway.base_url}/health/ready", headers=gateway.headers(), timeout=5).json()["usage"]
    assert usage["buffered"] == 0 and usage["oldest_unwritten_age_s"] is None
    assert usage["dropped"] == 0 and usage["state"] == "ok" and usage["written"] >= traffic["calls"]


def test_records_take_days_with_both_ends_included(gateway: RunningGateway, traffic: dict[str, Any]) -> None:
    """As the other usage routes read days: ``end=<today>`` includes today."""
    days = sorted({row["ts"][:10] for row in _records(gateway)})  # today's (two days' across midnight)
    assert len(_records(gateway, start=days[0], end=days[-1])) == traffic["calls"]
    assert len(_records(gateway, end=days[-1])) == traffic["calls"]
    refused = _get(gateway, "/admin/usage/records", end="yesterday")
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "end"
