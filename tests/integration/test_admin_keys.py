"""Teams and virtual keys through the admin API, and what callers see when they use the keys."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import redis

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import MakeClient, StartGateway, catalog_yaml, openai_deployment, require_service
from tests.support.gateway import RunningGateway

USER = [{"role": "user", "content": "Say hello."}]


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    return start_gateway(
        catalog_yaml(
            {
                "gpt-a": [openai_deployment(upstream.url, "model-a")],
                "gpt-b": [openai_deployment(upstream.url, "model-b")],
            }
        ),
        key_cache_ttl_s=30,
    )


def admin(gateway: RunningGateway, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{gateway.base_url}/admin{path}", headers=gateway.headers(), **kwargs)


def new_key(gateway: RunningGateway, **fields: Any) -> dict[str, Any]:
    response = admin(gateway, "POST", "/keys", json={"name": "test key", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_new_key_is_shown_once_and_works_with_the_openai_sdk(
    gateway: RunningGateway, make_client: MakeClient
) -> None:
    created = new_key(gateway)
    assert created["key"].startswith(f"sk-{created['id']}-")
    reply = make_client(gateway, api_key=created["key"]).chat.completions.create(model="gpt-a", messages=USER)  # type: ignore[arg-type]
    assert reply.choices[0].message.content
    listed = admin(gateway, "GET", "/keys").json()
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0] and "secret" not in str(listed[0]).lower()
    assert "key" not in admin(gateway, "GET", f"/keys/{created['id']}").json()


def test_a_revoked_key_is_refused_at_once_on_this_gateway(gateway: RunningGateway, make_client: MakeClient) -> None:
    created = new_key(gateway)
    client = make_client(gateway, api_key=created["key"])
    client.chat.completions.create(model="gpt-a", messages=USER)  # type: ignore[arg-type]  # now cached
    assert admin(gateway, "POST", f"/keys/{created['id']}/revoke").json()["revoked"] is True
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gpt-a", messages=USER)  # type: ignore[arg-type]
    assert "revoked" in caught.value.message


def test_an_expired_key_is_refused(gateway: RunningGateway, make_client: MakeClient) -> None:
    created = new_key(gateway, expires_in_days=0.00002)  # about two seconds
    client = make_client(gateway, api_key=created["key"])
    deadline = datetime.fromisoformat(created["expires_at"])
    while datetime.now(UTC) < deadline + timedelta(milliseconds=200):
        pass
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gpt-a", messages=USER)  # type: ignore[arg-type]
    assert "expired" in caught.value.message


def test_a_key_limited_to_some_models_cannot_call_others(gateway: RunningGateway, make_client: MakeClient) -> None:
    created = new_key(gateway, allowed_models=["gpt-a"])
    client = make_client(gateway, api_key=created["key"])
    assert client.chat.completions.create(model="gpt-a", messages=USER).choices  # type: ignore[arg-type]
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-b", messages=USER)  # type: ignore[arg-type]
    assert [m.id for m in client.models.list()] == ["gpt-a"]


def test_a_non_admin_key_cannot_use_the_admin_api(gateway: RunningGateway) -> None:
    created = new_key(gateway)
    response = httpx.get(f"{gateway.base_url}/admin/keys", headers={"Authorization": f"Bearer {created['key']}"})
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "permission_error"


def test_an_admin_key_can(gateway: RunningGateway) -> None:
    created = new_key(gateway, is_admin=True)
    response = httpx.get(f"{gateway.base_url}/admin/keys", headers={"Authorization": f"Bearer {created['key']}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"name": "k", "colour": "red"}, "colour"),
        ({"name": "k", "limits": {"rpm": -1}}, "limits.rpm"),
        ({"name": "k", "limits": {"budget_usd_day": -5}}, "limits.budget_usd_day"),
        ({"name": ""}, "name"),
        ({"name": "k", "allowed_models": ["no-such-model"]}, "allowed_models"),
        ({"name": "k", "team_id": "team_missing"}, "team_id"),
        ({"name": "k", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_bad_key_requests_get_a_clear_400(gateway: RunningGateway, body: dict[str, Any], param: str) -> None:
    response = admin(gateway, "POST", "/keys", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert param in (error["param"] or "") or param in error["message"]


def test_teams_can_be_created_listed_changed_and_deleted_once_their_keys_are_revoked(gateway: RunningGateway) -> None:
    team = admin(gateway, "POST", "/teams", json={"name": "search", "limits": {"rpm": 100}}).json()
    assert admin(gateway, "POST", "/teams", json={"name": "search"}).status_code == 409
    key = new_key(gateway, team_id=team["id"])
    assert key["team_id"] == team["id"]
    changed = admin(gateway, "PATCH", f"/teams/{team['id']}", json={"limits": {"rpm": 10}}).json()
    assert changed["limits"] == {
        "rpm": 10,
        "tpm": None,
        "max_concurrent": None,
        "budget_usd_day": None,
        "budget_usd_month": None,
    }
    assert admin(gateway, "DELETE", f"/teams/{team['id']}").status_code == 409
    admin(gateway, "POST", f"/keys/{key['id']}/revoke")
    assert admin(gateway, "GET", f"/teams/{team['id']}").status_code == 200
    assert [t["name"] for t in admin(gateway, "GET", "/teams").json()] == ["search"]
    assert admin(gateway, "DELETE", f"/teams/{team['id']}").status_code == 204  # its only key is revoked
    assert admin(gateway, "GET", "/teams").json() == []


def test_unknown_keys_and_teams_are_404(gateway: RunningGateway) -> None:
    assert admin(gateway, "GET", "/keys/strata_0000000000000000").status_code == 404
    assert admin(gateway, "POST", "/keys/strata_0000000000000000/revoke").status_code == 404
    assert admin(gateway, "PATCH", "/keys/strata_0000000000000000", json={"name": "x"}).status_code == 404
    assert admin(gateway, "DELETE", "/keys/strata_0000000000000000").status_code == 404
    assert admin(gateway, "DELETE", "/teams/team_nope").status_code == 404
    assert admin(gateway, "GET", "/teams/team_nope").status_code == 404


def test_a_wrong_key_of_the_right_shape_is_401(gateway: RunningGateway, make_client: MakeClient) -> None:
    created = new_key(gateway)
    forged = created["key"][:-4] + "AAAA"
    with pytest.raises(openai.AuthenticationError):
        make_client(gateway, api_key=forged).chat.completions.create(model="gpt-a", messages=USER)  # type: ignore[arg-type]


def test_keys_are_stored_sealed_never_in_the_clear(gateway: RunningGateway) -> None:
    created = new_key(gateway)
    stored = b"".join(p.read_bytes() for p in _database_files(gateway))
    assert created["key"].encode() not in stored
    assert created["id"].encode() in stored  # the visible prefix is stored, the secret is not


def _database_files(gateway: RunningGateway) -> list[Path]:
    folder = Path(gateway.data_dir)
    return [p for p in folder.iterdir() if p.name.startswith("strata.db")]


def test_with_redis_a_revocation_reaches_every_gateway_at_once(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient, tmp_path: Any
) -> None:
    try:
        redis.Redis(socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        require_service("Redis", False, str(exc))
    shared = {"data_dir": tmp_path / "shared", "redis_url": "redis://127.0.0.1:6379/14", "key_cache_ttl_s": 300}
    config = catalog_yaml({"gpt-a": [openai_deployment(upstream.url, "model-a")]})
    first, second = start_gateway(config, **shared), start_gateway(config, **shared)
    created = new_key(first)
    on_second = make_client(second, api_key=created["key"])
    on_second.chat.completions.create(model="gpt-a", messages=USER)  # type: ignore[arg-type]  # cached for 300 s
    admin(first, "POST", f"/keys/{created['id']}/revoke").raise_for_status()
    deadline = time.monotonic() + 3
    while True:
        try:
            on_second.chat.completions.create(model="gpt-a", messages=USER)  # type: ignore[arg-type]
        except openai.AuthenticationError:
            break
        assert time.monotonic() < deadline, "the second gateway kept honouring a revoked key"
        time.sleep(0.05)
