"""Token counts for remote models: real tiktoken encodings, offline, from the files litellm bundles."""

from __future__ import annotations

import asyncio
import hashlib
import json

from providers import tokens
from providers.canonical import ChatCompletionRequest
from providers.tokens import _bundled_tiktoken_dir, count_prompt, count_text, encoding_for

CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"


def _request(messages: list[dict[str, object]], **fields: object) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate_json(json.dumps({"model": "m", "messages": messages, **fields}))


def test_encoding_files_are_bundled_so_nothing_is_downloaded() -> None:
    folder = _bundled_tiktoken_dir()
    assert folder is not None
    for url in (CL100K_URL, O200K_URL):
        # tiktoken looks for its cache file under the sha1 of the URL; present means no download.
        assert (folder / hashlib.sha1(url.encode()).hexdigest()).is_file(), url


def test_known_counts_with_cl100k_base() -> None:
    assert count_text("Hello, world!", "gpt-4") == 4
    assert count_text("The quick brown fox jumps over the lazy dog.", "gpt-4") == 10
    assert count_text("", "gpt-4") == 0


def test_model_family_picks_the_encoding() -> None:
    cl100k, o200k = encoding_for("gpt-4"), encoding_for("gpt-4o-mini")
    assert cl100k is not None and o200k is not None
    assert getattr(cl100k, "name", None) == "cl100k_base"
    assert getattr(o200k, "name", None) == "o200k_base"
    assert encoding_for("some-local-llama") is cl100k, "unknown models count with cl100k_base"


def test_special_token_text_is_counted_as_text() -> None:
    assert count_text("<|endoftext|>", "gpt-4") > 1


def test_count_prompt_adds_overhead_per_message() -> None:
    one = _request([{"role": "user", "content": "Hello, world!"}])
    assert count_prompt(one, "gpt-4") == 3 + (3 + 4)
    two = _request([{"role": "system", "content": "Hello, world!"}, {"role": "user", "content": "Hello, world!"}])
    assert count_prompt(two, "gpt-4") == 3 + 2 * (3 + 4)


def test_count_prompt_counts_text_parts_and_empty_messages() -> None:
    parts = [{"type": "text", "text": "Hello, world!"}, {"type": "image_url", "image_url": {"url": "https://x"}}]
    request = _request([{"role": "user", "content": parts}, {"role": "assistant", "content": None}])
    assert count_prompt(request, "gpt-4") == 3 + (3 + 4) + (3 + 0)


def test_count_prompt_includes_tool_calls_and_tools() -> None:
    plain = _request([{"role": "user", "content": "hi"}])
    call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    with_call = _request([{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [call]}])
    assert count_prompt(with_call, "gpt-4") > count_prompt(plain, "gpt-4") + 3
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    assert count_prompt(_request([{"role": "user", "content": "hi"}], tools=tools), "gpt-4") > count_prompt(
        plain, "gpt-4"
    )


def test_a_long_text_of_words_counts_as_tiktoken_counts_it() -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 3000  # past tokens.SHORT
    encoding = tokens.encoding_for("gpt-4o")
    assert encoding is not None
    assert tokens.count_text(text, "gpt-4o") == len(encoding.encode(text))


def test_a_long_run_without_spaces_is_counted_in_pieces_within_a_token_a_cut() -> None:
    run = "ab" * 100_000  # one 200,000-character "word": tiktoken's merges on it grow faster than linear
    encoding = tokens.encoding_for("gpt-4o")
    assert encoding is not None
    whole = len(encoding.encode(run))
    counted = tokens.count_text(run, "gpt-4o")
    cuts = len(run) // tokens.LONG_RUN
    assert abs(counted - whole) <= cuts + 1


def test_a_very_long_prompt_is_counted_off_the_event_loop_with_the_same_result() -> None:
    request = ChatCompletionRequest.model_validate(
        {"model": "m", "messages": [{"role": "user", "content": "word " * (tokens.OFF_LOOP_CHARACTERS // 4)}]}
    )
    assert asyncio.run(tokens.count_prompt_async(request, "gpt-4o")) == tokens.count_prompt(request, "gpt-4o")
