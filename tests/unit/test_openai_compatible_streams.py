"""The OpenAI-compatible provider's streams: usage asked for, every chunk passed on (even split
mid-JSON), streams cut short or carrying errors refused; and transport failures (refused
connections, read timeouts, silence or a dropped connection mid-stream, a stream closed early).

The provider talks HTTP/1.1 to a real socket: the upstream is a tiny scripted HTTP/1.1 server on
127.0.0.1 (openai_compatible_helpers.py), with real parsing, chunk boundaries, timeouts and refused
connections, and no patching of library internals.
"""

from __future__ import annotations

import time

import pytest

from providers import errors as perr
from providers.canonical import ChatCompletionChunk
from providers.openai_compatible import OpenAICompatibleProvider
from tests.unit.openai_compatible_helpers import (
    FULL_STREAM,
    OPTIONS,
    Reply,
    _chunk,
    _request,
    against,
    chat,
    json_reply,
    sse_reply,
    stream,
)

# --- streaming --------------------------------------------------------------------------------


def test_stream_asks_for_usage_and_sends_upstream_model_id() -> None:
    request = _request(stream=True, stream_options={"include_usage": False, "vendor_flag": 1})
    _, [sent] = stream(sse_reply([FULL_STREAM]), request)
    body = sent.json()
    assert body["model"] == "upstream-model"
    assert body["stream"] is True
    assert body["stream_options"]["include_usage"] is True
    assert body["stream_options"]["vendor_flag"] == 1


def test_stream_without_stream_options_still_asks_for_usage() -> None:
    _, [sent] = stream(sse_reply([FULL_STREAM]), _request(stream=True))
    assert sent.json()["stream_options"] == {"include_usage": True}
    assert set(sent.json()) == {"model", "messages", "stream", "stream_options"}


def test_stream_yields_every_chunk_including_usage() -> None:
    chunks, _ = stream(sse_reply([FULL_STREAM]))
    assert [c.choices[0].delta.content for c in chunks[:2]] == ["Hel", "lo"]
    assert chunks[2].choices[0].finish_reason == "stop"
    assert chunks[3].choices == [] and chunks[3].usage is not None and chunks[3].usage.total_tokens == 5
    assert len(chunks) == 4


def test_chunks_split_mid_json_parse() -> None:
    pieces = [FULL_STREAM[i : i + 23] for i in range(0, len(FULL_STREAM), 23)]
    assert pieces[0].startswith(b'data: {"id"') and not pieces[0].endswith(b"\n\n")
    chunks, _ = stream(sse_reply(pieces, pause_s=0.002))
    assert [c.choices[0].delta.content for c in chunks[:2]] == ["Hel", "lo"]
    assert len(chunks) == 4


def test_stream_ending_with_finish_reason_but_no_done_is_complete() -> None:
    chunks, _ = stream(sse_reply([_chunk("a"), _chunk(finish="length")]))
    assert len(chunks) == 2


def test_stream_cut_before_done_or_finish_reason_raises() -> None:
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderUpstreamError, match="before it was complete"):
        stream(sse_reply([_chunk("a"), _chunk("b")]), received=received)
    assert [c.choices[0].delta.content for c in received] == ["a", "b"]


def test_empty_stream_raises() -> None:
    with pytest.raises(perr.ProviderUpstreamError):
        stream(sse_reply([]))


def test_error_event_mid_stream_raises() -> None:
    error_event = b'data: {"error": {"message": "the model crashed", "type": "server_error"}}\n\n'
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderUpstreamError, match="the model crashed"):
        stream(sse_reply([_chunk("a"), error_event, _chunk("b")]), received=received)
    assert len(received) == 1


def test_non_json_event_raises() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="not JSON"):
        stream(sse_reply([_chunk("a"), b"data: {oops\n\n"]))


def test_invalid_chunk_shape_raises() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="invalid stream chunk"):
        stream(sse_reply([b'data: {"id": "c1"}\n\n']))


def test_stream_error_status_maps_before_any_chunk() -> None:
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderUnavailable) as caught:
        stream(json_reply({"error": {"message": "overloaded"}}, 503, {"retry-after": "4"}), received=received)
    assert (caught.value.message, caught.value.retry_after, received) == ("overloaded", 4.0, [])


# --- transport failures -----------------------------------------------------------------------


FAST = {"timeouts": {"connect": 1, "read": 0.1}}


def test_refused_connection_is_unavailable() -> None:
    for call in (chat, stream):
        with pytest.raises(perr.ProviderUnavailable) as caught:
            call(None)
        assert caught.value.retryable
        assert caught.value.message == "The upstream model cannot be reached."
        assert caught.value.detail is not None and "upstream-model" in caught.value.detail  # for the log only


def test_no_answer_within_the_read_timeout_is_a_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(perr.ProviderTimeout):
        chat(Reply(stall_before_headers=True), **FAST)
    with pytest.raises(perr.ProviderTimeout):
        stream(Reply(stall_before_headers=True), **FAST)
    assert time.monotonic() - started < 2


def test_silence_mid_stream_is_a_timeout() -> None:
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderTimeout):
        stream(sse_reply([_chunk("a"), _chunk("b")], stall_after=1), received=received, **FAST)
    assert len(received) == 1


def test_connection_dropped_mid_stream_is_an_upstream_error() -> None:
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderUpstreamError) as caught:
        stream(sse_reply([_chunk("a"), _chunk("b")], drop_after=1), received=received)
    assert type(caught.value) is perr.ProviderUpstreamError and caught.value.retryable
    assert len(received) == 1


def test_closing_the_stream_early_releases_it() -> None:
    async def first_only(provider: OpenAICompatibleProvider) -> str | None:
        source = provider.chat_stream(_request(stream=True), OPTIONS)
        first = await anext(aiter(source))
        await source.aclose()  # type: ignore[attr-defined]
        return first.choices[0].delta.content

    content, _ = against(sse_reply([_chunk("a"), _chunk("b")], stall_after=1), first_only)
    assert content == "a"
