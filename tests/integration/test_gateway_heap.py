"""A serving gateway keeps what its startup built out of the garbage collector's full collections
(they would walk all of it again, a pause some request pays), and gives it back when it stops."""

from __future__ import annotations

import gc
from pathlib import Path

import httpx

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, standard_catalog
from tests.support.gateway import gateway_in_thread


def test_a_serving_gateway_exempts_its_startup_heap_from_collections_until_it_stops(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    gc.unfreeze()  # whatever an earlier test in this process left: this test sees only its gateway's
    with gateway_in_thread(standard_catalog(upstream.url), tmp_path, environ=ENVIRON) as gateway:
        frozen = gc.get_freeze_count()
        answer = httpx.post(
            f"{gateway.openai_base}/chat/completions",
            headers=gateway.headers(),
            json={"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert answer.status_code == 200, answer.text
    assert frozen > 10_000, f"only {frozen} objects frozen: startup's heap is still collected"
    assert gc.get_freeze_count() == 0, "a stopped gateway gives its objects back to the collector"
