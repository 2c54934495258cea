"""What a call costs, in USD: the deployment's own prices, else its provider's pricing source.

A provider whose ProviderSpec says ``price_table`` is priced from litellm's table: the JSON file
litellm ships in its wheel, read once at start without importing litellm (seconds) and without the
network (its remote price list is never fetched). If that file cannot be read while a deployment
needs it, the gateway refuses to start: silently pricing every call at 0 would let budgets never
trip. A model the table does not know costs 0, said once in the log at start.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from gateway.config.catalog import Deployment
from gateway.config.errors import ConfigError
from gateway.logs import LOG
from gateway.services.catalog import ModelCatalog, PublicModel
from providers.registry import spec_for

_TABLE_FILE = "model_prices_and_context_window_backup.json"


@dataclass(frozen=True, slots=True)
class Price:
    input: float = 0.0  # USD per prompt token
    output: float = 0.0  # USD per completion token
    cached_input: float | None = None

    def cost(self, prompt: int, completion: int, cached: int = 0) -> float:
        cached_rate = self.input if self.cached_input is None else self.cached_input
        return (prompt - cached) * self.input + cached * cached_rate + completion * self.output


FREE = Price()


class PriceTableMissing(ConfigError):
    """litellm's price table cannot be read, and a deployment is priced from it."""


def table_path() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / _TABLE_FILE


def load_litellm_table() -> dict[str, Price]:
    """The table, or {} when it cannot be read (PriceTable decides whether that matters)."""
    path = table_path()
    if path is None:
        return {}
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    table: dict[str, Price] = {}
    for name, entry in raw.items():
        if isinstance(entry, dict) and "input_cost_per_token" in entry:
            table[name] = Price(
                float(entry.get("input_cost_per_token") or 0.0),
                float(entry.get("output_cost_per_token") or 0.0),
                entry.get("cache_read_input_token_cost"),
            )
    return table


def _configured(deployment: Deployment) -> Price | None:
    pricing = deployment.pricing
    if pricing.input_cost_per_token is not None or pricing.output_cost_per_token is not None:
        return Price(pricing.input_cost_per_token or 0.0, pricing.output_cost_per_token or 0.0)
    return None


def _from_table(deployment: Deployment, table: dict[str, Price]) -> Price | None:
    name = deployment.model
    return table.get(name) or table.get(name.split("/", 1)[-1])


class PriceTable:
    """Prices per deployment id, resolved once at start; lookups on the request path are dict gets."""

    def __init__(self, catalog: ModelCatalog, table: dict[str, Price] | None = None) -> None:
        """``table``: litellm's, read from its wheel when not given (tests pass their own)."""
        self._by_deployment: dict[str, Price] = {}
        priced_by_table = []
        for model in catalog:
            for deployment in model.deployments:
                price = _configured(deployment.config)
                if price is None and spec_for(deployment.config).pricing == "price_table":
                    priced_by_table.append(deployment)
                self._by_deployment[deployment.id] = price or FREE  # config_only: 0 unless configured
        if not priced_by_table:
            return
        if table is None:
            table = load_litellm_table()
            if not table:
                raise PriceTableMissing(_missing_table_message([d.id for d in priced_by_table]))
        unknown = []
        for deployment in priced_by_table:
            price = _from_table(deployment.config, table)
            if price is None:
                unknown.append(f"{deployment.id} ({deployment.config.model})")
            self._by_deployment[deployment.id] = price or FREE
        if unknown:
            LOG.warning(  # named in the message too: this runs before the log's own format is set up
                "no price for these deployments' models in litellm's price table: their calls cost 0 in usage "
                "and budgets; set `pricing:` on them: %s",
                ", ".join(map(str, unknown)),
                extra={"fields": {"deployments": unknown}},
            )

    def price(self, deployment_id: str | None) -> Price:
        return self._by_deployment.get(deployment_id or "", FREE)

    def cost(self, deployment_id: str | None, prompt: int, completion: int, cached: int = 0) -> Decimal:
        return Decimal(repr(self.price(deployment_id).cost(prompt, completion, cached)))

    def estimate(self, model: PublicModel, prompt: int, completion: int) -> float:
        """The most the call could cost on any deployment of the pool (for budget reservations)."""
        prices = [self.price(d.id).cost(prompt, completion) for d in model.deployments]
        return max(prices, default=0.0)


def _missing_table_message(deployments: list[str]) -> str:
    where = table_path()
    found = f"expected at {where}" if where is not None else "litellm is not installed"
    return (
        f"litellm's price table cannot be read ({found}), and these deployments are priced from it: "
        f"{', '.join(deployments)}. Reinstall litellm (pip install -e '.[dev]'), or give each of them "
        "`pricing: {input_cost_per_token: ..., output_cost_per_token: ...}` in the config."
    )
