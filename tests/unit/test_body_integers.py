"""Integers a 64-bit field cannot hold are refused at the edge, wherever they are, naming the parameter."""

from __future__ import annotations

import json

import pytest

from gateway.api.body import INT_MAX, INT_MIN, check_integers, parse_json, wide_integer_at
from gateway.errors import InvalidRequest
from providers.canonical import ChatCompletionRequest

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
PADDING = "x" * 20_000  # past the size where the byte scan gives way to the orjson round trip


def _json(body: object) -> bytes:
    return json.dumps(body).encode()  # the standard library writes integers of any size


def _refusal(body: dict[str, object]) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse_json(ChatCompletionRequest, _json(body))
    assert caught.value.status == 400
    return caught.value


@pytest.mark.parametrize("padding", ["", PADDING], ids=["small", "large"])
@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"seed": INT_MAX + 1}, "seed"),
        ({"seed": INT_MIN - 1}, "seed"),
        ({"logit_bias": {"42": 10**30}}, "logit_bias.42"),
        ({"vendor": [[0, 1], [2, -(10**40)]]}, "vendor[1][1]"),
    ],
)
def test_an_integer_outside_64_bits_is_refused_naming_where_it_is(
    extra: dict[str, object], param: str, padding: str
) -> None:
    body = {**CHAT, "messages": [{"role": "user", "content": "hi" + padding}], **extra}

    error = _refusal(body)

    assert error.param == param
    assert error.message.startswith(f"Invalid value for '{param}': integers must fit in 64 bits")


@pytest.mark.parametrize("padding", ["", PADDING], ids=["small", "large"])
def test_the_64_bit_extremes_and_long_numbers_in_text_are_accepted(padding: str) -> None:
    body = {**CHAT, "seed": INT_MIN, "vendor": [INT_MAX, True], "user": "9" * 40 + padding}

    request = parse_json(ChatCompletionRequest, _json(body))

    assert request.seed == INT_MIN and request.model_extra == {"vendor": [INT_MAX, True]}


def test_a_caller_that_parsed_the_body_already_passes_it_in() -> None:
    raw = _json({"n": 10**20})

    with pytest.raises(InvalidRequest) as caught:
        check_integers(raw, {"n": 10**20})
    assert caught.value.param == "n"
    check_integers(b'{"n": 12345678901234567890123}', {"n": 1})  # trusts what it was given


def test_where_names_nothing_when_every_integer_fits() -> None:
    assert wide_integer_at({"a": [1, {"b": INT_MAX}], "c": "1" * 30, "d": 1e300}) is None
