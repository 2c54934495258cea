"""Converse <-> canonical: pure functions, no I/O.

Requests: Bedrock messages of content blocks become OpenAI chat messages. A user turn's
``toolResult`` blocks become ``tool`` messages placed first (OpenAI wants them right after the
assistant's ``tool_calls``), its other blocks a user message after them; an assistant turn's
``toolUse`` blocks become ``tool_calls``. Images go on as data URLs, text documents inline,
binary documents as ``file`` parts. ``additionalModelRequestFields`` pass through to the
upstream as top-level parameters, as Bedrock passes them to the model, except ``n``: Converse
returns one message, so more choices would be paid for and never seen. The conversation's shape
is checked as Bedrock checks it (a user turn first; tool blocks only with a ``toolConfig``).

Responses: the first choice becomes ``output.message``; ``finish_reason`` becomes ``stopReason``.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from pydantic import ValidationError

from gateway.errors import InvalidRequest
from gateway.schemas.bedrock import (
    ContentBlock,
    ConverseMessage,
    ConverseRequest,
    DocumentBlock,
    ImageBlock,
    SystemBlock,
    ToolConfig,
    ToolResultBlock,
)
from providers.canonical import ChatCompletion, ChatCompletionRequest, Choice, Usage

Json = dict[str, Any]

STOP_REASONS = frozenset(
    {
        "end_turn",
        "tool_use",
        "max_tokens",
        "stop_sequence",
        "guardrail_intervened",
        "content_filtered",
        "malformed_model_output",
        "malformed_tool_use",
        "model_context_window_exceeded",
    }
)
_FROM_FINISH = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "content_filtered",
}
_TEXT_DOCUMENTS = frozenset({"txt", "md", "csv", "html"})
_DOCUMENT_MIME = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_RESERVED = frozenset({"model", "messages", "stream", "stream_options", "tools", "tool_choice"})
USER_FIRST = (
    "A conversation must start with a user message. Try again with a conversation that starts with a user message."
)
TOOL_CONFIG_NEEDED = "The toolConfig field must be defined when using toolUse and toolResult content blocks."


# ---------------------------------------------------------------- requests


def converse_to_chat(model: str, body: ConverseRequest, *, stream: bool) -> ChatCompletionRequest:
    """The canonical request for a Converse body addressed to the public model ``model``."""
    if not body.messages:
        raise InvalidRequest("The 'messages' field is required and must not be empty.", param="messages")
    check_conversation(body)
    request: Json = {**_passthrough(body.additionalModelRequestFields), "model": model}
    request["messages"] = system_messages(body.system) + chat_messages(body.messages)
    config = body.inferenceConfig
    if config is not None:
        if config.maxTokens is not None:
            request["max_tokens"] = config.maxTokens
        if config.temperature is not None:
            request["temperature"] = config.temperature
        if config.topP is not None:
            request["top_p"] = config.topP
        if config.stopSequences:
            request["stop"] = config.stopSequences
    if body.toolConfig is not None:
        request.update(tool_parameters(body.toolConfig))
    if stream:
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}  # metadata always carries usage
    return canonical(request)


def canonical(request: Json) -> ChatCompletionRequest:
    """The canonical request, validated once; every translator ends here."""
    if not request.get("messages"):
        raise InvalidRequest("Malformed input request: the request must contain at least one message.")
    try:
        return ChatCompletionRequest.model_validate(request)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidRequest(f"The request cannot be translated for the model: {where}: {first['msg']}.") from None


def check_conversation(body: ConverseRequest) -> None:
    """What Bedrock refuses before any model sees it: a conversation that does not open with the
    user, tool blocks with no tools declared, and more than one choice asked for."""
    first = next((m for m in body.messages if m.role != "system"), None)
    if first is None or first.role != "user":
        raise InvalidRequest(USER_FIRST, param="messages")
    if body.toolConfig is None and _has_tool_blocks(body.messages):
        raise InvalidRequest(TOOL_CONFIG_NEEDED, param="toolConfig")
    choices = (body.additionalModelRequestFields or {}).get("n")
    if choices is not None and (type(choices) is not int or choices != 1):
        raise InvalidRequest(
            "additionalModelRequestFields.n must be 1: Converse returns one message.",
            param="additionalModelRequestFields.n",
        )


def _has_tool_blocks(messages: list[ConverseMessage]) -> bool:
    return any(b.toolUse is not None or b.toolResult is not None for m in messages for b in m.content)


def _passthrough(fields: dict[str, Any] | None) -> Json:
    if not fields:
        return {}
    return {k: v for k, v in fields.items() if k not in _RESERVED}


def system_messages(blocks: list[SystemBlock] | None) -> list[Json]:
    if not blocks:
        return []
    texts = []
    for i, block in enumerate(blocks):
        if block.text is not None:
            texts.append(block.text)
        elif block.guardContent is not None and block.guardContent.text is not None:
            texts.append(block.guardContent.text.text)
        elif block.cachePoint is None:
            raise InvalidRequest(_unsupported(block.member_names(), f"system[{i}]"), param=f"system[{i}]")
    return [{"role": "system", "content": "\n".join(texts)}] if texts else []


def chat_messages(messages: list[ConverseMessage]) -> list[Json]:
    out: list[Json] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not message.content:
            raise InvalidRequest(f"The content field in {where} must not be empty.", param=f"{where}.content")
        if message.role == "assistant":
            out.append(_assistant(message.content, where))
        elif message.role == "system":
            out.append({"role": "system", "content": "".join(b.text or "" for b in message.content)})
        else:
            out.extend(_user(message.content, where))
    return out


def _assistant(blocks: list[ContentBlock], where: str) -> Json:
    texts: list[str] = []
    calls: list[Json] = []
    for j, block in enumerate(blocks):
        if block.text is not None:
            texts.append(block.text)
        elif block.toolUse is not None:
            use = block.toolUse
            arguments = orjson.dumps(use.input if use.input is not None else {}).decode()
            calls.append(
                {"id": use.toolUseId, "type": "function", "function": {"name": use.name, "arguments": arguments}}
            )
        elif block.reasoningContent is None and block.cachePoint is None:
            raise InvalidRequest(_unsupported(block.member_names(), f"{where}.content[{j}]", "an assistant turn"))
    message: Json = {"role": "assistant", "content": "".join(texts) if texts or not calls else None}
    if calls:
        message["tool_calls"] = calls
    return message


def _user(blocks: list[ContentBlock], where: str) -> list[Json]:
    results: list[Json] = []
    parts: list[Json] = []
    for j, block in enumerate(blocks):
        at = f"{where}.content[{j}]"
        if block.text is not None:
            parts.append({"type": "text", "text": block.text})
        elif block.image is not None:
            parts.append(image_part(block.image, at))
        elif block.document is not None:
            parts.append(document_part(block.document, at))
        elif block.toolResult is not None:
            results.append(_tool_result(block.toolResult, at))
        elif block.guardContent is not None and block.guardContent.text is not None:
            parts.append({"type": "text", "text": block.guardContent.text.text})
        elif block.cachePoint is None:
            raise InvalidRequest(_unsupported(block.member_names(), at), param=at)
    if parts:
        only_text = all(p["type"] == "text" for p in parts)
        # separate blocks stay separate: "Summarize:" then "The cat sat." is not "Summarize:The cat sat."
        content: str | list[Json] = "\n".join(p["text"] for p in parts) if only_text else parts
        results.append({"role": "user", "content": content})
    return results


def _tool_result(result: ToolResultBlock, where: str) -> Json:
    pieces: list[str] = []
    for k, item in enumerate(result.content):
        if item.text is not None:
            pieces.append(item.text)
        elif "json_" in item.model_fields_set:
            pieces.append(orjson.dumps(item.json_).decode())
        else:
            at = f"{where}.toolResult.content[{k}]"
            raise InvalidRequest(_unsupported(item.member_names(), at, "a tool result (text and json only)"), param=at)
    text = "\n".join(pieces)
    if result.status == "error":
        text = f"Error: {text}"
    return {"role": "tool", "tool_call_id": result.toolUseId, "content": text}


def image_part(image: ImageBlock, where: str) -> Json:
    if image.source.data is None:
        raise InvalidRequest(f"{where}: only images sent as bytes are supported (no S3 locations).", param=where)
    blob_bytes(image.source.data, f"{where}.image.source.bytes")
    return {"type": "image_url", "image_url": {"url": f"data:image/{image.format};base64,{image.source.data}"}}


def blob_bytes(data: str, where: str) -> bytes:
    """A blob's bytes; what is not base64 (as botocore sends blobs) is the caller's error, not the upstream's."""
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:  # not base64 (binascii.Error), or not ASCII
        raise InvalidRequest(f"{where} must be base64-encoded.", param=where) from None


