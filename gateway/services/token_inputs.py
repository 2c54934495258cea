"""Embeddings input given as token ids, turned into the text it stands for where that is needed.

LangChain's ``OpenAIEmbeddings`` (and others following OpenAI's cookbook) tokenizes with tiktoken
and sends ``input: [[15339, 1917]]``: ids of the encoding tiktoken picks for the model name it was
given, cl100k_base for a name tiktoken does not know. Those ids mean text only in that encoding,
so a deployment that takes token ids as they are (OpenAI's own models: ``Capabilities.token_inputs``)
gets them untouched, and every other one (a local model, a vendor behind litellm, an upstream with
another tokenizer) gets the text they decode to, by that same encoding. Decoding them with the
model's own tokenizer would embed other words. Guardrails read text, so a guarded call is decoded
too. Without tiktoken's encoding at hand the call is refused (400), never embedded as garbage.
"""

from __future__ import annotations

from gateway.errors import InvalidRequest
from gateway.services.catalog import PublicModel
from providers.canonical import EmbeddingRequest
from providers.tokens import client_encoding


def token_ids(request: EmbeddingRequest) -> list[list[int]] | None:
    """The input's token arrays (one or several), or None when it is text."""
    given = request.input
    if isinstance(given, str) or not given:
        return None
    first = given[0]
    if isinstance(first, int):
        return [given]  # type: ignore[list-item]  # the union's list[int] branch
    if isinstance(first, list):
        return given  # type: ignore[return-value]  # the union's list[list[int]] branch
    return None


def as_text(request: EmbeddingRequest, model: PublicModel, guarded: bool) -> None:
    """Replace token-id input by its text (in place) unless every deployment takes ids and no guardrail reads it."""
    arrays = token_ids(request)
    if arrays is None or (model.capabilities.token_inputs and not guarded):
        return
    encoding = client_encoding(request.model)
    if encoding is None:
        raise InvalidRequest(
            f"The model '{model.name}' takes text, and token ids cannot be decoded here (tiktoken's encodings "
            "are not installed): send the input as text.",
            param="input",
        )
    texts = []
    for index, ids in enumerate(arrays):
        if not ids:
            raise InvalidRequest(f"input[{index}] is an empty list of token ids.", param="input")
        try:
            texts.append(encoding.decode(ids, errors="replace"))
        except (KeyError, ValueError, OverflowError):
            raise InvalidRequest(
                f"input[{index}] holds a token id that is not in the tokenizer's vocabulary.", param="input"
            ) from None
    request.input = texts  # one text per array: the answer's embeddings keep their indexes
