"""Upstream SSE streams decode to the same events however the bytes are cut on the wire."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence

import pytest

from providers.sse import iter_sse_data

STREAM = (
    b": ping\n\n"
    b'data: {"id":"c1","choices":[{"delta":{"content":"Hel"}}]}\n\n'
    b"event: message\n"
    b'data: {"id":"c1","choices":[{"delta":{"content":"lo \\u00e9\xc3\xa9"}}]}\n\n'
    b": keep-alive\n\n"
    b"data: first line\n"
    b"data: second line\n\n"
    b"data:no-space\n\n"
    b"data: [DONE]\n\n"
)
EXPECTED = [
    b'{"id":"c1","choices":[{"delta":{"content":"Hel"}}]}',
    b'{"id":"c1","choices":[{"delta":{"content":"lo \\u00e9\xc3\xa9"}}]}',
    b"first line\nsecond line",
    b"no-space",
    b"[DONE]",
]


async def _pieces(pieces: Sequence[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


def decode(pieces: Sequence[bytes]) -> list[bytes]:
    async def collect() -> list[bytes]:
        return [data async for data in iter_sse_data(_pieces(pieces))]

    return asyncio.run(collect())


def decode_cut_everywhere(stream: bytes) -> list[list[bytes]]:
    """The stream in one piece, cut in two at every offset, and in 1-byte pieces, in one event loop."""

    async def collect(pieces: Sequence[bytes]) -> list[bytes]:
        return [data async for data in iter_sse_data(_pieces(pieces))]

    async def run_all() -> list[list[bytes]]:
        cuts = [[stream]] + [[stream[:i], stream[i:]] for i in range(1, len(stream))]
        cuts.append([stream[i : i + 1] for i in range(len(stream))])
        return [await collect(pieces) for pieces in cuts]

    return asyncio.run(run_all())


def test_whole_stream_decodes() -> None:
    assert decode([STREAM]) == EXPECTED


def test_every_cut_gives_the_same_events() -> None:
    for result in decode_cut_everywhere(STREAM):
        assert result == EXPECTED


def test_random_multi_cuts_give_the_same_events() -> None:
    rng = random.Random(1234)
    for _ in range(200):
        offsets = sorted(rng.sample(range(1, len(STREAM)), rng.randint(2, 12)))
        pieces = [STREAM[a:b] for a, b in zip([0, *offsets], [*offsets, len(STREAM)], strict=True)]
        assert decode(pieces) == EXPECTED


def test_crlf_line_endings_at_every_cut() -> None:
    crlf = STREAM.replace(b"\n", b"\r\n")
    for result in decode_cut_everywhere(crlf):
        assert result == EXPECTED


def test_mixed_line_endings() -> None:
    assert decode([b"data: a\r\n\ndata: b\n\r\n"]) == [b"a", b"b"]


def test_multi_line_data_is_joined_with_newlines() -> None:
    assert decode([b'data: {\ndata:   "a": 1\ndata: }\n\n']) == [b'{\n  "a": 1\n}']


def test_comments_and_keepalives_are_skipped() -> None:
    assert decode([b": ping\n\n:\n\n: keep-alive\n\ndata: x\n\n: ping\n\n"]) == [b"x"]


def test_events_without_data_are_skipped() -> None:
    assert decode([b"event: ping\n\nid: 7\nretry: 1000\n\ndata: x\n\n"]) == [b"x"]


def test_other_fields_around_data_are_ignored() -> None:
    assert decode([b'id: 1\nevent: error\ndata: {"error": 1}\nretry: 5\n\n']) == [b'{"error": 1}']


def test_empty_data_field_is_an_empty_event() -> None:
    assert decode([b"data:\n\n", b"data: \n\n"]) == [b"", b""]


def test_only_one_space_after_the_colon_is_stripped() -> None:
    assert decode([b"data:  two spaces\n\n"]) == [b" two spaces"]


@pytest.mark.parametrize(
    "tail",
    [b"data: [DONE]", b"data: [DONE]\n", b"data: [DONE]\r\n", b"data: a\ndata: b\n"],
)
def test_trailing_event_without_the_final_blank_line(tail: bytes) -> None:
    expected = b"a\nb" if b"data: a" in tail else b"[DONE]"
    assert decode([b"data: 1\n\n", tail]) == [b"1", expected]


def test_trailing_comment_yields_nothing() -> None:
    assert decode([b"data: 1\n\n: bye"]) == [b"1"]


def test_empty_stream_yields_nothing() -> None:
    assert decode([]) == []
    assert decode([b"", b"\n\n", b""]) == []
