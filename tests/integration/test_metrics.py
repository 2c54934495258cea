"""GET /metrics: Prometheus' text format, read back with prometheus_client's own parser, counting
exactly the calls made, with one worker and with `strata serve --workers 2`; admin keys only
(unless public); label values bounded (no request ids, nothing a caller typed)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import openai
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import created
from tests.integration.conftest import USER, MakeClient, StartGateway, catalog_yaml, openai_deployment
from tests.support.gateway import MASTER_KEY, RunningGateway, gateway_in_thread, gateway_process

RETRY_ONCE = {"retries": {"attempts": 3, "backoff_base_s": 0.01}, "circuit": {"consecutive_failures": 1000}}


def scrape(gateway: RunningGateway, key: str | None = MASTER_KEY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(f"{gateway.base_url}/metrics", headers=headers, timeout=10)


def samples(gateway: RunningGateway) -> list[Sample]:
    response = scrape(gateway)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return [s for family in text_string_to_metric_families(response.text) for s in family.samples]


def total(found: list[Sample], name: str, **labels: str) -> float:
    return sum(s.value for s in found if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def catalog(upstream: FakeUpstream) -> str:
    return catalog_yaml(
        {
            "gpt-test": [openai_deployment(upstream.url)],
            "emb-test": [openai_deployment(upstream.url, "fake-embed", embeddings=True)],
            "gpt-flaky": [openai_deployment(upstream.url, "flaky-model")],
        },
        routing=RETRY_ONCE,
    )


def test_metrics_count_exactly_the_calls_made(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    gateway = start_gateway(catalog(upstream))
    client = make_client(gateway)
    input_tokens = output_tokens = 0
    for _ in range(5):
        usage = client.chat.completions.create(model="gpt-test", messages=USER).usage  # type: ignore[arg-type]
        assert usage is not None
        input_tokens, output_tokens = input_tokens + usage.prompt_tokens, output_tokens + usage.completion_tokens
    for _ in range(2):
        stream = client.chat.completions.create(
            model="gpt-test",
            messages=USER,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in stream:
            if chunk.usage is not None:
                input_tokens += chunk.usage.prompt_tokens
                output_tokens += chunk.usage.completion_tokens
    client.embeddings.create(model="emb-test", input="hello")
    upstream.set_behaviour("flaky-model", status=503, fail_times=1)
    client.chat.completions.create(model="gpt-flaky", messages=USER)  # type: ignore[arg-type]  # retried once
    with pytest.raises(openai.AuthenticationError):
        make_client(gateway, api_key="sk-nobody").chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    found = samples(gateway)
    requests = "strata_requests_total"
    assert total(found, requests, model="gpt-test", status="200", surface="openai", provider="openai") == 7
    assert total(found, requests, model="emb-test", status="200") == 1
    assert total(found, requests, model="gpt-flaky", status="200") == 1
    assert total(found, requests, status="401", model="") == 1
    assert total(found, requests) == 10
    duration = "gen_ai_client_operation_duration_seconds_count"
    assert total(found, duration, gen_ai_request_model="gpt-test", gen_ai_operation_name="chat") == 7
    assert total(found, duration, gen_ai_request_model="emb-test", gen_ai_operation_name="embeddings") == 1
    usage = "gen_ai_client_token_usage_sum"
    assert total(found, usage, gen_ai_request_model="gpt-test", gen_ai_token_type="input") == input_tokens
    assert total(found, usage, gen_ai_request_model="gpt-test", gen_ai_token_type="output") == output_tokens
    assert total(found, "gen_ai_server_time_to_first_token_seconds_count", gen_ai_request_model="gpt-test") == 2
    tokens = "strata_tokens_total"
    assert total(found, tokens, model="gpt-test", key="master", type="input") == input_tokens
    assert total(found, "strata_retries_total", model="gpt-flaky") == 1
    assert total(found, "strata_circuit_state", deployment="gpt-test/0") == 0
    assert any(s.name == "strata_circuit_state" and s.labels["deployment"] == "gpt-test/0" for s in found)
    assert any(s.name == "strata_event_loop_lag_seconds" for s in found)
    assert any(s.name == "strata_usage_backlog" for s in found)


def test_quota_rejections_are_counted_by_limit(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    gateway = start_gateway(catalog(upstream))
    key = created(gateway, "/keys", {"name": "limited", "limits": {"rpm": 2}})["key"]
    client = make_client(gateway, api_key=key)
    for _ in range(2):
        client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]
    for _ in range(3):
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    found = samples(gateway)
    assert total(found, "strata_quota_rejections_total", scope="key", limit="rpm") == 3
    assert total(found, "strata_requests_total", status="429", error_type="rate_limit_error") == 3


def test_metrics_need_the_master_key_or_an_admin_key(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(catalog(upstream))
    plain = created(gateway, "/keys", {"name": "plain"})["key"]
    admin = created(gateway, "/keys", {"name": "ops", "is_admin": True})["key"]
    assert scrape(gateway, key=None).status_code == 401
    assert scrape(gateway, key="sk-wrong").status_code == 401
    assert scrape(gateway, key=plain).status_code == 403
    assert scrape(gateway, key=admin).status_code == 200
    assert scrape(gateway).status_code == 200


def test_public_metrics_need_no_key(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(catalog(upstream), metrics_public=True)
    assert scrape(gateway, key=None).status_code == 200


def test_switched_off_metrics_are_not_served(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(catalog(upstream), metrics=False)
    assert scrape(gateway).status_code == 404


def test_label_values_never_carry_request_ids_or_what_callers_typed(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(catalog(upstream))
    sent: list[str] = []
    with httpx.Client(base_url=gateway.openai_base, headers=gateway.headers(), timeout=10) as http:
        for _ in range(20):
            marker = uuid.uuid4().hex
            sent.append(marker)
            http.post(
                "/chat/completions",
                json={"model": f"model-{marker}", "messages": [{"role": "user", "content": marker}]},
                headers={"x-request-id": f"req-{marker}"},
            )
            http.post(
                "/chat/completions",
                json={"model": "gpt-test", "messages": [{"role": "user", "content": marker}], "user": marker},
                headers={"x-request-id": f"req2-{marker}"},
            )
    found = samples(gateway)
    values = {value for s in found for value in s.labels.values()}
    assert not [v for v in values for marker in sent if marker in v]
    series = {(s.name, tuple(sorted(s.labels.items()))) for s in found if s.name == "strata_requests_total"}
    assert len(series) == 2  # gpt-test answered, and the unknown models (no model label), whatever was sent


def _catalog_file(tmp_path: Path, upstream: FakeUpstream) -> Path:
    config = tmp_path / "strata.yaml"
    config.write_text(catalog(upstream))
    return config


def _until(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_two_workers_report_every_workers_calls(tmp_path: Path, upstream: FakeUpstream) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"stale")  # a previous run's: `serve` empties the folder
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("STRATA_")},
        "STRATA_MASTER_KEY": MASTER_KEY,
        "STRATA_DATA_DIR": str(tmp_path / "data"),
        "STRATA_LOG_LEVEL": "warning",
        "STRATA_METRICS_INTERVAL_S": "0.2",
        "FAKE_KEY": "sk-fake-upstream-key",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    calls = 40
    args = ["--config", str(_catalog_file(tmp_path, upstream)), "--workers", "2"]
    with gateway_process(args, tmp_path, env=env) as (gateway, _):
        gateway.master_key = MASTER_KEY
        body = {"model": "gpt-test", "messages": USER}
        for _ in range(calls):  # a connection each: the kernel spreads them over both workers
            with httpx.Client(timeout=10) as http:
                response = http.post(f"{gateway.openai_base}/chat/completions", json=body, headers=gateway.headers())
                assert response.status_code == 200

        def counted() -> bool:
            return total(samples(gateway), "strata_requests_total", model="gpt-test", status="200") == calls

        assert _until(counted), "every worker's calls show in any worker's scrape"
        for _ in range(6):  # whichever worker answers the scrape, the same sums
            assert total(samples(gateway), "strata_requests_total", model="gpt-test", status="200") == calls
        per_worker = [
            sum(
                s.value
                for m in MultiProcessCollector.merge([str(path)])
                for s in m.samples
                if s.name == "strata_requests_total"
            )
            for path in folder.glob("counter_*.db")
        ]
        assert len([n for n in per_worker if n]) == 2, f"both workers served calls: {per_worker}"


def test_local_models_report_queue_batches_and_tokens(tmp_path: Path) -> None:
    from tests.support.local_models import tiny_bert, tiny_gpt2

    local = {"provider": "local", "threads": 1, "worker": "thread"}
    config = catalog_yaml(
        {
            "tiny-gpt": [{**local, "path": str(tiny_gpt2(tmp_path / "gpt")), "max_batch_size": 4}],
            "tiny-embed": [
                {**local, "path": str(tiny_bert(tmp_path / "bert", sentence_transformers=True)), "task": "embeddings"}
            ],
        }
    )
    with gateway_in_thread(config, tmp_path, environ={}) as gateway:
        assert _until(lambda: httpx.get(f"{gateway.base_url}/health/ready", timeout=5).status_code == 200, 90)
        with openai.OpenAI(
            base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0, timeout=30
        ) as client:
            generated = 0
            for _ in range(3):
                usage = client.chat.completions.create(model="tiny-gpt", messages=USER, max_tokens=8).usage  # type: ignore[arg-type]
                assert usage is not None
                generated += usage.completion_tokens
            embedded = client.embeddings.create(
                model="tiny-embed", input=["one text", "and another"]
            ).usage.prompt_tokens

        def sampled() -> bool:  # the gauges are sampled each metrics interval
            return total(samples(gateway), "strata_local_tokens_total", deployment="tiny-embed/0") == embedded

        assert _until(sampled, 5)
        found = samples(gateway)
    assert total(found, "strata_local_tokens_total", deployment="tiny-gpt/0") == generated
    assert total(found, "strata_local_batch_size_count", deployment="tiny-gpt/0") >= max(generated // 3, 1)
    assert total(found, "strata_local_batch_size_sum", deployment="tiny-gpt/0") == generated
    assert total(found, "strata_local_batch_size_count", deployment="tiny-embed/0") == 1
    assert total(found, "strata_local_queue_depth", deployment="tiny-gpt/0") == 0
    assert any(s.name == "strata_local_tokens_per_second" and s.labels["deployment"] == "tiny-gpt/0" for s in found)


def test_a_scraper_that_takes_gzip_gets_the_same_text_compressed(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(catalog(upstream))
    plain = httpx.get(f"{gateway.base_url}/metrics", headers={**gateway.headers(), "accept-encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    packed = httpx.get(f"{gateway.base_url}/metrics", headers={**gateway.headers(), "accept-encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert len(packed.content) > 0 and "strata_" in packed.text  # httpx decodes it
    names = {family.name for family in text_string_to_metric_families(packed.text)}
    assert names == {family.name for family in text_string_to_metric_families(plain.text)}
