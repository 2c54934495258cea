"""Keys are deleted and moved between teams, and teams are deleted once their keys are revoked,
with what callers see at once; on SQLite and on PostgreSQL (the foreign key behaves alike)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import Store, admin, chat, created, start_on, stores
from tests.integration.conftest import StartGateway, assert_openai_error
from tests.support.gateway import RunningGateway


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from stores(request.param, tmp_path)


@pytest.fixture()
def gateway(store: Store, upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    return start_on(store, upstream, start_gateway, usage_flush_interval_s=0.05)


def _usage_of(gateway: RunningGateway, key_id: str, expected: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 10
    while True:
        response = admin(gateway, "GET", "/usage/records", params={"key_id": key_id})
        assert response.status_code == 200, response.text
        rows: list[dict[str, object]] = response.json()["rows"]
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_a_deleted_key_stops_working_at_once_and_its_usage_stays(gateway: RunningGateway) -> None:
    key = created(gateway, "/keys", {"name": "k"})
    assert chat(gateway, key["key"]).status_code == 200  # now cached
    assert len(_usage_of(gateway, key["id"], 1)) == 1
    response = admin(gateway, "DELETE", f"/keys/{key['id']}")
    assert response.status_code == 204, response.text
    assert_openai_error(chat(gateway, key["key"]), 401)
    assert admin(gateway, "GET", f"/keys/{key['id']}").status_code == 404
    assert admin(gateway, "GET", "/keys", params={"include_revoked": "true"}).json() == []
    assert [r["key_id"] for r in _usage_of(gateway, key["id"], 1)] == [key["id"]]
    assert_openai_error(admin(gateway, "DELETE", f"/keys/{key['id']}"), 404)


def test_a_moved_key_gets_its_new_teams_limits_on_its_next_call(gateway: RunningGateway) -> None:
    roomy = created(gateway, "/teams", {"name": "roomy"})
    tight = created(gateway, "/teams", {"name": "tight", "limits": {"rpm": 1}})
    key = created(gateway, "/keys", {"name": "k", "team_id": roomy["id"]})
    assert [chat(gateway, key["key"]).status_code for _ in range(2)] == [200, 200]  # cached, in roomy
    moved = admin(gateway, "PATCH", f"/keys/{key['id']}", json={"team_id": tight["id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["team_id"] == tight["id"]
    assert chat(gateway, key["key"]).status_code == 200
    refused = chat(gateway, key["key"])
    assert_openai_error(refused, 429)
    assert refused.headers["retry-after"]
    listed = admin(gateway, "GET", "/keys", params={"team_id": tight["id"]}).json()
    assert [k["id"] for k in listed] == [key["id"]]
    assert admin(gateway, "GET", "/keys", params={"team_id": roomy["id"]}).json() == []


def test_a_key_that_leaves_its_team_leaves_its_limits_too(gateway: RunningGateway) -> None:
    tight = created(gateway, "/teams", {"name": "tight", "limits": {"rpm": 1}})
    key = created(gateway, "/keys", {"name": "k", "team_id": tight["id"]})
    assert [chat(gateway, key["key"]).status_code for _ in range(2)] == [200, 429]
    left = admin(gateway, "PATCH", f"/keys/{key['id']}", json={"team_id": None})
    assert left.status_code == 200, left.text
    assert left.json()["team_id"] is None
    assert [chat(gateway, key["key"]).status_code for _ in range(2)] == [200, 200]


def test_moving_a_key_to_an_unknown_team_is_a_400_naming_team_id(gateway: RunningGateway) -> None:
    team = created(gateway, "/teams", {"name": "t"})
    key = created(gateway, "/keys", {"name": "k", "team_id": team["id"]})
    error = assert_openai_error(admin(gateway, "PATCH", f"/keys/{key['id']}", json={"team_id": "team_nope"}), 400)
    assert error["param"] == "team_id" and "team_nope" in error["message"]
    assert admin(gateway, "GET", f"/keys/{key['id']}").json()["team_id"] == team["id"]


def test_a_team_with_active_keys_is_not_deleted_and_the_409_says_how_many_and_what_to_do(
    gateway: RunningGateway,
) -> None:
    team = created(gateway, "/teams", {"name": "t"})
    keys = [created(gateway, "/keys", {"name": f"k{i}", "team_id": team["id"]}) for i in range(3)]
    admin(gateway, "POST", f"/keys/{keys[0]['id']}/revoke").raise_for_status()
    error = assert_openai_error(admin(gateway, "DELETE", f"/teams/{team['id']}"), 409)
    assert "2 active keys" in error["message"] and "revoke" in error["message"]
    assert admin(gateway, "GET", f"/teams/{team['id']}").status_code == 200
    assert all(chat(gateway, k["key"]).status_code == 200 for k in keys[1:])


def test_a_team_whose_keys_are_all_revoked_is_deleted_and_its_revoked_keys_detached(gateway: RunningGateway) -> None:
    team = created(gateway, "/teams", {"name": "t"})
    keys = [created(gateway, "/keys", {"name": f"k{i}", "team_id": team["id"]}) for i in range(2)]
    for key in keys:
        admin(gateway, "POST", f"/keys/{key['id']}/revoke").raise_for_status()
    response = admin(gateway, "DELETE", f"/teams/{team['id']}")
    assert response.status_code == 204, response.text
    assert admin(gateway, "GET", f"/teams/{team['id']}").status_code == 404
    assert admin(gateway, "GET", "/teams").json() == []
    kept = admin(gateway, "GET", "/keys", params={"include_revoked": "true"}).json()
    assert sorted((k["id"], k["team_id"], k["revoked"]) for k in kept) == sorted((k["id"], None, True) for k in keys)
    assert created(gateway, "/teams", {"name": "t"})["name"] == "t"  # the name is free again
    assert_openai_error(admin(gateway, "DELETE", f"/teams/{team['id']}"), 404)


def test_a_deleted_team_can_have_had_keys_that_were_deleted(gateway: RunningGateway) -> None:
    team = created(gateway, "/teams", {"name": "t"})
    key = created(gateway, "/keys", {"name": "k", "team_id": team["id"]})
    assert admin(gateway, "DELETE", f"/keys/{key['id']}").status_code == 204
    assert admin(gateway, "DELETE", f"/teams/{team['id']}").status_code == 204


def test_deleting_needs_an_admin(gateway: RunningGateway) -> None:
    key = created(gateway, "/keys", {"name": "k"})
    response = httpx.delete(f"{gateway.base_url}/admin/keys/{key['id']}", headers=gateway.headers(key["key"]))
    assert_openai_error(response, 403)
    assert admin(gateway, "GET", f"/keys/{key['id']}").status_code == 200


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # about Redis, not storage
def test_with_redis_a_deleted_or_moved_key_changes_on_every_gateway_at_once(
    store: Store, upstream: FakeUpstream, start_gateway: StartGateway, redis_url: str
) -> None:
    first, second = (start_on(store, upstream, start_gateway, redis_url=redis_url, key_cache_ttl_s=300) for _ in "12")
    tight = created(first, "/teams", {"name": "tight", "limits": {"rpm": 1}})
    moved, deleted = created(first, "/keys", {"name": "moved"}), created(first, "/keys", {"name": "deleted"})
    assert [chat(second, k["key"]).status_code for k in (moved, deleted, moved)] == [200, 200, 200]  # cached
    admin(first, "PATCH", f"/keys/{moved['id']}", json={"team_id": tight["id"]}).raise_for_status()
    admin(first, "DELETE", f"/keys/{deleted['id']}").raise_for_status()
    deadline = time.monotonic() + 3
    while chat(second, deleted["key"]).status_code != 401:
        assert time.monotonic() < deadline, "the second gateway kept honouring a deleted key"
        time.sleep(0.05)
    assert [chat(second, moved["key"]).status_code for _ in range(2)] == [200, 429]


def test_a_call_to_a_model_the_key_may_not_use_is_recorded_under_that_model(gateway: RunningGateway) -> None:
    key = created(gateway, "/keys", {"name": "k", "allowed_models": ["gpt-a"]})
    assert_openai_error(chat(gateway, key["key"], model="gpt-b"), 404)
    assert_openai_error(chat(gateway, key["key"], model="no-such-model"), 404)
    rows = _usage_of(gateway, key["id"], 2)
    assert sorted((r["model"] or "", r["status"]) for r in rows) == [("", 404), ("gpt-b", 404)]
