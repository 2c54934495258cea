"""The Responses API and legacy completions served by a local model (a tiny random-weight Llama,
built here, nothing downloaded), through the unmodified openai SDK: the same translation reaches
every backend, not only OpenAI-compatible upstreams."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
import yaml

from tests.integration.conftest import NO_RETRIES
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.local_models import tiny_llama


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    root = tmp_path_factory.mktemp("local-responses")
    deployment = {"provider": "local", "path": str(tiny_llama(root / "llama")), "threads": 1, "worker": "thread"}
    catalog = yaml.safe_dump({"models": {"tiny": {"deployments": [deployment], "routing": NO_RETRIES}}})
    with gateway_in_thread(catalog, root, environ={}) as running:
        yield running


@pytest.fixture()
def client(gateway: RunningGateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0, timeout=60) as c:
        yield c


def test_a_local_model_answers_a_response_streams_it_and_continues_the_conversation(client: openai.OpenAI) -> None:
    first = client.responses.create(model="tiny", input="tell me a story", instructions="be fine", max_output_tokens=6)
    assert first.status in ("completed", "incomplete") and first.model == "tiny"
    assert first.output_text and first.usage is not None and 0 < first.usage.output_tokens <= 6

    with client.responses.stream(
        model="tiny", input="what is your name", previous_response_id=first.id, max_output_tokens=6
    ) as stream:
        events = list(stream)
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    last = events[-1]  # response.incomplete when max_output_tokens cut it, as at OpenAI
    assert last.type in ("response.completed", "response.incomplete")
    assert deltas and last.response.output_text == "".join(deltas)
    assert client.responses.retrieve(first.id).output_text == first.output_text

    # the follow-up's prompt holds the earlier turn: longer than the same input alone
    alone = client.responses.create(model="tiny", input="hello", store=False, max_output_tokens=2)
    follow = client.responses.create(model="tiny", input="hello", previous_response_id=first.id, max_output_tokens=2)
    assert alone.usage is not None and follow.usage is not None
    assert follow.usage.input_tokens > alone.usage.input_tokens + 3


def test_a_local_model_completes_a_prompt_and_streams_it(client: openai.OpenAI) -> None:
    completion = client.completions.create(model="tiny", prompt="once upon a time", max_tokens=5)
    assert completion.choices[0].text and completion.choices[0].finish_reason in ("stop", "length")
    chunks = list(client.completions.create(model="tiny", prompt="once upon a time", max_tokens=5, stream=True))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == completion.choices[0].text  # greedy
