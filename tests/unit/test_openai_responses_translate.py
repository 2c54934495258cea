"""Responses API bodies to the canonical chat form and back: pure translation, checked against the
openai SDK's own response model."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.responses import Response as SdkResponse

from gateway.errors import InvalidRequest
from gateway.schemas.responses import ResponsesRequest
from gateway.translate.openai_responses import responses_to_chat
from gateway.translate.openai_responses_output import (
    assistant_message,
    finished,
    input_items,
    output_items,
    response_usage,
    skeleton,
)
from providers.canonical import AssistantMessage, ChatCompletionRequest, FunctionCall, ToolCall, Usage

WEATHER = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}


def chat(body: dict[str, Any], history: list[dict[str, Any]] | None = None, stream: bool = False) -> dict[str, Any]:
    turn = responses_to_chat(ResponsesRequest.model_validate({"model": "m", **body}), history or [], stream=stream)
    assert isinstance(turn.request, ChatCompletionRequest)
    return turn.request.model_dump(exclude_unset=True, exclude_none=True)


def refused(body: dict[str, Any]) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        chat(body)
    assert caught.value.status == 400
    return caught.value


def test_a_string_input_is_one_user_message_after_the_instructions_and_the_history() -> None:
    history = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "reply"}]
    turn = responses_to_chat(ResponsesRequest(model="m", input="now", instructions="Be brief."), history, stream=False)
    messages = [m.model_dump(exclude_none=True) for m in turn.request.messages]
    assert messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "earlier"},
        {"role": "assistant", "content": "reply"},
        {"role": "user", "content": "now"},
    ]
    assert turn.first == 1  # the conversation starts after the instructions, which are not kept


def test_message_items_keep_roles_parts_and_images() -> None:
    body = {
        "input": [
            {"role": "developer", "content": "Rules."},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is this?"},
                    {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
                ],
            },
            {"role": "assistant", "content": [{"type": "output_text", "text": "A cat."}]},
        ]
    }
    assert chat(body)["messages"] == [
        {"role": "system", "content": "Rules."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
            ],
        },
        {"role": "assistant", "content": "A cat."},
    ]


def test_function_calls_join_the_assistant_message_before_them_and_outputs_become_tool_messages() -> None:
    body = {
        "input": [
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": "Checking."},
            {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": '{"city":"Paris"}'},
            {"type": "function_call", "call_id": "c2", "name": "get_weather", "arguments": '{"city":"Rome"}'},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
            {"type": "function_call_output", "call_id": "c2", "output": [{"type": "input_text", "text": "rain"}]},
        ]
    }
    messages = chat(body)["messages"]
    assert messages[1] == {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
            {"id": "c2", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'}},
        ],
    }
    assert messages[2:] == [
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "c2", "content": "rain"},
    ]


def test_a_function_call_with_no_message_before_it_is_an_assistant_message_of_its_own() -> None:
    body = {"input": [{"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}]}
    assert chat(body)["messages"] == [
        {
            "role": "assistant",
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        }
    ]


def test_parameters_tools_and_formats_map_to_chat() -> None:
    body = {
        "input": "hi",
        "max_output_tokens": 50,
        "temperature": 0.2,
        "top_p": 0.9,
        "user": "u1",
        "tools": [{**WEATHER, "description": "Weather.", "strict": True}],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "parallel_tool_calls": False,
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": True}},
        "reasoning": {"effort": "low"},
    }
    request = chat(body, stream=True)
    assert request["max_tokens"] == 50 and request["temperature"] == 0.2 and request["top_p"] == 0.9
    assert request["user"] == "u1" and request["parallel_tool_calls"] is False
    assert request["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather.",
                "parameters": WEATHER["parameters"],
                "strict": True,
            },
        }
    ]
    assert request["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert request["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
    }
    assert request["reasoning_effort"] == "low"
    assert request["stream"] is True and request["stream_options"] == {"include_usage": True}


def test_json_object_and_text_formats() -> None:
    assert chat({"input": "x", "text": {"format": {"type": "json_object"}}})["response_format"] == {
        "type": "json_object"
    }
    assert "response_format" not in chat({"input": "x", "text": {"format": {"type": "text"}}})


def test_vendor_parameters_pass_on_but_responses_only_ones_and_strata_own_do_not() -> None:
    request = chat(
        {
            "input": "x",
            "top_k": 5,
            "include": ["reasoning.encrypted_content"],
            "truncation": "disabled",
            "store": True,
            "metadata": {"a": "b"},
            "previous_response_id": "resp_1",
        }
    )
    assert request["top_k"] == 5
    assert not {"include", "truncation", "store", "metadata", "previous_response_id"} & set(request)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": "x", "tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"input": "x", "tools": [{"type": "function"}]}, "tools[0].name"),
        ({"input": "x", "background": True}, "background"),
        ({"input": "x", "conversation": "conv_1"}, "conversation"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0]"),
        ({"input": [{"type": "computer_call_output"}]}, "input[0].type"),
        ({"input": [{"type": "function_call", "name": "f", "arguments": "{}"}]}, "input[0].call_id"),
        ({"input": [{"type": "function_call_output", "call_id": "c"}]}, "input[0].output"),
        ({"input": [{"role": "robot", "content": "x"}]}, "input[0].role"),
        ({"input": [{"role": "user", "content": 5}]}, "input[0].content"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]},
            "input[0].content[0].type",
        ),
        (
            {"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "f"}]}]},
            "input[0].content[0].image_url",
        ),
        (
            {"input": [{"role": "system", "content": [{"type": "input_image", "image_url": "u"}]}]},
            "input[0].content[0].type",
        ),
        ({"input": [{"type": "reasoning"}]}, "input"),
        ({"input": "x", "tool_choice": "sometimes"}, "tool_choice"),
        ({"input": "x", "tool_choice": {"type": "file_search"}}, "tool_choice"),
        ({"input": "x", "text": {"format": {"type": "yaml"}}}, "text.format.type"),
        ({"input": "x", "text": {"format": {"type": "json_schema", "name": "n"}}}, "text.format.schema"),
    ],
)
def test_what_cannot_be_translated_is_a_400_naming_the_parameter(body: dict[str, Any], param: str) -> None:
    assert refused(body).param == param


def test_a_complete_answer_is_a_response_the_sdk_accepts() -> None:
    body = ResponsesRequest(model="m", input="hi", tools=[WEATHER], metadata={"k": "v"})
    message = AssistantMessage(
        content="Let me check.",
        tool_calls=[ToolCall(id="call_1", function=FunctionCall(name="get_weather", arguments='{"city":"Oslo"}'))],
    )
    usage = Usage(prompt_tokens=7, completion_tokens=3, total_tokens=10)
    output = output_items(message, "tool_calls")
    response = finished(skeleton(body, "resp_1", 1700000000, True), "m", output, "tool_calls", response_usage(usage))

    parsed = SdkResponse.model_validate(response)
    assert parsed.status == "completed" and parsed.output_text == "Let me check."
    call = parsed.output[1]
    assert call.type == "function_call" and call.call_id == "call_1" and call.arguments == '{"city":"Oslo"}'
    assert parsed.usage is not None and (parsed.usage.input_tokens, parsed.usage.output_tokens) == (7, 3)
    assert parsed.metadata == {"k": "v"} and response["store"] is True
    assert assistant_message(output) == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}}
        ],
    }


def test_a_cut_answer_is_incomplete_and_a_refusal_is_a_refusal_part() -> None:
    body = ResponsesRequest(model="m", input="hi")
    cut = finished(
        skeleton(body, "r", 1, False), "m", output_items(AssistantMessage(content="Hel"), "length"), "length", None
    )
    parsed = SdkResponse.model_validate(cut)
    assert parsed.status == "incomplete" and parsed.incomplete_details is not None
    assert parsed.incomplete_details.reason == "max_output_tokens" and parsed.output[0].status == "incomplete"

    [item] = output_items(AssistantMessage(refusal="I can't help with that."), "stop")
    assert item["content"] == [{"type": "refusal", "refusal": "I can't help with that."}]


def test_input_items_are_listed_with_ids() -> None:
    items = input_items(
        [{"role": "user", "content": "hi"}, {"type": "function_call_output", "call_id": "c", "output": "x"}]
    )
    assert items[0]["content"] == [{"type": "input_text", "text": "hi"}] and items[0]["id"].startswith("msg_")
    assert items[1]["id"].startswith("fco_") and items[1]["type"] == "function_call_output"
    assert input_items("hello")[0]["role"] == "user"