def document_part(document: DocumentBlock, where: str) -> Json:
    """Text documents inline (every model reads text); binary ones as a ``file`` part for models that take files."""
    source, kind = document.source, document.format or "txt"
    text: str | None = None
    if source.text is not None:
        text = source.text
    elif source.content is not None:
        text = "\n".join(c.text for c in source.content)
    elif source.data is not None and kind in _TEXT_DOCUMENTS:
        try:
            text = base64.b64decode(source.data, validate=True).decode("utf-8")
        except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8 once decoded
            raise InvalidRequest(
                f"{where}: the document's bytes are not base64-encoded UTF-8 text.", param=where
            ) from None
    elif source.data is not None:
        blob_bytes(source.data, f"{where}.document.source.bytes")
        data_url = f"data:{_DOCUMENT_MIME.get(kind, 'application/octet-stream')};base64,{source.data}"
        return {"type": "file", "file": {"filename": f"{document.name}.{kind}", "file_data": data_url}}
    else:
        raise InvalidRequest(f"{where}: only documents sent as bytes or text are supported (no S3 locations).")
    return {"type": "text", "text": f'<document name="{document.name}">\n{text}\n</document>'}


def tool_parameters(config: ToolConfig) -> Json:
    tools = []
    for i, entry in enumerate(config.tools):
        spec = entry.toolSpec
        if spec is None:
            if entry.cachePoint is not None:
                continue
            raise InvalidRequest(_unsupported(entry.member_names(), f"toolConfig.tools[{i}]"))
        function: Json = {"name": spec.name, "parameters": spec.inputSchema.json_ or {"type": "object"}}
        if spec.description:
            function["description"] = spec.description
        if spec.strict is not None:
            function["strict"] = spec.strict
        tools.append({"type": "function", "function": function})
    out: Json = {"tools": tools}
    choice = config.toolChoice
    if choice is not None:
        if choice.tool is not None:
            if choice.tool.name not in {e.toolSpec.name for e in config.tools if e.toolSpec is not None}:
                raise InvalidRequest(
                    f"toolConfig.toolChoice.tool names {choice.tool.name!r}, which is not in toolConfig.tools.",
                    param="toolConfig.toolChoice",
                )
            out["tool_choice"] = {"type": "function", "function": {"name": choice.tool.name}}
        elif choice.any_ is not None:
            out["tool_choice"] = "required"
        elif choice.auto is not None:
            out["tool_choice"] = "auto"
    return out


