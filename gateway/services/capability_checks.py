"""What a model can do, checked before any quota is taken or deployment called.

A request asking for something no deployment of the model declares (``providers.base.Capabilities``)
is refused with a 400 naming the parameter, rather than answered without it: a back-end that
silently drops tools, logprobs or an image answers a different question than the one asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.errors import InvalidRequest
from gateway.guardrails.compiled import CompiledGuardrail
from gateway.services.catalog import PublicModel
from providers.canonical import ChatCompletionRequest


def check_chat(model: PublicModel, request: ChatCompletionRequest) -> None:
    caps = model.capabilities
    if not caps.chat:
        raise InvalidRequest(f"The model '{model.name}' does not support chat completions.", param="model")
    if request.tools and request.tool_choice != "none" and not caps.tools:
        raise InvalidRequest(f"The model '{model.name}' does not support tools.", param="tools")
    if not caps.logprobs and request.wants_logprobs():
        param = "logprobs" if request.logprobs else "top_logprobs"
        raise InvalidRequest(f"The model '{model.name}' does not return logprobs.", param=param)
    if not caps.vision and has_images(request):
        raise InvalidRequest(
            f"The model '{model.name}' does not take images; send text only, or use a model with vision.",
            param="messages",
        )


def has_images(request: ChatCompletionRequest) -> bool:
    """An image part in any message (text-only messages, the common case, cost one type check each)."""
    for message in request.messages:
        content = message.content
        if isinstance(content, list) and any(part.type == "image_url" for part in content):
            return True
    return False


def check_logprobs_guarded(request: ChatCompletionRequest, guardrails: Sequence[CompiledGuardrail]) -> None:
    """Logprobs carry the answer's tokens as the model wrote them, which output guardrails may mask
    or block: with such guardrails they are refused, never returned beside a masked answer."""
    if request.wants_logprobs() and any(g.output_checks for g in guardrails):
        raise InvalidRequest(
            "logprobs are not returned when output guardrails apply: they would show the text the guardrails check.",
            param="logprobs" if request.logprobs else "top_logprobs",
        )
