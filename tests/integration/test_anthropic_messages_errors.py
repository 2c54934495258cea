"""The Anthropic Messages API (/v1/messages), driven by the unmodified ``anthropic`` SDK against a real
gateway over the fake OpenAI-compatible upstream: each error class in Anthropic's shape (a bad body, a
wrong key, a permission only admins have, an unknown model or path, a quota, an upstream failing or
unreachable)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import anthropic
import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.anthropic_helpers import HELLO, anthropic_gateway
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from anthropic_gateway(upstream_server, tmp_path_factory.mktemp("anthropic"))


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[anthropic.Anthropic]:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0, timeout=10) as c:
        yield c


# ---------------------------------------------------------------- errors


def test_a_bad_body_is_a_bad_request_error(client: anthropic.Anthropic, gateway: RunningGateway) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="claude-fake", max_tokens=10, messages=[])
    assert caught.value.type == "invalid_request_error"
    response = httpx.post(
        f"{gateway.base_url}/v1/messages",
        json={"model": "claude-fake", "messages": HELLO},
        headers={"x-api-key": gateway.master_key},
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "max_tokens: Field required."},
        "request_id": response.headers["x-request-id"],
    }


def test_a_wrong_key_is_an_authentication_error(gateway: RunningGateway) -> None:
    with anthropic.Anthropic(base_url=gateway.base_url, api_key="sk-wrong", max_retries=0) as stranger:
        with pytest.raises(anthropic.AuthenticationError) as caught:
            stranger.messages.create(model="claude-fake", max_tokens=10, messages=HELLO)
    assert caught.value.type == "authentication_error"


def test_a_key_may_not_do_what_only_admins_may(gateway: RunningGateway) -> None:
    created = httpx.post(
        f"{gateway.base_url}/admin/keys",
        json={"name": "plain", "allowed_models": ["claude-tools"]},
        headers=gateway.headers(),
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=key, max_retries=0) as plain:
        with pytest.raises(anthropic.PermissionDeniedError) as caught:
            plain.messages.create(
                model="claude-tools",
                max_tokens=10,
                messages=HELLO,
                extra_headers={"x-strata-routing-strategy": "least-busy"},
            )
        assert caught.value.type == "permission_error"
        # A model the key may not use looks like one that does not exist (as at OpenAI and Anthropic).
        with pytest.raises(anthropic.NotFoundError):
            plain.messages.create(model="claude-fake", max_tokens=10, messages=HELLO)


def test_an_unknown_model_is_a_not_found_error(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(model="claude-nonexistent", max_tokens=10, messages=HELLO)
    assert caught.value.type == "not_found_error"


def test_an_unknown_path_under_messages_answers_in_anthropics_shape(gateway: RunningGateway) -> None:
    response = httpx.get(f"{gateway.base_url}/v1/messages/batches", headers={"x-api-key": gateway.master_key})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found_error"
    wrong_method = httpx.get(f"{gateway.base_url}/v1/messages", headers={"x-api-key": gateway.master_key})
    assert wrong_method.status_code == 405 and wrong_method.json()["type"] == "error"


def test_over_a_quota_is_a_rate_limit_error(client: anthropic.Anthropic) -> None:
    left = 60.0 - time.time() % 60.0
    if left < 5:
        time.sleep(left + 0.05)  # both calls in one minute's window
    client.messages.create(model="claude-rpm", max_tokens=10, messages=HELLO)
    with pytest.raises(anthropic.RateLimitError) as caught:
        client.messages.create(model="claude-rpm", max_tokens=10, messages=HELLO)
    assert caught.value.type == "rate_limit_error"
    assert int(caught.value.response.headers["retry-after"]) >= 1


def test_an_upstream_failure_is_an_internal_server_error(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("failing-up", status=500)
    with pytest.raises(anthropic.InternalServerError) as caught:
        client.messages.create(model="claude-failing", max_tokens=10, messages=HELLO)
    assert caught.value.status_code >= 500 and caught.value.type == "api_error"


def test_an_unreachable_upstream_is_an_overloaded_error(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.OverloadedError) as caught:
        client.messages.create(model="claude-down", max_tokens=10, messages=HELLO)
    assert caught.value.status_code == 529 and caught.value.type == "overloaded_error"
