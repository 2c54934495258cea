"""The response cache's errors cut what a caller sent short, as the chat 404 cuts an unknown
model's name: DELETE /admin/cache with a huge ``model`` (404) and a huge ``x-strata-cache``
header (400) answer with a short message that still starts with the value; a ``team`` longer
than any team id is a 400 before anything is cleared or audited."""

from __future__ import annotations

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import admin
from tests.integration.cache_helpers import cache_catalog, chat, upstream_calls
from tests.integration.conftest import StartGateway, assert_openai_error
from tests.support.gateway import RunningGateway

MESSAGE_LIMIT = 400  # characters: the sentence and a 256-character excerpt


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    return start_gateway(cache_catalog(upstream))


def test_clearing_an_unknown_model_s_cache_cuts_its_name_short_in_the_404(gateway: RunningGateway) -> None:
    response = admin(gateway, "DELETE", "/cache", params={"model": "m" * 5000})
    error = assert_openai_error(response, 404)
    assert len(error["message"]) < MESSAGE_LIMIT and "m" * 256 + "..." in error["message"]


def test_an_unknown_cache_directive_is_cut_short_in_the_400(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    response = chat(gateway, headers={"x-strata-cache": "x" * 10_000})
    error = assert_openai_error(response, 400)
    assert error["param"] == "x-strata-cache"
    assert len(error["message"]) < MESSAGE_LIMIT and "x" * 256 + "..." in error["message"]
    assert upstream_calls(upstream) == 0


def test_a_short_unknown_directive_is_named_whole(gateway: RunningGateway) -> None:
    error = assert_openai_error(chat(gateway, headers={"x-strata-cache": "no-caching"}), 400)
    assert "'no-caching'" in error["message"]


def test_a_team_longer_than_any_team_id_is_refused_before_anything_is_cleared(gateway: RunningGateway) -> None:
    chat(gateway)
    response = admin(gateway, "DELETE", "/cache", params={"team": "t" * 5000})
    error = assert_openai_error(response, 400)
    assert error["param"] == "team" and len(error["message"]) < MESSAGE_LIMIT
    assert chat(gateway).headers["x-strata-cache"] == "hit"
    audit = admin(gateway, "GET", "/audit").json()["rows"]
    assert not any(row["target_type"] == "cache" for row in audit)
