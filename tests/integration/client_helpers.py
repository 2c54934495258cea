"""What the Strata client and CLI tests share: a gateway over the fake upstream with an echo model,
a guardrail declared in the config and models that apply it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, openai_deployment, standard_catalog
from tests.support.gateway import RunningGateway, gateway_in_thread

USER = [{"role": "user", "content": "Say hello."}]
GUARDRAIL = "no-foo"
BLOCKED = "No foo here."


def client_catalog(upstream: FakeUpstream) -> str:
    """The shared test catalog, plus ``echo`` (answers with the prompt), ``guarded`` (echo behind the
    no-foo guardrail) and ``guarded-emb`` (embeddings behind it)."""
    catalog: dict[str, Any] = yaml.safe_load(standard_catalog(upstream.url))
    catalog["models"]["echo"] = {"deployments": [{"provider": "echo"}]}
    catalog["models"]["guarded"] = {"deployments": [{"provider": "echo"}], "guardrails": [f"{GUARDRAIL}:1"]}
    catalog["models"]["guarded-emb"] = {
        "deployments": [openai_deployment(upstream.url, "fake-embed", embeddings=True)],
        "guardrails": [f"{GUARDRAIL}:1"],
    }
    catalog["guardrails"] = {
        GUARDRAIL: {
            "wordPolicyConfig": {"wordsConfig": [{"text": "foo"}]},
            "blockedInputMessaging": BLOCKED,
            "blockedOutputsMessaging": BLOCKED,
        }
    }
    return yaml.safe_dump(catalog)


@contextmanager
def client_gateway(upstream: FakeUpstream, folder: Path) -> Iterator[RunningGateway]:
    with gateway_in_thread(client_catalog(upstream), folder, environ=ENVIRON, usage_flush_interval_s=0.05) as gateway:
        yield gateway
