"""STRATA_USAGE_RECORDS=false: model calls still answer and limits still count, but no ledger
record is written, and /health/ready says the ledger is off."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, USER, catalog_yaml, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("usage-off")
    catalog = catalog_yaml({"gpt-test": [openai_deployment(upstream_server.url)]})
    with gateway_in_thread(catalog, folder, environ=ENVIRON, usage_records=False, usage_flush_interval_s=0.05) as gw:
        yield gw


def test_calls_answer_and_no_usage_record_is_written(gateway: RunningGateway) -> None:
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0, timeout=10)
    reply = client.chat.completions.create(model="gpt-test", messages=USER)
    assert reply.choices[0].message.content
    list(client.chat.completions.create(model="gpt-test", messages=USER, stream=True))
    time.sleep(0.3)  # several flush intervals: a writer that was running would have written by now

    health = httpx.get(f"{gateway.base_url}/health/ready", timeout=5).json()
    assert health["usage"] == {"state": "off"}
    records = httpx.get(f"{gateway.base_url}/admin/usage/records", headers=gateway.headers(), timeout=5)
    assert records.status_code == 200
    assert records.json()["rows"] == []
