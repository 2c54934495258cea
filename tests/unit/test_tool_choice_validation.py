"""A tool choice that names no tool of the request is refused, as Bedrock and Anthropic refuse it,
rather than sent upstream to fail there (or to be ignored)."""

from __future__ import annotations

import pytest

from gateway.errors import InvalidRequest
from gateway.schemas.bedrock import ConverseRequest
from gateway.translate.anthropic_messages import to_chat
from gateway.translate.bedrock_converse import converse_to_chat

TOOL = {"toolSpec": {"name": "weather", "inputSchema": {"json": {"type": "object"}}}}


def test_converse_refuses_a_tool_choice_naming_an_unknown_tool() -> None:
    body = ConverseRequest.model_validate(
        {
            "messages": [{"role": "user", "content": [{"text": "hi"}]}],
            "toolConfig": {"tools": [TOOL], "toolChoice": {"tool": {"name": "stocks"}}},
        }
    )
    with pytest.raises(InvalidRequest, match="stocks"):
        converse_to_chat("m", body, stream=False)


def test_converse_accepts_a_tool_choice_naming_one_of_its_tools() -> None:
    body = ConverseRequest.model_validate(
        {
            "messages": [{"role": "user", "content": [{"text": "hi"}]}],
            "toolConfig": {"tools": [TOOL], "toolChoice": {"tool": {"name": "weather"}}},
        }
    )
    assert converse_to_chat("m", body, stream=False).tool_choice is not None


def test_messages_refuses_a_tool_choice_naming_an_unknown_tool() -> None:
    body = {
        "model": "m",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "weather", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "tool", "name": "stocks"},
    }
    with pytest.raises(InvalidRequest, match="stocks"):
        to_chat(body)
    assert to_chat({**body, "tool_choice": {"type": "tool", "name": "weather"}}).tool_choice is not None
