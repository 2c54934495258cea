"""Which calls' invocation records keep their bodies: the catalog's models and the setting's names."""

from __future__ import annotations

import pytest

from gateway.config.errors import ConfigError
from gateway.observability.invocations.policy import BodyPolicy
from gateway.services.usage.record import UsageEvent


def _event(model: str | None = "m", key: str | None = "k", team: str | None = None) -> UsageEvent:
    return UsageEvent(
        id="r",
        request_id="r",
        ts=0.0,
        surface="openai",
        status=200,
        latency_ms=1.0,
        key_id=key,
        model=model,
        team_id=team,
    )


def test_bodies_are_kept_for_the_models_keys_and_teams_named() -> None:
    policy = BodyPolicy("key:k1, team:t1,model:named", models=["catalog-model"])
    assert policy.keeps_bodies(_event(model="catalog-model"))
    assert policy.keeps_bodies(_event(model="named"))
    assert policy.keeps_bodies(_event(key="k1"))
    assert policy.keeps_bodies(_event(team="t1"))
    assert not policy.keeps_bodies(_event(model="other", key="k2", team="t2"))
    assert not policy.keeps_bodies(_event(model=None, key=None))


def test_nothing_named_keeps_no_bodies_and_a_star_keeps_every_one() -> None:
    assert not BodyPolicy("").keeps_bodies(_event())
    assert BodyPolicy("*").keeps_bodies(_event(model=None, key=None))


@pytest.mark.parametrize("selectors", ["key", "user:u1", "model:", "k1"])
def test_a_name_that_is_not_model_key_or_team_is_refused_at_start(selectors: str) -> None:
    with pytest.raises(ConfigError, match="invocation_log_bodies"):
        BodyPolicy(selectors)
