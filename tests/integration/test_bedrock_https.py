"""Bearer keys (AWS_BEARER_TOKEN_BEDROCK) over HTTPS, as boto3 sends them, and `strata serve` with TLS.

botocore refuses to send a bearer token to anything but an HTTPS endpoint, so these tests serve
TLS with a certificate from a throwaway CA and hand the CA to boto3 with ``verify=``.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, InvalidEndpointConfigurationError

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, FAKE_KEY
from tests.support.bedrock import (
    BEARER_ENV,
    REGION,
    bearer_client,
    bedrock_catalog,
    bedrock_gateway,
    isolate_aws_environment,
    sigv4_client,
)
from tests.support.gateway import MASTER_KEY, RunningGateway, gateway_process
from tests.support.tls import TLSFiles, make_tls

HELLO = [{"role": "user", "content": [{"text": "Say hello."}]}]
FAKE_ANSWER = "Hello from the fake upstream."


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def gateway(
    upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory, tls: TLSFiles
) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("bedrock-https")
    with bedrock_gateway(bedrock_catalog(upstream_server.url), folder, ENVIRON, tls=tls) as running:
        assert running.base_url.startswith("https://")
        yield running


@pytest.fixture()
def bearer(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_aws_environment(monkeypatch)
    monkeypatch.setenv(BEARER_ENV, MASTER_KEY)


Connect = Callable[..., Any]


@pytest.fixture()
def connect(gateway: RunningGateway, tls: TLSFiles) -> Iterator[Connect]:
    """connect(service, sigv4=False): a boto3 client of the HTTPS gateway, closed after the test
    (an idle TLS connection would hold up the server's shutdown)."""
    made: list[Any] = []

    def make(service: str = "bedrock-runtime", sigv4: bool = False) -> Any:
        if sigv4:
            client = sigv4_client(service, gateway, verify=str(tls.ca))
        else:
            client = bearer_client(service, gateway, tls.ca)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
    # A caught ClientError keeps its response (and so the socket) alive in a reference cycle until
    # the cyclic collector runs; an open TLS connection would make the server wait at shutdown.
    gc.collect()


@pytest.mark.usefixtures("bearer")
def test_converse_with_a_bearer_key(upstream: FakeUpstream, connect: Connect) -> None:
    runtime = connect()

    response = runtime.converse(modelId="org/model-a", messages=HELLO)
    events = list(runtime.converse_stream(modelId="gpt-test", messages=HELLO)["stream"])

    assert response["output"]["message"]["content"] == [{"text": FAKE_ANSWER}]
    assert "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e) == FAKE_ANSWER
    assert "metadata" in events[-1]


@pytest.mark.usefixtures("bearer")
def test_invoke_and_count_tokens_with_a_bearer_key(upstream: FakeUpstream, connect: Connect) -> None:
    runtime = connect()
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 20, "messages": HELLO_ANTHROPIC})

    answer = json.loads(runtime.invoke_model(modelId="gpt-test", body=body)["body"].read())
    chunks = [
        json.loads(e["chunk"]["bytes"])
        for e in runtime.invoke_model_with_response_stream(modelId="gpt-test", body=body)["body"]
    ]
    counted = runtime.count_tokens(modelId="gpt-test", input={"invokeModel": {"body": body.encode()}})

    assert answer["content"] == [{"type": "text", "text": FAKE_ANSWER}]
    assert chunks[-1]["type"] == "message_stop"
    assert counted["inputTokens"] > 0


HELLO_ANTHROPIC = [{"role": "user", "content": "Say hello."}]


@pytest.mark.usefixtures("bearer")
def test_the_control_plane_with_a_bearer_key(connect: Connect) -> None:
    control = connect("bedrock")

    assert "gpt-test" in {m["modelId"] for m in control.list_foundation_models()["modelSummaries"]}
    assert control.get_foundation_model(modelIdentifier="acme.chat-v1:0")["modelDetails"]["modelId"] == "acme.chat-v1:0"


def test_a_wrong_bearer_key_is_an_unrecognized_client(connect: Connect, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_aws_environment(monkeypatch)
    monkeypatch.setenv(BEARER_ENV, "sk-not-a-strata-key")
    runtime = connect()

    with pytest.raises(ClientError) as caught:
        runtime.converse(modelId="gpt-test", messages=HELLO)
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sigv4_works_over_https_too(connect: Connect, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_aws_environment(monkeypatch)

    assert connect(sigv4=True).converse(modelId="gpt-test", messages=HELLO)["stopReason"] == "end_turn"


@pytest.mark.usefixtures("bearer")
def test_botocore_will_not_send_a_bearer_key_over_plain_http() -> None:
    """Why the HTTPS set-up exists at all."""
    runtime = boto3.client("bedrock-runtime", endpoint_url="http://127.0.0.1:9", region_name=REGION)

    with pytest.raises(InvalidEndpointConfigurationError):
        runtime.converse(modelId="gpt-test", messages=HELLO)


@pytest.mark.usefixtures("bearer")
def test_strata_serve_with_a_certificate_serves_https(upstream: FakeUpstream, tmp_path: Path, tls: TLSFiles) -> None:
    config = tmp_path / "strata.yaml"
    config.write_text(bedrock_catalog(upstream.url))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("STRATA_")},
        "STRATA_MASTER_KEY": MASTER_KEY,
        "STRATA_DATA_DIR": str(tmp_path / "data"),
        "STRATA_LOG_LEVEL": "warning",
        "FAKE_KEY": FAKE_KEY,
    }
    args = ["--config", str(config), "--ssl-certfile", str(tls.cert), "--ssl-keyfile", str(tls.key)]

    with gateway_process(args, tmp_path, env=env, tls_ca=tls.ca) as (gateway, _):
        with closing(bearer_client("bedrock-runtime", gateway, tls.ca)) as runtime:
            answer = runtime.converse(modelId="gpt-test", messages=HELLO)

    assert answer["output"]["message"]["content"] == [{"text": FAKE_ANSWER}]
