"""How callers ask for guardrails on each surface, read at the edge into ``call.guardrails``.

OpenAI surface: ``x-strata-guardrail: ID[:VERSION][,ID[:VERSION]...]`` or a ``guardrails`` body field
(a string or a list; taken out of the body, so it never reaches an upstream), with
``x-strata-guardrail-trace`` (enabled | enabled_full | disabled) and, for streams,
``x-strata-guardrail-stream-mode`` (sync | async). Bedrock: Converse's ``guardrailConfig``, and
InvokeModel's ``X-Amzn-Bedrock-GuardrailIdentifier`` / ``-GuardrailVersion`` / ``-Trace`` headers.
"""

from __future__ import annotations

from typing import Any, get_args

from gateway.api.asgi_routes import AsgiRequest
from gateway.errors import InvalidRequest
from gateway.guardrails.request import GuardrailRef, GuardrailRequest, StreamMode, Trace, refs
from gateway.services.context import CallContext

_TRACES = get_args(Trace)
_MODES = get_args(StreamMode)


def _choice(value: str | None, allowed: tuple[str, ...], default: str, param: str) -> str:
    if value is None:
        return default
    if value not in allowed:
        raise InvalidRequest(f"{param} must be one of {', '.join(allowed)}, not {value!r}.", param=param)
    return value


def openai_guardrails(call: CallContext, request: AsgiRequest, extra: dict[str, Any] | None) -> None:
    asked = refs(request.header(b"x-strata-guardrail"), "x-strata-guardrail")
    if extra and "guardrails" in extra:
        asked += refs(extra.pop("guardrails"), "guardrails")
    trace = request.header(b"x-strata-guardrail-trace")
    mode = request.header(b"x-strata-guardrail-stream-mode")
    if not asked and trace is None and mode is None:
        return
    chosen = _choice(trace, _TRACES, "enabled_full", "x-strata-guardrail-trace")
    call.guardrails = GuardrailRequest(
        requested=asked,
        trace=chosen,  # type: ignore[arg-type]
        stream_mode=_choice(mode, _MODES, "sync", "x-strata-guardrail-stream-mode"),  # type: ignore[arg-type]
        report=chosen,  # type: ignore[arg-type]
        trace_asked=trace is not None and chosen != "disabled",
    )


def bedrock_config(call: CallContext, config: Any, stream: bool) -> None:
    """Converse's guardrailConfig (validated by the schema): identifier and version both needed."""
    if config is None:
        return
    identifier, version = config.guardrailIdentifier, config.guardrailVersion
    if not identifier or not version:
        raise InvalidRequest(
            "guardrailConfig needs both guardrailIdentifier and guardrailVersion.", param="guardrailConfig"
        )
    mode = getattr(config, "streamProcessingMode", None) if stream else None
    call.guardrails = GuardrailRequest(
        requested=[GuardrailRef.parse(f"{identifier}:{version}", "guardrailConfig.guardrailIdentifier")],
        trace=config.trace or "disabled",
        stream_mode=mode or "sync",
        trace_asked=(config.trace or "disabled") != "disabled",
    )


def invoke_headers(call: CallContext, request: AsgiRequest, body: dict[str, Any] | None = None) -> None:
    """InvokeModel's guardrail headers: an identifier needs a version (as at Bedrock); a stream's
    mode is the body's ``amazon-bedrock-guardrailConfig.streamProcessingMode`` (taken out of it)."""
    mode = _invoke_stream_mode(body)
    identifier = request.header(b"x-amzn-bedrock-guardrailidentifier")
    version = request.header(b"x-amzn-bedrock-guardrailversion")
    if identifier is None and version is None:
        return
    if not identifier or not version:
        raise InvalidRequest(
            "X-Amzn-Bedrock-GuardrailIdentifier and X-Amzn-Bedrock-GuardrailVersion go together.",
            param="guardrailIdentifier",
        )
    trace = (request.header(b"x-amzn-bedrock-trace") or "DISABLED").lower()
    call.guardrails = GuardrailRequest(
        requested=[GuardrailRef.parse(f"{identifier}:{version}", "guardrailIdentifier")],
        trace=trace if trace in ("enabled", "enabled_full") else "disabled",  # type: ignore[arg-type]
        stream_mode=mode,
        trace_asked=trace in ("enabled", "enabled_full"),
    )


def _invoke_stream_mode(body: dict[str, Any] | None) -> StreamMode:
    config = body.pop("amazon-bedrock-guardrailConfig", None) if body is not None else None
    if config is None:
        return "sync"
    value = config.get("streamProcessingMode", "SYNCHRONOUS") if isinstance(config, dict) else None
    if value not in ("SYNCHRONOUS", "ASYNCHRONOUS"):
        raise InvalidRequest(
            "amazon-bedrock-guardrailConfig.streamProcessingMode must be SYNCHRONOUS or ASYNCHRONOUS.",
            param="amazon-bedrock-guardrailConfig",
        )
    return "async" if value == "ASYNCHRONOUS" else "sync"
