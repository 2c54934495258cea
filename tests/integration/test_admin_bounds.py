"""Numbers and times the admin API cannot keep (overflows, infinities, the past, the far future)
get a 400 naming the field instead of a 500, and the largest documented values work."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.config.errors import ConfigError
from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import admin, chat, created
from tests.integration.conftest import StartGateway, assert_openai_error, catalog_yaml, openai_deployment
from tests.support.gateway import RunningGateway

TOO_BIG_LIMITS = [
    ("rpm", 2**63),
    ("tpm", 2**63),
    ("max_concurrent", 2**64),
    ("rpm", 10**12 + 1),
    ("budget_usd_day", 1e300),
    ("budget_usd_month", 10**9 + 1),
]
NOT_FINITE = ["Infinity", "-Infinity", "NaN", "1e400"]


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.support.gateway import gateway_in_thread

    config = catalog_yaml({"gpt-a": [openai_deployment(upstream_server.url, "model-a")]})
    with gateway_in_thread(
        config, tmp_path_factory.mktemp("bounds"), environ={"FAKE_KEY": "sk-fake-upstream-key"}
    ) as g:
        yield g


def _raw(gateway: RunningGateway, method: str, path: str, body: str) -> Any:
    return admin(gateway, method, path, content=body.encode(), headers={"content-type": "application/json"})


def _refused(response: Any, param: str) -> None:
    error = assert_openai_error(response, 400)
    assert error["param"] == param, error


@pytest.mark.parametrize(("field", "value"), TOO_BIG_LIMITS)
def test_limits_past_the_documented_maximum_are_a_400_everywhere_they_are_set(
    gateway: RunningGateway, field: str, value: float
) -> None:
    limits = {field: value}
    _refused(admin(gateway, "POST", "/keys", json={"name": "k", "limits": limits}), f"limits.{field}")
    _refused(
        admin(gateway, "POST", "/keys", json={"name": "k", "model_limits": {"gpt-a": limits}}),
        f"model_limits.gpt-a.{field}",
    )
    _refused(admin(gateway, "POST", "/teams", json={"name": "t", "limits": limits}), f"limits.{field}")
    key, team = created(gateway, "/keys", {"name": "k"}), created(gateway, "/teams", {"name": f"t{field}{value}"})
    _refused(admin(gateway, "PATCH", f"/keys/{key['id']}", json={"limits": limits}), f"limits.{field}")
    _refused(admin(gateway, "PATCH", f"/teams/{team['id']}", json={"limits": limits}), f"limits.{field}")
    assert admin(gateway, "GET", "/keys").status_code == 200


@pytest.mark.parametrize("literal", NOT_FINITE)
@pytest.mark.parametrize("field", ["budget_usd_day", "budget_usd_month"])
def test_budgets_that_are_not_finite_are_a_400(gateway: RunningGateway, field: str, literal: str) -> None:
    body = f'{{"name": "k", "limits": {{"{field}": {literal}}}}}'
    _refused(_raw(gateway, "POST", "/keys", body), f"limits.{field}")


@pytest.mark.parametrize("value", ["1e300", "Infinity", "NaN", "36501", "0", "-1"])
def test_expiry_in_days_that_cannot_be_kept_is_a_400(gateway: RunningGateway, value: str) -> None:
    _refused(_raw(gateway, "POST", "/keys", f'{{"name": "k", "expires_in_days": {value}}}'), "expires_in_days")


@pytest.mark.parametrize(
    "moment",
    ["2001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"],
)
def test_an_expiry_in_the_past_or_the_far_future_is_a_400(gateway: RunningGateway, moment: str) -> None:
    _refused(admin(gateway, "POST", "/keys", json={"name": "k", "expires_at": moment}), "expires_at")
    key = created(gateway, "/keys", {"name": "k"})
    _refused(admin(gateway, "PATCH", f"/keys/{key['id']}", json={"expires_at": moment}), "expires_at")
    assert admin(gateway, "GET", f"/keys/{key['id']}").json()["expires_at"] is None


LARGEST = {"rpm": 10**12, "tpm": 10**12, "max_concurrent": 10**12, "budget_usd_day": 1e9, "budget_usd_month": 1e9}


def test_the_largest_documented_values_are_kept_and_the_key_works(gateway: RunningGateway) -> None:
    limits = LARGEST
    key = created(gateway, "/keys", {"name": "k", "limits": limits, "expires_in_days": 36500})
    assert key["limits"] == limits
    assert admin(gateway, "GET", f"/keys/{key['id']}").json()["limits"] == limits
    assert chat(gateway, key["key"]).status_code == 200
    team = created(gateway, "/teams", {"name": "biggest", "limits": limits})
    assert json.loads(json.dumps(team["limits"])) == limits


def test_the_largest_documented_limits_hold_in_redis_shared_quotas(
    redis_url: str, upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    config = catalog_yaml({"gpt-a": [openai_deployment(upstream.url, "model-a")]})
    shared = start_gateway(config, redis_url=redis_url)
    key = created(shared, "/keys", {"name": "k", "limits": LARGEST})
    replies = [chat(shared, key["key"]) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert replies[-1].headers["x-ratelimit-limit-requests"] == str(10**12)


def test_a_catalog_model_limit_past_the_maximum_is_refused_at_start(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    config = catalog_yaml({"gpt-a": [openai_deployment(upstream.url, "model-a")]})
    with pytest.raises(ConfigError, match=r"limits\.rpm: Input should be less than or equal to 1000000000000"):
        start_gateway(
            config.replace("models:\n  gpt-a:\n", "models:\n  gpt-a:\n    limits: {rpm: 10000000000000000000}\n")
        )
