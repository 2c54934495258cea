"""DELETE /admin/cache?team= clears a team's cached answers only when the team is one the gateway
knows (or knew: a deleted team's answers stay cached until they expire, and may be cleared): a
team's name, a mistyped id or an empty value is refused, as an unknown model is, not answered
200 ``{"deleted": 0}`` while the answers the admin meant to drop are still served."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import admin, created
from tests.integration.cache_helpers import cache_catalog, chat
from tests.integration.conftest import StartGateway, assert_openai_error
from tests.support.gateway import RunningGateway


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    return start_gateway(cache_catalog(upstream))


def _team_with_an_answer(gateway: RunningGateway, name: str) -> tuple[dict[str, Any], str]:
    team = created(gateway, "/teams", {"name": name})
    key = created(gateway, "/keys", {"name": f"{name} key", "team_id": team["id"]})
    assert chat(gateway, str(key["key"])).headers["x-strata-cache"] == "miss"
    return team, str(key["id"])


def _cache_clears(gateway: RunningGateway) -> list[Any]:
    return [row for row in admin(gateway, "GET", "/audit").json()["rows"] if row["target_type"] == "cache"]


@pytest.mark.parametrize("given", ["alpha", "no-such-team"], ids=["the team's name", "a mistyped id"])
def test_clearing_a_team_the_gateway_never_had_is_a_404_and_clears_nothing(gateway: RunningGateway, given: str) -> None:
    _team_with_an_answer(gateway, "alpha")
    error = assert_openai_error(admin(gateway, "DELETE", "/cache", params={"team": given}), 404)
    assert repr(given) in error["message"]
    assert _cache_clears(gateway) == []


def test_clearing_with_an_empty_team_is_a_400_not_a_clear_of_nothing(gateway: RunningGateway) -> None:
    chat(gateway)
    error = assert_openai_error(admin(gateway, "DELETE", "/cache", params={"team": ""}), 400)
    assert error["param"] == "team"
    assert chat(gateway).headers["x-strata-cache"] == "hit"
    assert _cache_clears(gateway) == []


def test_a_team_s_answers_are_cleared_by_its_id_even_after_the_team_was_deleted(gateway: RunningGateway) -> None:
    alpha, alpha_key = _team_with_an_answer(gateway, "alpha")
    beta, _ = _team_with_an_answer(gateway, "beta")
    assert admin(gateway, "POST", f"/keys/{alpha_key}/revoke").status_code == 200
    assert admin(gateway, "DELETE", f"/teams/{alpha['id']}").status_code == 204
    cleared = admin(gateway, "DELETE", "/cache", params={"team": alpha["id"]})
    assert cleared.status_code == 200 and cleared.json()["deleted"] == 1
    assert admin(gateway, "DELETE", "/cache", params={"team": beta["id"]}).json()["deleted"] == 1
    assert len(_cache_clears(gateway)) == 2
