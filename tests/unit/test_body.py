"""Request bodies the edge refuses, with messages that say which parameter is wrong and how."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.api.body import parse_json, validation_message
from gateway.errors import InvalidRequest
from providers.canonical import ChatCompletionRequest, EmbeddingRequest


def _refusal(body: bytes) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse_json(ChatCompletionRequest, body)
    assert caught.value.status == 400 and caught.value.type == "invalid_request_error"
    return caught.value


def test_valid_body_parses() -> None:
    request = parse_json(ChatCompletionRequest, b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}')
    assert request.model == "m"


def test_empty_body() -> None:
    error = _refusal(b"")
    assert error.message == "The request body is empty; send a JSON object."
    assert error.param is None


@pytest.mark.parametrize("body", [b"{bad", b'{"model": "m",', b"\xff\xfe", b"nul"])
def test_invalid_json(body: bytes) -> None:
    error = _refusal(body)
    assert error.message.startswith("We could not parse the JSON body of your request. The body must be valid JSON (")
    assert error.param is None


def test_missing_field() -> None:
    error = _refusal(b'{"messages": [{"role": "user", "content": "hi"}]}')
    assert (error.message, error.param) == ("Missing required parameter: 'model'.", "model")


def test_missing_nested_field() -> None:
    error = _refusal(b'{"model": "m", "messages": [{"content": "hi"}]}')
    assert (error.message, error.param) == ("Missing required parameter: 'messages[0].role'.", "messages[0].role")


def test_wrong_type_names_the_param_path() -> None:
    error = _refusal(b'{"model": "m", "messages": [{"role": "robot", "content": "hi"}]}')
    assert error.param == "messages[0].role"
    assert error.message.startswith("Invalid value for 'messages[0].role': Input should be 'system', ")


def test_out_of_range_value() -> None:
    error = _refusal(b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 3}')
    assert error.param == "temperature"
    assert error.message == "Invalid value for 'temperature': Input should be less than or equal to 2."


def test_empty_messages() -> None:
    error = _refusal(b'{"model": "m", "messages": []}')
    assert error.param == "messages"
    assert error.message.startswith("Invalid value for 'messages': List should have at least 1 item")


def test_deep_path_into_tools() -> None:
    body = b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": [{"function": {}}]}'
    error = _refusal(body)
    assert (error.param, error.message) == (
        "tools[0].function.name",
        "Missing required parameter: 'tools[0].function.name'.",
    )


def test_more_problems_are_counted() -> None:
    error = _refusal(b'{"messages": [], "temperature": 9}')
    assert error.message.endswith("(and 2 more problems)")


def test_union_branch_names_do_not_leak_into_the_param_path() -> None:
    # Regression: pydantic names union branches in the error location ("str", "list[ContentPart]");
    # the plain "str" branch once leaked into the param as "messages[0].content.str".
    error = _refusal(b'{"model": "m", "messages": [{"role": "user", "content": 5}]}')
    assert error.param == "messages[0].content"
    stop = _refusal(b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "stop": 5}')
    assert stop.param == "stop"


def test_tool_choice_branch_names_do_not_leak() -> None:
    error = _refusal(b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "tool_choice": 5}')
    assert error.param == "tool_choice"


def test_body_that_is_not_an_object() -> None:
    # Regression: a top-level error has an empty location and once read "Invalid value for 'None'".
    error = _refusal(b"[1, 2]")
    assert error.param is None
    assert "'None'" not in error.message
    assert "object" in error.message


def test_validation_message_works_for_other_models() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_json(EmbeddingRequest, b'{"input": "x"}')
    assert caught.value.message == "Missing required parameter: 'model'."


def test_validation_message_directly() -> None:
    with pytest.raises(ValidationError) as caught:
        ChatCompletionRequest.model_validate({"model": "m", "messages": [{"role": "user"}], "n": 0})
    assert validation_message(caught.value) == (
        "Invalid value for 'n': Input should be greater than or equal to 1.",
        "n",
    )
