"""What a call costs, in USD: the deployment's own prices, else litellm's price table, else 0.

The table is the JSON file litellm ships in its wheel, read once at start without importing
litellm (seconds) and without the network (its remote price list is never fetched).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from gateway.config.catalog import Deployment
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


def load_litellm_table() -> dict[str, Price]:
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        return {}
    path = Path(spec.origin).parent / _TABLE_FILE
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
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


def _price_for(deployment: Deployment, table: dict[str, Price]) -> Price:
    pricing = deployment.pricing
    if pricing.input_cost_per_token is not None or pricing.output_cost_per_token is not None:
        return Price(pricing.input_cost_per_token or 0.0, pricing.output_cost_per_token or 0.0)
    if spec_for(deployment).pricing == "config_only":
        return FREE  # local and demo models cost what their config says: 0 by default
    name = deployment.model
    return table.get(name) or table.get(name.split("/", 1)[-1]) or FREE


class PriceTable:
    """Prices per deployment id, resolved once at start; lookups on the request path are dict gets."""

    def __init__(self, catalog: ModelCatalog, table: dict[str, Price] | None = None) -> None:
        table = load_litellm_table() if table is None else table
        self._by_deployment = {d.id: _price_for(d.config, table) for m in catalog for d in m.deployments}

    def price(self, deployment_id: str | None) -> Price:
        return self._by_deployment.get(deployment_id or "", FREE)

    def cost(self, deployment_id: str | None, prompt: int, completion: int, cached: int = 0) -> Decimal:
        return Decimal(repr(self.price(deployment_id).cost(prompt, completion, cached)))

    def estimate(self, model: PublicModel, prompt: int, completion: int) -> float:
        """The most the call could cost on any deployment of the pool (for budget reservations)."""
        prices = [self.price(d.id).cost(prompt, completion) for d in model.deployments]
        return max(prices, default=0.0)
