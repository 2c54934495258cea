"""The exact response cache, as a caller of the OpenAI surface sees it: hits, misses, the rules
for what is cached, the x-strata-cache headers, TTLs, tenants, usage records, quotas, metrics
and DELETE /admin/cache. The fake upstream counts its calls: a hit is one it never saw."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import admin, created
from tests.integration.cache_helpers import ASK, cache_catalog, chat, upstream_calls
from tests.integration.conftest import MakeClient, StartGateway
from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway

FAST_USAGE = {"usage_flush_interval_s": 0.05}


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    return start_gateway(cache_catalog(upstream), **FAST_USAGE)


def test_an_identical_request_is_answered_from_the_cache_without_calling_the_model(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    upstream.set_behaviour(content="Paris, first answer.")
    first = chat(gateway)
    upstream.set_behaviour(content="Something else entirely.")
    second = chat(gateway)
    assert first.status_code == second.status_code == 200, second.text
    assert first.headers["x-strata-cache"] == "miss" and second.headers["x-strata-cache"] == "hit"
    assert "age" in second.headers
    assert second.json()["choices"][0]["message"]["content"] == "Paris, first answer."
    assert second.json()["id"] != first.json()["id"]  # a fresh id per response
    assert second.json()["usage"] == first.json()["usage"]
    assert upstream_calls(upstream) == 1
    # An alias is the same public model: the same cache entry.
    assert chat(gateway, model="cached-alias").headers["x-strata-cache"] == "hit"


def test_a_different_parameter_or_message_is_a_miss(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    chat(gateway)
    assert chat(gateway, max_tokens=5).headers["x-strata-cache"] == "miss"
    assert chat(gateway, seed=7).headers["x-strata-cache"] == "miss"
    assert chat(gateway, messages=[{"role": "user", "content": "And of Spain?"}]).headers["x-strata-cache"] == "miss"
    assert chat(gateway, user="someone-else").headers["x-strata-cache"] == "hit"  # `user` changes no answer
    assert upstream_calls(upstream) == 4


def test_sampled_requests_are_not_cached_unless_the_model_says_so(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    strict = start_gateway(cache_catalog(upstream))
    unset = {"model": "cached", "messages": ASK}  # no temperature: the provider's default samples
    for _ in range(2):
        response = httpx.post(f"{strict.openai_base}/chat/completions", json=unset, headers=strict.headers())
        assert response.headers["x-strata-cache"] == "bypass"
    assert chat(strict, temperature=0.7).headers["x-strata-cache"] == "bypass"
    assert chat(strict, n=2).headers["x-strata-cache"] == "bypass"
    assert upstream_calls(upstream) == 4
    assert "x-strata-cache" not in chat(strict, model="plain").headers  # no cache configured: no header

    lenient = start_gateway(cache_catalog(upstream, temperature=True))
    chat(lenient, temperature=0.7)
    assert chat(lenient, temperature=0.7).headers["x-strata-cache"] == "hit"


def test_tool_calls_are_cached_answers(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    upstream.set_behaviour(tool_call={"name": "get_weather", "arguments": '{"city": "Paris"}'})
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    first = chat(gateway, tools=tools)
    second = chat(gateway, tools=tools)
    assert second.headers["x-strata-cache"] == "hit"
    assert second.json()["choices"][0]["message"]["tool_calls"] == first.json()["choices"][0]["message"]["tool_calls"]
    assert second.json()["choices"][0]["finish_reason"] == "tool_calls"


def test_cache_headers_control_reading_and_storing(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    assert chat(gateway, headers={"x-strata-cache": "no-store"}).headers["x-strata-cache"] == "miss"
    assert chat(gateway, headers={"x-strata-cache": "only-if-cached"}).status_code == 504  # nothing was stored
    assert chat(gateway).headers["x-strata-cache"] == "miss"  # stores
    assert chat(gateway, headers={"x-strata-cache": "no-store"}).headers["x-strata-cache"] == "hit"
    bypassed = chat(gateway, headers={"x-strata-cache": "no-cache"})
    assert bypassed.headers["x-strata-cache"] == "bypass"
    assert chat(gateway, headers={"x-strata-cache": "bypass"}).headers["x-strata-cache"] == "bypass"
    assert chat(gateway, headers={"x-strata-cache": "only-if-cached"}).headers["x-strata-cache"] == "hit"
    assert upstream_calls(upstream) == 4
    refused = chat(gateway, headers={"x-strata-cache": "sometimes"})
    assert refused.status_code == 400 and "x-strata-cache" in refused.json()["error"]["message"]


def test_only_if_cached_answers_504_in_the_callers_shape(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    import openai

    sent: list[httpx.Request] = []
    counting = httpx.Client(event_hooks={"request": [sent.append]})
    client = make_client(
        gateway, default_headers={"x-strata-cache": "only-if-cached"}, max_retries=2, http_client=counting
    )
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="cached", messages=ASK, temperature=0)  # type: ignore[arg-type]
    assert caught.value.status_code == 504
    assert len(sent) == 1, "the SDK did not retry: asking again cannot find an answer"
    assert "only-if-cached" in str(caught.value.message)
    assert upstream_calls(upstream) == 0


def test_an_entry_expires_after_its_ttl(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(cache_catalog(upstream, ttl_s=0.5))
    chat(gateway)
    assert chat(gateway).headers["x-strata-cache"] == "hit"
    time.sleep(0.7)
    assert chat(gateway).headers["x-strata-cache"] == "miss"
    assert upstream_calls(upstream) == 2


def _team_key(gateway: RunningGateway, team: str, **fields: Any) -> str:
    team_id = created(gateway, "/teams", {"name": team})["id"]
    return str(created(gateway, "/keys", {"name": f"{team} key", "team_id": team_id, **fields})["key"])


def test_one_teams_answer_is_never_served_to_another_team(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    alpha, beta = _team_key(gateway, "alpha"), _team_key(gateway, "beta")
    upstream.set_behaviour(content="alpha's answer")
    chat(gateway, alpha)
    upstream.set_behaviour(content="beta's answer")
    answer = chat(gateway, beta)
    assert answer.headers["x-strata-cache"] == "miss"
    assert answer.json()["choices"][0]["message"]["content"] == "beta's answer"
    assert chat(gateway, alpha).json()["choices"][0]["message"]["content"] == "alpha's answer"
    assert upstream_calls(upstream) == 2


def test_a_shared_cache_serves_every_team(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(cache_catalog(upstream, shared=True))
    chat(gateway, _team_key(gateway, "alpha"))
    assert chat(gateway, _team_key(gateway, "beta")).headers["x-strata-cache"] == "hit"


def _records(gateway: RunningGateway, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        rows = admin(gateway, "GET", "/usage/records").json()["rows"]
        if len(rows) >= count or time.monotonic() > deadline:
            return list(rows)
        time.sleep(0.05)


def test_a_hit_is_recorded_with_no_tokens_no_cost_and_what_it_saved(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    chat(gateway)
    chat(gateway)
    rows = sorted(_records(gateway, 2), key=lambda row: row["ts"])
    miss, hit = rows[-2], rows[-1]
    assert miss["cache"] is None and miss["prompt_tokens"] > 0 and miss["cost_usd"] > 0
    assert hit["cache"] == "hit" and hit["prompt_tokens"] == hit["completion_tokens"] == 0
    assert hit["cost_usd"] == 0 and hit["provider"] == "cache" and hit["deployment"] is None
    assert float(hit["saved_usd"]) == pytest.approx(miss["cost_usd"])


def test_a_hit_counts_as_a_request_but_takes_no_tokens(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    key = str(created(gateway, "/keys", {"name": "limited", "limits": {"rpm": 3, "tpm": 40}})["key"])
    assert chat(gateway, key).status_code == 200  # a miss: takes the call's tokens (under 40)
    assert chat(gateway, key).status_code == 200  # hits: requests only
    assert chat(gateway, key).status_code == 200
    assert chat(gateway, key).status_code == 429  # the fourth request of the minute


def test_quota_none_takes_nothing_from_limits(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(cache_catalog(upstream, quota="none"))
    key = str(created(gateway, "/keys", {"name": "limited", "limits": {"rpm": 2}})["key"])
    assert [chat(gateway, key).status_code for _ in range(4)] == [200, 200, 200, 200]


def test_admins_clear_the_cache_by_model_team_or_all(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    alpha, beta = _team_key(gateway, "alpha"), _team_key(gateway, "beta")
    for key in (alpha, beta, None):
        chat(gateway, key)
    user_key = str(created(gateway, "/keys", {"name": "not admin"})["key"])
    refused = httpx.delete(f"{gateway.base_url}/admin/cache", headers=gateway.headers(user_key))
    assert refused.status_code == 403
    assert admin(gateway, "DELETE", "/cache", params={"model": "nope"}).status_code == 404
    by_team = admin(gateway, "DELETE", "/cache", params={"team": _team_id(gateway, "alpha")})
    assert by_team.json()["deleted"] == 1
    assert chat(gateway, alpha).headers["x-strata-cache"] == "miss"
    assert chat(gateway, beta).headers["x-strata-cache"] == "hit"
    assert admin(gateway, "DELETE", "/cache", params={"model": "cached"}).json()["deleted"] == 3
    chat(gateway, beta)
    assert admin(gateway, "DELETE", "/cache").json()["deleted"] == 1
    audit = admin(gateway, "GET", "/audit").json()
    assert any(entry["action"] == "clear" and entry["target_type"] == "cache" for entry in audit["rows"])


def _team_id(gateway: RunningGateway, name: str) -> str:
    teams = admin(gateway, "GET", "/teams").json()
    rows = teams["teams"] if isinstance(teams, dict) else teams
    return str(next(team["id"] for team in rows if team["name"] == name))


def test_cache_results_and_savings_are_exposed_as_metrics(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    chat(gateway)
    chat(gateway)
    chat(gateway, headers={"x-strata-cache": "bypass"})
    text = httpx.get(f"{gateway.base_url}/metrics", headers=gateway.headers()).text
    assert 'strata_cache_requests_total{model="cached",result="hit"} 1.0' in text
    assert 'strata_cache_requests_total{model="cached",result="miss"} 1.0' in text
    assert 'strata_cache_requests_total{model="cached",result="bypass"} 1.0' in text
    assert 'strata_cache_saved_usd_total{model="cached"}' in text
    assert 'strata_cache_saved_tokens_total{model="cached"}' in text


def test_a_stream_is_replayed_chunk_for_chunk_with_its_usage(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(gateway)
    upstream.set_behaviour(content="one two three four five six", chunk_count=4)
    asked: dict[str, Any] = {"model": "cached", "messages": ASK, "temperature": 0, "stream": True}
    asked["stream_options"] = {"include_usage": True}
    first = list(client.chat.completions.create(**asked))
    raw = client.chat.completions.with_raw_response.create(**asked)
    assert raw.headers["x-strata-cache"] == "hit"
    second = list(raw.parse())
    assert upstream_calls(upstream) == 1
    assert len(second) == len(first)
    assert [c.choices[0].delta.content if c.choices else None for c in second] == [
        c.choices[0].delta.content if c.choices else None for c in first
    ]
    assert second[-1].usage is not None and second[-1].usage == first[-1].usage
    assert len({c.id for c in second}) == 1 and second[0].id != first[0].id
    # Without include_usage the replay carries no usage chunk, as a stream from the model would not.
    plain = list(client.chat.completions.create(model="cached", messages=ASK, temperature=0, stream=True))
    assert all(c.usage is None for c in plain) and "".join(c.choices[0].delta.content or "" for c in plain if c.choices)
    # The stream's answer also serves a non-stream request.
    whole = client.chat.completions.create(model="cached", messages=ASK, temperature=0)
    assert whole.choices[0].message.content == "one two three four five six"
    assert upstream_calls(upstream) == 1


def test_a_completion_serves_a_later_stream(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(gateway)
    whole = client.chat.completions.create(model="cached", messages=ASK, temperature=0)
    chunks = list(
        client.chat.completions.create(
            model="cached", messages=ASK, temperature=0, stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[-1].usage == whole.usage
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert upstream_calls(upstream) == 1


def test_a_cut_stream_is_not_cached(upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient) -> None:
    import openai

    client = make_client(gateway)
    upstream.set_behaviour(chunk_count=6, drop_after_chunks=2)
    with pytest.raises(openai.APIError):
        list(client.chat.completions.create(model="cached", messages=ASK, temperature=0, stream=True))
    upstream.set_behaviour()
    assert chat(gateway).headers["x-strata-cache"] == "miss"


def test_editing_a_draft_guardrail_stops_its_old_answers_being_served(
    upstream: FakeUpstream, gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    ops = created(gateway, "/keys", {"name": "ops", "is_admin": True})
    isolate_aws_environment(monkeypatch)
    control = sigv4_client("bedrock", gateway, key_id=ops["id"], secret=ops["key"])
    messages = {"blockedInputMessaging": "No.", "blockedOutputsMessaging": "Withheld."}
    gid = control.create_guardrail(name="cache-draft", wordPolicyConfig=_words("nightingale"), **messages)[
        "guardrailId"
    ]
    guarded = {"x-strata-guardrail": gid}
    upstream.set_behaviour(content="Paris, the capital.")
    assert chat(gateway, headers=guarded).headers["x-strata-cache"] == "miss"
    assert chat(gateway, headers=guarded).headers["x-strata-cache"] == "hit"

    control.update_guardrail(guardrailIdentifier=gid, name="cache-draft", wordPolicyConfig=_words("paris"), **messages)
    after = chat(gateway, headers=guarded)
    assert after.headers["x-strata-cache"] == "miss", "the DRAFT changed: its old answer is not its answer"
    assert after.json()["choices"][0]["message"]["content"] == "Withheld."
    assert upstream_calls(upstream) == 2


def _words(word: str) -> dict[str, Any]:
    return {"wordsConfig": [{"text": word}]}
