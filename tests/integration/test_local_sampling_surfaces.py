"""A local model through the Anthropic and Bedrock surfaces says why it stopped as those APIs do
(a stop sequence is ``stop_sequence`` with the string that matched, Converse's ``stop_sequence``),
and honours ``top_k`` (1: always the likeliest token, whatever the temperature), with the unmodified
``anthropic`` SDK and boto3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
import yaml

from tests.integration.conftest import NO_RETRIES
from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread, wait_until_models_loaded
from tests.support.local_models import tiny_llama

ASK: Any = [{"role": "user", "content": "tell me a story"}]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    root = tmp_path_factory.mktemp("local-sampling")
    model = tiny_llama(root / "llama", context=4096, endless=True)  # never ends by itself: stops decide
    deployment = {"provider": "local", "path": str(model), "threads": 1, "worker": "thread"}
    catalog = yaml.safe_dump({"models": {"tiny": {"deployments": [deployment], "routing": NO_RETRIES}}})
    with gateway_in_thread(catalog, root, environ={}) as running:
        wait_until_models_loaded(running.base_url)
        yield running


@pytest.fixture()
def claude(gateway: RunningGateway) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0) as client:
        yield client


def _stop_word(claude: anthropic.Anthropic) -> tuple[str, str]:
    """The greedy reply and a word from the middle of it, to stop at."""
    reply = claude.messages.create(model="tiny", max_tokens=12, messages=ASK, extra_body={"temperature": 0})
    text = reply.content[0].text  # type: ignore[union-attr]
    words = text.split()
    assert len(words) >= 4, text
    return text, words[len(words) // 2]


def test_a_stop_sequence_is_reported_as_the_stop_sequence_it_was(claude: anthropic.Anthropic) -> None:
    text, word = _stop_word(claude)
    message = claude.messages.create(
        model="tiny", max_tokens=12, messages=ASK, stop_sequences=[word], extra_body={"temperature": 0}
    )
    assert (message.stop_reason, message.stop_sequence) == ("stop_sequence", word)
    assert message.content[0].text == text[: text.index(word)]  # type: ignore[union-attr]
    with claude.messages.stream(
        model="tiny", max_tokens=12, messages=ASK, stop_sequences=[word], extra_body={"temperature": 0}
    ) as stream:
        final = stream.get_final_message()
    assert (final.stop_reason, final.stop_sequence) == ("stop_sequence", word)


def test_converse_reports_a_stop_sequence(
    claude: anthropic.Anthropic, gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, word = _stop_word(claude)
    isolate_aws_environment(monkeypatch)
    runtime = sigv4_client("bedrock-runtime", gateway)
    asked = {
        "modelId": "tiny",
        "messages": [{"role": "user", "content": [{"text": "tell me a story"}]}],
        "inferenceConfig": {"maxTokens": 12, "temperature": 0, "stopSequences": [word]},
    }
    assert runtime.converse(**asked)["stopReason"] == "stop_sequence"
    events = list(runtime.converse_stream(**asked)["stream"])
    assert [e["messageStop"]["stopReason"] for e in events if "messageStop" in e] == ["stop_sequence"]


def test_top_k_1_always_takes_the_likeliest_token(claude: anthropic.Anthropic) -> None:
    greedy, _ = _stop_word(claude)
    sampled = {
        claude.messages.create(model="tiny", max_tokens=12, messages=ASK, extra_body={"temperature": 1.0, "top_k": 1})
        .content[0]
        .text  # type: ignore[union-attr]
        for _ in range(4)
    }
    assert sampled == {greedy}


def test_a_negative_top_k_is_a_400(claude: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError):
        claude.messages.create(model="tiny", max_tokens=4, messages=ASK, extra_body={"top_k": -1})
