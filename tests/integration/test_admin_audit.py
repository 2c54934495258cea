"""``GET /admin/audit``: every change made through the admin API is recorded with the admin key
that made it (``master`` for the master key), never a secret, newest first, filterable, paged."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import StartGateway, assert_openai_error, standard_catalog
from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway


def _admin(gateway: RunningGateway, method: str, path: str, key: str | None = None, **kwargs: object) -> httpx.Response:
    return httpx.request(method, f"{gateway.base_url}{path}", headers=gateway.headers(key), timeout=10, **kwargs)  # type: ignore[arg-type]


def test_each_change_is_recorded_with_the_admin_key_that_made_it(
    start_gateway: StartGateway, upstream: FakeUpstream
) -> None:
    gateway = start_gateway(standard_catalog(upstream.url))
    ops = _admin(gateway, "POST", "/admin/keys", json={"name": "ops", "is_admin": True}).json()
    team = _admin(gateway, "POST", "/admin/teams", json={"name": "alpha"}, key=ops["key"]).json()
    other = _admin(gateway, "POST", "/admin/teams", json={"name": "beta"}, key=ops["key"]).json()
    key = _admin(gateway, "POST", "/admin/keys", json={"name": "bot", "team_id": team["id"]}, key=ops["key"]).json()
    _admin(gateway, "PATCH", f"/admin/keys/{key['id']}", json={"team_id": other["id"]}, key=ops["key"])
    _admin(gateway, "PATCH", f"/admin/teams/{team['id']}", json={"limits": {"rpm": 5}}, key=ops["key"])
    _admin(gateway, "POST", f"/admin/keys/{key['id']}/revoke", key=ops["key"])
    _admin(gateway, "DELETE", f"/admin/keys/{key['id']}")
    _admin(gateway, "DELETE", f"/admin/teams/{team['id']}")
    _admin(gateway, "POST", "/admin/deployments/gpt-test/0/reset")

    response = _admin(gateway, "GET", "/admin/audit")
    assert response.status_code == 200, response.text
    entries = [(e["actor"], e["action"], e["target_type"], e["target_id"]) for e in reversed(response.json()["rows"])]
    assert entries == [
        ("master", "create", "key", ops["id"]),
        (ops["id"], "create", "team", team["id"]),
        (ops["id"], "create", "team", other["id"]),
        (ops["id"], "create", "key", key["id"]),
        (ops["id"], "update", "key", key["id"]),
        (ops["id"], "update", "team", team["id"]),
        (ops["id"], "revoke", "key", key["id"]),
        ("master", "delete", "key", key["id"]),
        ("master", "delete", "team", team["id"]),
        ("master", "reset", "deployment", "gpt-test/0"),
    ]
    moved = response.json()["rows"][-5]
    assert moved["details"] == {"team_id": other["id"]} and moved["via"] == "api"
    assert ops["key"] not in response.text and key["key"] not in response.text


def test_the_log_is_filtered_and_paged(start_gateway: StartGateway, upstream: FakeUpstream) -> None:
    gateway = start_gateway(standard_catalog(upstream.url))
    for name in ("a", "b", "c"):
        _admin(gateway, "POST", "/admin/teams", json={"name": name})
    _admin(gateway, "POST", "/admin/keys", json={"name": "k"})
    first = _admin(gateway, "GET", "/admin/audit", params={"target_type": "team", "limit": 2}).json()
    assert [e["details"]["name"] for e in first["rows"]] == ["c", "b"]
    rest = _admin(gateway, "GET", "/admin/audit", params={"target_type": "team", "cursor": first["next_cursor"]})
    assert [e["details"]["name"] for e in rest.json()["rows"]] == ["a"] and rest.json()["next_cursor"] is None
    keys = _admin(gateway, "GET", "/admin/audit", params={"action": "create", "target_type": "key"}).json()["rows"]
    assert len(keys) == 1


def test_only_admin_keys_read_the_log(start_gateway: StartGateway, upstream: FakeUpstream) -> None:
    gateway = start_gateway(standard_catalog(upstream.url))
    plain = _admin(gateway, "POST", "/admin/keys", json={"name": "plain"}).json()["key"]
    assert_openai_error(_admin(gateway, "GET", "/admin/audit", key=plain), 403)
    assert_openai_error(httpx.get(f"{gateway.base_url}/admin/audit"), 401)
    assert_openai_error(_admin(gateway, "GET", "/admin/audit", params={"limit": 0}), 400)


def test_guardrail_changes_through_boto3s_bedrock_client_are_recorded(
    start_gateway: StartGateway, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = start_gateway(standard_catalog(upstream.url))
    ops = _admin(gateway, "POST", "/admin/keys", json={"name": "ops", "is_admin": True}).json()
    isolate_aws_environment(monkeypatch)
    control = sigv4_client("bedrock", gateway, key_id=ops["id"], secret=ops["key"])
    words = {"wordPolicyConfig": {"wordsConfig": [{"text": "nightingale"}]}}
    messages = {"blockedInputMessaging": "No.", "blockedOutputsMessaging": "No."}
    gid = control.create_guardrail(name="audited", **messages, **words)["guardrailId"]
    control.update_guardrail(guardrailIdentifier=gid, name="audited-2", **messages, **words)
    control.create_guardrail_version(guardrailIdentifier=gid)
    control.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="1")
    control.delete_guardrail(guardrailIdentifier=gid)

    rows = _admin(gateway, "GET", "/admin/audit", params={"target_type": "guardrail"}).json()["rows"]
    assert [(e["actor"], e["via"], e["action"], e["target_id"], e["details"]) for e in reversed(rows)] == [
        (ops["id"], "api", "create", gid, {"name": "audited"}),
        (ops["id"], "api", "update", gid, {"name": "audited-2"}),
        (ops["id"], "api", "publish", gid, {"version": 1}),
        (ops["id"], "api", "delete", gid, {"version": "1"}),
        (ops["id"], "api", "delete", gid, None),
    ]


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/alerts"])
def test_a_page_cursor_the_api_did_not_issue_is_a_400_not_an_empty_page(
    start_gateway: StartGateway, upstream: FakeUpstream, path: str
) -> None:
    gateway = start_gateway(standard_catalog(upstream.url))
    for cursor in ("", "zzz", "!!!", "0" * 31):
        response = _admin(gateway, "GET", path, params={"cursor": cursor})
        assert_openai_error(response, 400)
        assert "cursor" in response.json()["error"]["message"]
