"""Titan and Cohere embeddings bodies (InvokeModel) <-> canonical embeddings.

Titan: ``{"inputText": "...", "dimensions": 256, "embeddingTypes": ["float"]}`` ->
``{"embedding": [...], "inputTextTokenCount": n}``. Cohere: ``{"texts": [...], "input_type": ...}``
-> ``{"id", "embeddings": [[...]], "texts", "response_type": "embeddings_floats"}`` (or by type
when ``embedding_types`` is given). Only float embeddings are produced: OpenAI-style upstreams
return floats, and quantising them here would invent a model behaviour.
"""

from __future__ import annotations

import uuid

from gateway.errors import InvalidRequest
from gateway.translate.fields import Json, get, need
from providers.canonical import EmbeddingRequest, EmbeddingResponse

_MAX_COHERE_TEXTS = 96


def is_titan_embedding(body: Json) -> bool:
    """Titan text and Titan embeddings both take ``inputText``; these keys belong only to embeddings."""
    return any(key in body for key in ("dimensions", "normalize", "embeddingTypes", "embeddingConfig"))


def _only_float(types: list[object] | None, field: str) -> None:
    if types and any(t != "float" for t in types):
        raise InvalidRequest(f"Malformed input request: '{field}' supports only \"float\" here.", param=field)


def titan_request(model: str, body: Json) -> EmbeddingRequest:
    text = need(body, "inputText", str)
    if not text:  # Titan's own bound (minLength 1): an empty text has no embedding
        raise InvalidRequest("Malformed input request: inputText must not be empty.", param="inputText")
    _only_float(get(body, "embeddingTypes", list), "embeddingTypes")
    dimensions = get(body, "dimensions", int)
    if dimensions is None:
        return EmbeddingRequest(model=model, input=text)
    if dimensions < 1:
        raise InvalidRequest(f"dimensions must be a positive number, not {dimensions}.", param="dimensions")
    return EmbeddingRequest(model=model, input=text, dimensions=dimensions)


def _floats(response: EmbeddingResponse) -> list[list[float]]:
    vectors = []
    for item in sorted(response.data, key=lambda d: d.index):
        if isinstance(item.embedding, str):
            raise InvalidRequest("The upstream answered with base64 embeddings, which this body cannot carry.")
        vectors.append(item.embedding)
    return vectors


def titan_response(response: EmbeddingResponse, body: Json) -> Json:
    vectors = _floats(response)
    vector = vectors[0] if vectors else []
    out: Json = {"embedding": vector, "inputTextTokenCount": response.usage.prompt_tokens}
    if body.get("embeddingTypes"):
        out["embeddingsByType"] = {"float": vector}
    return out


def cohere_request(model: str, body: Json) -> EmbeddingRequest:
    texts = need(body, "texts", list)
    if not texts or len(texts) > _MAX_COHERE_TEXTS or not all(isinstance(t, str) for t in texts):
        raise InvalidRequest(
            f"Malformed input request: 'texts' must be 1 to {_MAX_COHERE_TEXTS} strings.", param="texts"
        )
    if body.get("images"):
        raise InvalidRequest("Malformed input request: image embeddings are not supported.", param="images")
    _only_float(get(body, "embedding_types", list), "embedding_types")
    truncate = get(body, "truncate", str)
    if truncate is not None and truncate not in ("NONE", "START", "END"):
        raise InvalidRequest("Malformed input request: truncate must be NONE, START or END.", param="truncate")
    if truncate in ("START", "END"):  # NONE, Cohere's default, is every model's default here: a 400
        return EmbeddingRequest(model=model, input=texts, truncate=truncate)
    return EmbeddingRequest(model=model, input=texts)


def cohere_response(response: EmbeddingResponse, body: Json) -> Json:
    vectors = _floats(response)
    out: Json = {"id": str(uuid.uuid4()), "texts": body.get("texts", [])}
    if body.get("embedding_types"):
        out.update(embeddings={"float": vectors}, response_type="embeddings_by_type")
    else:
        out.update(embeddings=vectors, response_type="embeddings_floats")
    return out
