"""Integers wider than 64 bits, which the upstream's JSON could not carry, are a 400 through the OpenAI
surface naming where they are (chat and embeddings); integers that fit, and long numbers in text,
pass through."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import assert_openai_error
from tests.integration.openai_error_helpers import CHAT

WIDE = 2**64  # one past the largest integer a 64-bit field holds (the upstream's JSON could not carry it)
WIDEST_FORWARDED = 2**64 - 1


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"max_tokens": WIDE}, "max_tokens"),
        ({"seed": WIDE}, "seed"),
        ({"seed": -(2**63) - 1}, "seed"),
        ({"logit_bias": {"50256": WIDE}}, "logit_bias.50256"),
        ({"metadata": {"ticket": WIDE}}, "metadata.ticket"),
        ({"extra_body": {"vendor_option": [1, WIDE]}}, "vendor_option[1]"),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi", "vendor": {"x": WIDE}}]}]},
            "messages[0].content[0].vendor.x",
        ),
        (
            {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"maximum": WIDE}}}]},
            "tools[0].function.parameters.maximum",
        ),
        ({"stream": True, "seed": WIDE}, "seed"),
    ],
    ids=["max_tokens", "seed", "negative-seed", "logit_bias", "metadata", "vendor", "part", "tool-schema", "stream"],
)
def test_an_integer_wider_than_64_bits_is_a_bad_request_naming_it(
    upstream: FakeUpstream, client: openai.OpenAI, options: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(**{**CHAT, **options})

    error = assert_openai_error(caught.value.response, 400)
    assert error["param"] == param
    assert "64 bits" in error["message"]
    assert upstream.requests() == []


@pytest.mark.parametrize(
    ("options", "param"),
    [({"input": [[1, WIDE]]}, "input[0][1]"), ({"input": "x", "dimensions": WIDE}, "dimensions")],
    ids=["token-ids", "dimensions"],
)
def test_an_embeddings_integer_wider_than_64_bits_is_a_bad_request_naming_it(
    upstream: FakeUpstream, client: openai.OpenAI, options: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="emb-test", **options)

    assert assert_openai_error(caught.value.response, 400)["param"] == param
    assert upstream.requests() == []


def test_integers_that_fit_in_64_bits_and_long_numbers_in_text_pass_through(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    digits = "12345678901234567890123456789"
    client.chat.completions.create(
        model="gpt-test",
        messages=[{"role": "user", "content": f"My reference is {digits}."}],
        seed=-(2**63),
        extra_body={"vendor_option": WIDEST_FORWARDED},
    )

    sent = upstream.requests()[0]["body"]
    assert (sent["seed"], sent["vendor_option"]) == (-(2**63), WIDEST_FORWARDED)
    assert digits in sent["messages"][0]["content"]


def test_a_wide_integer_in_a_large_body_is_found_too(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    long_history = [{"role": "user", "content": "x" * 1000}] * 40

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-test", messages=long_history, extra_body={"vendor_option": WIDE})

    assert assert_openai_error(caught.value.response, 400)["param"] == "vendor_option"
    assert upstream.requests() == []