def _unsupported(members: list[str], where: str, context: str = "this position") -> str:
    name = ", ".join(members) or "an empty block"
    return f"The content at {where} ({name}) is not supported in {context} by this gateway."


# ---------------------------------------------------------------- responses


def stop_reason(
    finish_reason: str | None, matched_stop: object = None, stops: list[str] | None = None, used_tools: bool = False
) -> str:
    """Bedrock's stopReason. A reason that is already Bedrock's (from Strata's own guardrails) passes.
    A message that ends in tool use says ``tool_use`` even when the upstream said "stop" (Ollama and
    vLLM do): agent loops run tools only on ``tool_use``."""
    if finish_reason in STOP_REASONS:
        return finish_reason
    if finish_reason == "stop" and isinstance(matched_stop, str) and stops and matched_stop in stops:
        return "stop_sequence"  # vLLM says which stop string ended the text; OpenAI does not
    reason = _FROM_FINISH.get(finish_reason or "stop", "end_turn")
    return "tool_use" if reason == "end_turn" and used_tools else reason


def token_usage(usage: Usage | None) -> Json:
    if usage is None:
        return {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}
    out: Json = {
        "inputTokens": usage.prompt_tokens,
        "outputTokens": usage.completion_tokens,
        "totalTokens": usage.prompt_tokens + usage.completion_tokens,
    }
    details = usage.prompt_tokens_details
    if details is not None and details.cached_tokens:
        out["cacheReadInputTokens"] = details.cached_tokens
    return out


def tool_input(arguments: str) -> Any:
    """A tool call's arguments as the JSON document Bedrock sends; unparsable text stays a string."""
    try:
        return orjson.loads(arguments) if arguments else {}
    except orjson.JSONDecodeError:
        return arguments


def output_message(choice: Choice | None) -> tuple[Json, str]:
    if choice is None:
        return {"role": "assistant", "content": [{"text": ""}]}, "end_turn"
    message = choice.message
    content: list[Json] = [{"text": message.content}] if message.content else []
    for call in message.tool_calls or ():
        use = {"toolUseId": call.id, "name": call.function.name, "input": tool_input(call.function.arguments)}
        content.append({"toolUse": use})
    if not content:
        content.append({"text": message.refusal or ""})
    return {"role": "assistant", "content": content}, choice.finish_reason or "stop"


def chat_to_converse(
    completion: ChatCompletion, latency_ms: int, stops: list[str] | None = None, trace: Json | None = None
) -> Json:
    choice = completion.choices[0] if completion.choices else None
    message, finish = output_message(choice)
    matched = getattr(choice, "stop_reason", None) if choice is not None else None
    out: Json = {
        "output": {"message": message},
        "stopReason": stop_reason(finish, matched, stops, any("toolUse" in block for block in message["content"])),
        "usage": token_usage(completion.usage),
        "metrics": {"latencyMs": latency_ms},
    }
    if trace:
        out["trace"] = trace
    return out
