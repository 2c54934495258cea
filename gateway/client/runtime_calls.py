"""The runtime calls as data (``Call``): what to send where, and how to read the answer.

Pure functions, shared by the sync and async clients. Converse and CountTokens go through
Strata's Bedrock surface with the bearer key (the gateway takes one over plain HTTP, where
botocore insists on HTTPS for bearer tokens and SigV4 signing would need AWS's libraries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from gateway.client.errors import GuardrailIntervened
from gateway.client.transport import Call
from gateway.client.types import ChatCompletion, ConverseResponse, Embeddings, GuardrailCheck, Model

Messages = Sequence[Mapping[str, Any]]


def list_models() -> Call[list[Model]]:
    return Call("GET", "/v1/models", lambda body: [Model.model_validate(m) for m in body["data"]])


def get_model(model: str) -> Call[Model]:
    return Call("GET", f"/v1/models/{quote(model, safe='')}", Model.model_validate)


def chat_body(model: str, messages: Messages, params: Mapping[str, Any], stream: bool) -> dict[str, Any]:
    body = {"model": model, "messages": list(messages), **params}
    if stream:
        body["stream"] = True
    else:
        body.pop("stream", None)
    return body


def chat(model: str, messages: Messages, params: Mapping[str, Any], raise_on_guardrail: bool) -> Call[ChatCompletion]:
    def parse(body: Any) -> ChatCompletion:
        completion = ChatCompletion.model_validate(body)
        report = completion.strata_guardrail
        if raise_on_guardrail and report is not None and report.blocked:
            raise GuardrailIntervened(
                f"A guardrail blocked the call ({', '.join(report.policies) or 'no policy named'}).",
                assessment=report,
                output=completion.text,
                response=completion,
                code="guardrail_intervened",
            )
        return completion

    return Call("POST", "/v1/chat/completions", parse, chat_body(model, messages, params, stream=False))


def chat_stream(model: str, messages: Messages, params: Mapping[str, Any]) -> Call[None]:
    return Call("POST", "/v1/chat/completions", lambda _: None, chat_body(model, messages, params, stream=True))


def embed(model: str, inputs: str | Sequence[str], params: Mapping[str, Any]) -> Call[Embeddings]:
    body = {"model": model, "input": inputs if isinstance(inputs, str) else list(inputs), **params}
    return Call("POST", "/v1/embeddings", Embeddings.model_validate, body)


# ---------------------------------------------------------------- Bedrock's shape


def _blocks(content: Any) -> Any:
    return [{"text": content}] if isinstance(content, str) else content


def converse_body(
    messages: Messages, system: str | Sequence[Mapping[str, Any]] | None, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Converse's body. Bedrock's shape as it is; for convenience a message's ``content`` may be a
    string, and OpenAI-style ``system`` messages join ``system``."""
    blocks = list(_blocks(system) or [])
    turns = []
    for message in messages:
        if message.get("role") == "system":
            blocks += _blocks(message.get("content"))
        else:
            turns.append({**message, "content": _blocks(message.get("content"))})
    body: dict[str, Any] = {"messages": turns, **{k: v for k, v in fields.items() if v is not None}}
    if blocks:
        body["system"] = blocks
    return body


def _model_path(model: str, operation: str) -> str:
    return f"/model/{quote(model, safe='')}/{operation}"


def converse(model: str, body: dict[str, Any], raise_on_guardrail: bool) -> Call[ConverseResponse]:
    def parse(found: Any) -> ConverseResponse:
        answer = ConverseResponse.model_validate(found)
        if raise_on_guardrail and answer.stopReason == "guardrail_intervened":
            raise GuardrailIntervened(
                "A guardrail blocked the call.",
                assessment=(answer.trace or {}).get("guardrail"),
                output=answer.text,
                response=answer,
                code="guardrail_intervened",
            )
        return answer

    return Call("POST", _model_path(model, "converse"), parse, body)


def converse_stream(model: str, body: dict[str, Any]) -> Call[None]:
    return Call("POST", _model_path(model, "converse-stream"), lambda _: None, body)


def count_tokens(model: str, body: dict[str, Any]) -> Call[int]:
    converse_input = {k: v for k, v in body.items() if k in ("messages", "system", "toolConfig")}
    wrapped = {"input": {"converse": converse_input}}
    return Call("POST", _model_path(model, "count-tokens"), lambda found: int(found["inputTokens"]), wrapped)


def apply_guardrail(
    guardrail: str, text: str | Sequence[str], version: str | None, source: str, output_scope: str
) -> Call[GuardrailCheck]:
    body = {
        "guardrail": f"{guardrail}:{version}" if version else guardrail,
        "source": source,
        "text": text if isinstance(text, str) else list(text),
        "output_scope": output_scope,
    }
    return Call("POST", "/v1/guardrails/apply", GuardrailCheck.model_validate, body)
