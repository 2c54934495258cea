"""`null` in an admin body means one documented thing per field (the default, or a 400 naming the
field), and a listing never fails on one bad row, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import Store, admin, chat, created, start_on, stores
from tests.integration.conftest import StartGateway, assert_openai_error
from tests.support.gateway import RunningGateway

NO_LIMITS = {"rpm": None, "tpm": None, "max_concurrent": None, "budget_usd_day": None, "budget_usd_month": None}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from stores(request.param, tmp_path)


@pytest.fixture()
def gateway(store: Store, upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    return start_on(store, upstream, start_gateway)


def _listable(gateway: RunningGateway) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    teams = admin(gateway, "GET", "/teams")
    keys = admin(gateway, "GET", "/keys", params={"include_revoked": "true"})
    assert teams.status_code == 200, teams.text
    assert keys.status_code == 200, keys.text
    return teams.json(), keys.json()


def test_null_team_limits_and_tags_reset_them_and_the_store_stays_readable_after_a_restart(
    store: Store, gateway: RunningGateway, upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    team = created(gateway, "/teams", {"name": "search", "limits": {"rpm": 5}, "tags": ["a"]})
    response = admin(gateway, "PATCH", f"/teams/{team['id']}", json={"limits": None, "tags": None})
    assert response.status_code == 200, response.text
    assert response.json()["limits"] == NO_LIMITS and response.json()["tags"] == []
    teams, _ = _listable(gateway)
    assert [(t["limits"], t["tags"]) for t in teams] == [(NO_LIMITS, [])]
    restarted = start_on(store, upstream, start_gateway)
    assert _listable(restarted)[0] == teams


def test_null_key_fields_reset_them_and_the_key_keeps_working(gateway: RunningGateway) -> None:
    team = created(gateway, "/teams", {"name": "search"})
    key = created(
        gateway,
        "/keys",
        {
            "name": "k",
            "team_id": team["id"],
            "allowed_models": ["gpt-a"],
            "tags": ["t"],
            "limits": {"rpm": 100},
            "model_limits": {"gpt-a": {"tpm": 10_000}},
            "expires_in_days": 30,
        },
    )
    nulls = {f: None for f in ("team_id", "allowed_models", "guardrails", "tags", "limits", "model_limits")}
    response = admin(gateway, "PATCH", f"/keys/{key['id']}", json={**nulls, "expires_at": None})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["team_id"] is None and changed["allowed_models"] is None and changed["expires_at"] is None
    assert (changed["guardrails"], changed["tags"], changed["limits"], changed["model_limits"]) == (
        [],
        [],
        NO_LIMITS,
        {},
    )
    assert _listable(gateway)[1] == [changed]
    assert chat(gateway, key["key"], "gpt-b").status_code == 200  # every model again


def test_null_on_creation_means_the_same_as_leaving_the_field_out(gateway: RunningGateway) -> None:
    nulls = {f: None for f in ("team_id", "allowed_models", "guardrails", "tags", "limits", "model_limits")}
    key = created(gateway, "/keys", {"name": "k", **nulls, "expires_at": None, "expires_in_days": None})
    assert (key["limits"], key["model_limits"], key["tags"], key["guardrails"]) == (NO_LIMITS, {}, [], [])
    team = created(gateway, "/teams", {"name": "t", "limits": None, "tags": None})
    assert (team["limits"], team["tags"]) == (NO_LIMITS, [])
    assert chat(gateway, key["key"]).status_code == 200


@pytest.mark.parametrize(
    ("path", "field"),
    [("/teams", "name"), ("/keys", "name"), ("/keys", "is_admin")],
)
def test_null_for_a_field_that_has_no_default_is_a_400_naming_it(
    gateway: RunningGateway, path: str, field: str
) -> None:
    body = {"name": "x"} if path == "/teams" else {"name": "x", "is_admin": True}
    thing = created(gateway, path, body)
    error = assert_openai_error(admin(gateway, "PATCH", f"{path}/{thing['id']}", json={field: None}), 400)
    assert error["param"] == field and "null" in error["message"]
    error = assert_openai_error(admin(gateway, "POST", path, json={**body, field: None}), 400)
    assert error["param"] == field
    assert admin(gateway, "GET", f"{path}/{thing['id']}").json()[field] == thing[field]
    _listable(gateway)


def _bad_json(store: Store, literal: str) -> str:
    return f"'{literal}'" if store.kind == "sqlite" else f"'{literal}'::json"


@pytest.mark.parametrize("stored", ["null", "[1, 2]", '"text"', '{"rpm": -5, "colour": 1}'])
def test_a_row_with_null_or_malformed_json_still_lists_as_the_default(
    store: Store, gateway: RunningGateway, stored: str
) -> None:
    _lists_despite(store, gateway, stored)


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # PostgreSQL refuses such text in a json column
def test_a_row_with_text_that_is_not_json_at_all_still_lists_as_the_default(
    store: Store, gateway: RunningGateway
) -> None:
    _lists_despite(store, gateway, "not json")


def _lists_despite(store: Store, gateway: RunningGateway, stored: str) -> None:
    team = created(gateway, "/teams", {"name": "t", "limits": {"rpm": 5}, "tags": ["x"]})
    key = created(gateway, "/keys", {"name": "k", "team_id": team["id"], "limits": {"rpm": 5}, "tags": ["x"]})
    bad = _bad_json(store, stored)
    store.execute(f"UPDATE teams SET limits = {bad}, tags = {bad}")
    columns = ("limits", "model_limits", "tags", "guardrails", "allowed_models")
    store.execute(f"UPDATE api_keys SET {', '.join(f'{c} = {bad}' for c in columns)}")
    teams, keys = _listable(gateway)
    assert [(t["id"], t["limits"], t["tags"]) for t in teams] == [(team["id"], NO_LIMITS, [])]
    assert [(k["id"], k["limits"], k["model_limits"], k["tags"], k["guardrails"]) for k in keys] == [
        (key["id"], NO_LIMITS, {}, [], [])
    ]
    assert keys[0]["allowed_models"] is None  # unreadable: shown as its default, every model
    assert admin(gateway, "GET", f"/teams/{team['id']}").status_code == 200
    assert admin(gateway, "GET", f"/keys/{key['id']}").status_code == 200
    call = chat(gateway, key["key"])
    if stored == "null":  # a stored null reads as each field's default: no limits, every model
        assert call.status_code == 200, call.text
    else:  # garbled settings fail closed: the key is refused, never opened up to every model
        error = assert_openai_error(call, 401)
        assert "settings cannot be read" in error["message"]
