"""Every Bedrock error class, raised by boto3 as the named exception, in Bedrock's error shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import boto3
import botocore
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError

from gateway.app import StrataApp
from gateway.services.context import CallContext, Principal
from providers.canonical import ChatCompletionRequest
from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON
from tests.support.bedrock import REGION, bedrock_catalog, bedrock_gateway, isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway

HELLO = [{"role": "user", "content": [{"text": "Say hello."}]}]
EXPLODE = "explode"  # a model id the instrumented invoker fails on, as a bug would


class Seen:
    """What the instrumented invoker saw of each call."""

    metadata: list[dict[str, str] | None] = []


def instrument(app: StrataApp) -> None:
    """Wrap the pipeline's chat stage: record each call's context, and fail like a bug for EXPLODE."""
    invoker = app.state.strata.invoker
    chat = invoker.chat

    async def recording_chat(call: CallContext, principal: Principal, request: ChatCompletionRequest) -> Any:
        if request.model == EXPLODE:
            raise RuntimeError("a bug in the gateway")
        Seen.metadata.append(call.request_metadata)
        return await chat(call, principal, request)

    invoker.chat = recording_chat


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("bedrock-errors")
    with bedrock_gateway(bedrock_catalog(upstream_server.url), folder, ENVIRON, prepare=instrument) as running:
        yield running


@pytest.fixture(scope="module")
def runtime(gateway: RunningGateway) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        client = sigv4_client("bedrock-runtime", gateway)
        yield client
        client.close()


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


# ---------------------------------------------------------------- the caller


def test_a_wrong_secret_is_access_denied(gateway: RunningGateway, runtime: Any) -> None:
    with closing(sigv4_client("bedrock-runtime", gateway, secret="sk-not-the-key")) as wrong:
        with pytest.raises(wrong.exceptions.AccessDeniedException) as caught:
            wrong.converse(modelId="gpt-test", messages=HELLO)
    code, status, message = error_of(caught)
    assert (code, status) == ("AccessDeniedException", 403) and "signature" in message


def test_an_unknown_key_id_is_an_unrecognized_client(gateway: RunningGateway, runtime: Any) -> None:
    with closing(sigv4_client("bedrock-runtime", gateway, key_id="sk-unknown")) as stranger:
        with pytest.raises(ClientError) as caught:
            stranger.converse(modelId="gpt-test", messages=HELLO)
    assert error_of(caught)[:2] == ("UnrecognizedClientException", 403)


def test_an_unsigned_request_is_missing_its_token(gateway: RunningGateway, runtime: Any) -> None:
    unsigned = boto3.client(
        "bedrock-runtime",
        endpoint_url=gateway.base_url,
        region_name=REGION,
        config=Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1}),
    )

    with closing(unsigned), pytest.raises(ClientError) as caught:
        unsigned.converse(modelId="gpt-test", messages=HELLO)
    assert error_of(caught)[:2] == ("MissingAuthenticationTokenException", 403)


def test_the_default_credential_chain_signs_with_the_key_id_and_key(
    upstream: FakeUpstream, gateway: RunningGateway, runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "master")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", gateway.master_key)

    with closing(boto3.client("bedrock-runtime", endpoint_url=gateway.base_url, region_name="ap-south-1")) as client:
        assert client.converse(modelId="gpt-test", messages=HELLO)["stopReason"] == "end_turn"


# ---------------------------------------------------------------- the request


def test_an_unknown_model_is_resource_not_found(runtime: Any) -> None:
    with pytest.raises(runtime.exceptions.ResourceNotFoundException) as caught:
        runtime.converse(modelId="no-such-model", messages=HELLO)
    assert error_of(caught)[1] == 404


@pytest.mark.parametrize(
    "call",
    [
        lambda rt: rt.converse(
            modelId="gpt-test",
            messages=[
                {
                    "role": "user",
                    "content": [{"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/k"}}}}],
                }
            ],
        ),
        lambda rt: rt.converse(modelId="gpt-test", messages=HELLO, inferenceConfig={"temperature": 1.5}),
        lambda rt: rt.invoke_model(modelId="gpt-test", body=b"{not json"),
        lambda rt: rt.invoke_model(modelId="gpt-test", body=json.dumps({"inputText": "x", "dimensions": 8})),
        lambda rt: rt.invoke_model_with_response_stream(modelId="emb-test", body=json.dumps({"texts": ["x"]})),
    ],
    ids=["s3-image", "temperature-above-1", "not-json", "embeddings-from-a-chat-model", "streamed-embeddings"],
)
def test_bad_requests_are_validation_exceptions(upstream: FakeUpstream, runtime: Any, call: Any) -> None:
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        call(runtime)
    assert error_of(caught)[1] == 400
    assert upstream.requests() == []


WIDE = 2**64  # one past the largest integer a 64-bit field holds
CHAT_BODY = {"messages": [{"role": "user", "content": "Say hello."}]}  # an OpenAI chat body, as InvokeModel takes it


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (
            lambda rt: rt.converse(modelId="gpt-test", messages=HELLO, inferenceConfig={"maxTokens": WIDE}),
            "inferenceConfig.maxTokens",
        ),
        (
            lambda rt: rt.converse(modelId="gpt-test", messages=HELLO, additionalModelRequestFields={"top_k": WIDE}),
            "additionalModelRequestFields.top_k",
        ),
        (
            lambda rt: rt.converse_stream(modelId="gpt-test", messages=HELLO, inferenceConfig={"maxTokens": WIDE}),
            "inferenceConfig.maxTokens",
        ),
        (lambda rt: rt.invoke_model(modelId="gpt-test", body=json.dumps({**CHAT_BODY, "seed": WIDE})), "seed"),
        (
            lambda rt: rt.invoke_model(modelId="gpt-test", body=json.dumps({**CHAT_BODY, "vendor": [WIDE]})),
            "vendor[0]",
        ),
        (
            lambda rt: rt.invoke_model_with_response_stream(
                modelId="gpt-test", body=json.dumps({"prompt": "hi", "max_gen_len": WIDE})
            ),
            "max_gen_len",
        ),
        (
            lambda rt: rt.count_tokens(
                modelId="gpt-test",
                input={"converse": {"messages": HELLO, "additionalModelRequestFields": {"top_k": -WIDE}}},
            ),
            "input.converse.additionalModelRequestFields.top_k",
        ),
        (
            lambda rt: rt.count_tokens(
                modelId="gpt-test", input={"invokeModel": {"body": json.dumps({**CHAT_BODY, "seed": WIDE})}}
            ),
            "seed",
        ),
    ],
    ids=[
        "maxTokens",
        "additional-fields",
        "stream",
        "invoke",
        "invoke-vendor",
        "invoke-stream",
        "count",
        "count-invoke",
    ],
)
def test_an_integer_wider_than_64_bits_is_a_validation_exception_naming_it(
    upstream: FakeUpstream, runtime: Any, call: Any, param: str
) -> None:
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        call(runtime)
    code, status, message = error_of(caught)
    assert status == 400 and f"'{param}'" in message and "64 bits" in message
    assert upstream.requests() == []


def test_a_count_tokens_body_that_is_not_base64_is_a_validation_exception(gateway: RunningGateway) -> None:
    for body in ("\u00e9t\u00e9", "%%%", "eyJ4Ijox"):  # not ASCII, not base64, base64 of a cut JSON text
        response = httpx.post(
            f"{gateway.base_url}/model/gpt-test/count-tokens",
            json={"input": {"invokeModel": {"body": body}}},
            headers=gateway.headers(),
        )
        assert response.status_code == 400, response.text
        assert response.headers["x-amzn-errortype"] == "ValidationException"
        assert set(response.json()) == {"message"}


def test_a_converse_document_whose_bytes_are_not_base64_is_a_validation_exception(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    document = {"format": "txt", "name": "notes", "source": {"bytes": "\u00e9t\u00e9"}}
    messages = [{"role": "user", "content": [{"text": "Summarise."}, {"document": document}]}]

    response = httpx.post(
        f"{gateway.base_url}/model/gpt-test/converse", json={"messages": messages}, headers=gateway.headers()
    )

    assert response.status_code == 400, response.text
    assert response.headers["x-amzn-errortype"] == "ValidationException"
    assert upstream.requests() == []


def test_a_native_body_nested_too_deep_is_a_validation_exception(upstream: FakeUpstream, runtime: Any) -> None:
    deep = b"[" * 300 + b"]" * 300
    body = b'{"messages": [{"role": "user", "content": "hi"}], "vendor": ' + deep + b"}"

    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.invoke_model(modelId="gpt-test", body=body)
    assert error_of(caught)[1] == 400
    assert upstream.requests() == []


# ---------------------------------------------------------------- content type


@pytest.mark.parametrize("operation", ["converse", "converse-stream", "invoke", "invoke-with-response-stream"])
def test_a_body_that_is_not_json_is_an_unsupported_media_type(
    upstream: FakeUpstream, gateway: RunningGateway, operation: str
) -> None:
    response = httpx.post(
        f"{gateway.base_url}/model/gpt-test/{operation}",
        content=json.dumps({"messages": HELLO}),
        headers={**gateway.headers(), "content-type": "text/plain"},
    )

    assert response.status_code == 415, response.text
    assert response.headers["x-amzn-errortype"] == "ValidationException"
    assert set(response.json()) == {"message"}
    assert upstream.requests() == []


def test_boto3_invoke_model_with_a_content_type_that_is_not_json_is_refused(
    upstream: FakeUpstream, runtime: Any
) -> None:
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.invoke_model(modelId="gpt-test", body=json.dumps(CHAT_BODY), contentType="text/plain")
    assert error_of(caught)[1] == 415
    assert upstream.requests() == []


@pytest.mark.parametrize("content_type", [None, "application/json"])
def test_boto3_invoke_model_without_a_content_type_or_with_json_is_served(
    upstream: FakeUpstream, runtime: Any, content_type: str | None
) -> None:
    options = {"contentType": content_type} if content_type else {}

    reply = runtime.invoke_model(modelId="gpt-test", body=json.dumps(CHAT_BODY), **options)

    assert json.loads(reply["body"].read())["choices"][0]["message"]["content"]


# ---------------------------------------------------------------- the model


def test_a_rate_limited_upstream_is_throttling(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("acme-chat", status=429, retry_after=1)

    with pytest.raises(runtime.exceptions.ThrottlingException) as caught:
        runtime.converse(modelId="acme.chat-v1:0", messages=HELLO)
    assert error_of(caught)[1] == 429
    assert caught.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"


def test_a_failing_upstream_model_is_a_model_error(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("model-a", status=500)

    with pytest.raises(runtime.exceptions.ModelErrorException) as caught:
        runtime.converse(modelId="org/model-a", messages=HELLO)
    assert error_of(caught)[1] == 424


def test_a_slow_upstream_is_a_model_timeout(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("slow-model", latency_ms=1500)

    with pytest.raises(runtime.exceptions.ModelTimeoutException) as caught:
        runtime.converse(modelId="gpt-slow", messages=HELLO)
    assert error_of(caught)[1] == 408


def test_an_unreachable_upstream_is_service_unavailable(runtime: Any) -> None:
    with pytest.raises(runtime.exceptions.ServiceUnavailableException) as caught:
        runtime.converse(modelId="gpt-down", messages=HELLO)
    assert error_of(caught)[1] == 503


def test_a_gateway_bug_is_an_internal_server_exception(runtime: Any) -> None:
    with pytest.raises(runtime.exceptions.InternalServerException) as caught:
        runtime.converse(modelId=EXPLODE, messages=HELLO)
    code, status, message = error_of(caught)
    assert status == 500 and "a bug" not in message and "request id" in message


def test_an_invoke_stream_that_fails_in_the_middle_raises_in_boto3(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("fake-model", drop_after_chunks=1)
    body = json.dumps({"prompt": "Say hello.", "max_gen_len": 20})
    chunks = []

    stream = runtime.invoke_model_with_response_stream(modelId="gpt-test", body=body)["body"]
    with closing(stream), pytest.raises(EventStreamError) as caught:
        for event in stream:
            chunks.append(json.loads(event["chunk"]["bytes"]))
    assert caught.value.response["Error"]["Code"] == "modelStreamErrorException"
    assert chunks and chunks[0]["generation"] == "Hello"


# ---------------------------------------------------------------- shape and bookkeeping


def test_errors_have_bedrocks_wire_shape(gateway: RunningGateway) -> None:
    response = httpx.post(
        f"{gateway.base_url}/model/no-such-model/converse", json={"messages": HELLO}, headers=gateway.headers()
    )

    assert response.status_code == 404
    assert response.headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert response.headers["x-amzn-requestid"] == response.headers["x-request-id"]
    assert response.json() == {"message": "The model 'no-such-model' does not exist or you do not have access to it."}


def test_request_metadata_is_kept_on_the_call(upstream: FakeUpstream, runtime: Any) -> None:
    Seen.metadata.clear()

    runtime.converse(modelId="gpt-test", messages=HELLO, requestMetadata={"team": "search", "ticket": "T-1"})

    assert Seen.metadata == [{"team": "search", "ticket": "T-1"}]


def test_unknown_operations_and_wrong_methods_answer_in_bedrocks_shape(gateway: RunningGateway) -> None:
    unknown = httpx.post(f"{gateway.base_url}/model/gpt-test/not-an-operation", json={}, headers=gateway.headers())
    wrong_method = httpx.get(f"{gateway.base_url}/model/gpt-test/converse", headers=gateway.headers())

    assert (unknown.status_code, unknown.headers["x-amzn-errortype"]) == (404, "ResourceNotFoundException")
    assert (wrong_method.status_code, wrong_method.headers["x-amzn-errortype"]) == (405, "ValidationException")
    assert set(unknown.json()) == {"message"} and set(wrong_method.json()) == {"message"}
