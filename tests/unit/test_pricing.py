"""Where a call's price comes from, and a gateway that refuses to start rather than price calls at 0
when litellm's price table (which its remote deployments are priced from) cannot be read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.app import create_app
from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from gateway.config.settings import Settings
from gateway.logs import LOG
from gateway.services import pricing
from gateway.services.catalog import ModelCatalog
from gateway.services.pricing import FREE, Price, PriceTable
from providers.base import ProviderResources
from providers.http import HttpClients

OPENAI = {"provider": "openai", "model": "gpt-4o-mini", "api_base": "http://127.0.0.1:9/v1"}
UNPRICED = {"provider": "openai", "model": "my-own-finetune", "api_base": "http://127.0.0.1:9/v1"}


def _catalog(**models: dict[str, Any]) -> ModelCatalog:
    text = yaml.safe_dump({"models": {name: {"deployments": [d]} for name, d in models.items()}})
    return ModelCatalog(parse_catalog(text, "t.yaml", environ={}), ProviderResources(HttpClients()), 0)


def test_a_remote_deployment_is_priced_from_litellms_table() -> None:
    table = PriceTable(_catalog(m=OPENAI))
    price = table.price("m/0")
    assert price.input > 0 and price.output > 0


def test_configured_prices_win_and_local_models_cost_what_their_config_says() -> None:
    table = PriceTable(
        _catalog(m={**OPENAI, "pricing": {"input_cost_per_token": 1.0}}, e={"provider": "echo"}), table={}
    )
    assert table.price("m/0") == Price(1.0, 0.0)
    assert table.price("e/0") == FREE


def test_a_model_the_table_does_not_know_costs_0_and_is_named_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    LOG.addHandler(caplog.handler)  # the gateway's logger does not propagate to the root one
    try:
        table = PriceTable(_catalog(m=UNPRICED), table={"gpt-4o-mini": Price(1.0, 2.0)})
    finally:
        LOG.removeHandler(caplog.handler)
    assert table.price("m/0") == FREE
    assert "m/0 (my-own-finetune)" in str([r.__dict__.get("fields") for r in caplog.records])


def test_an_unreadable_price_table_stops_the_gateway_from_starting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pricing, "table_path", lambda: tmp_path / "moved-away.json")
    catalog = parse_catalog(yaml.safe_dump({"models": {"m": {"deployments": [OPENAI]}}}), "t.yaml", environ={})
    with pytest.raises(ConfigError) as refused:
        create_app(Settings(data_dir=tmp_path / "data"), catalog, "sk-test-master-key-123")
    message = str(refused.value)
    assert "price table cannot be read" in message and "m/0" in message and "pricing:" in message


def test_without_a_table_only_deployments_that_need_it_matter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pricing, "table_path", lambda: tmp_path / "moved-away.json")
    PriceTable(_catalog(e={"provider": "echo"}, m={**OPENAI, "pricing": {"input_cost_per_token": 1.0}}))
