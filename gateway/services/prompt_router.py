"""Prompt routing: send each request to a cheaper or a stronger model by its estimated difficulty.

The estimate is cheap and local: prompt length, structure (code, lists, maths, many turns),
wording that asks for reasoning, and whether tools or a schema are involved. When the router
names an embeddings model, a nearest-centroid classifier over embeddings of a few labelled
example prompts is blended in. Difficulty at or above the threshold goes to the strong model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Sequence

from gateway.config.routing import PromptRouter
from gateway.errors import StrataError
from gateway.logs import LOG
from providers.canonical import ChatCompletionRequest
from providers.errors import ProviderError

Embed = Callable[[str, list[str]], Awaitable[list[list[float]]]]

_REASONING = re.compile(
    r"\b(prove|proof|derive|step[- ]by[- ]step|analy[sz]e|explain why|trade-?offs?|optimi[sz]e|design|"
    r"architecture|refactor|debug|algorithm|complexity|theorem|compare|evaluate|critique|plan)\b",
    re.IGNORECASE,
)
_MATH = re.compile(r"(\\frac|\\sum|\\int|[=<>]\s*\d|\d\s*[*/^]\s*\d|∑|∫|√)")
_CODE = re.compile(r"```|\bdef |\bclass |\bfunction\b|;\s*$|\{\s*$", re.MULTILINE)
_LIST = re.compile(r"^\s*(\d+[.)]|[-*])\s+", re.MULTILINE)

HARD_EXAMPLES = (
    "Prove that there are infinitely many primes and explain each step.",
    "Design a distributed rate limiter for a multi-region API and discuss the trade-offs.",
    "Refactor this code to remove the race condition and explain why it happens.",
    "Derive the gradient of the softmax cross-entropy loss.",
    "Compare three database isolation levels with examples of anomalies each allows.",
    "Write an algorithm that finds the longest palindromic substring in linear time and analyse it.",
)
EASY_EXAMPLES = (
    "Hi, how are you?",
    "What is the capital of France?",
    "Translate 'good morning' into Spanish.",
    "Give me a synonym for happy.",
    "What time zone is London in?",
    "Say hello in five words.",
)


def _prompt_text(request: ChatCompletionRequest) -> str:
    return "\n".join(m.text() for m in request.messages if m.role in ("user", "system", "developer"))


def heuristic_difficulty(request: ChatCompletionRequest) -> float:
    """A 0..1 estimate from the request's shape alone (no model call)."""
    text = _prompt_text(request)
    tokens = len(text) / 4
    length = min(1.0, math.log1p(tokens) / math.log1p(1500))
    structure = min(
        1.0,
        0.4 * bool(_CODE.search(text))
        + 0.3 * bool(_MATH.search(text))
        + 0.2 * (len(_LIST.findall(text)) >= 3)
        + 0.2 * (len(request.messages) > 6),
    )
    reasoning = min(1.0, 0.45 * len(_REASONING.findall(text)))
    tooling = 0.5 * bool(request.tools) + 0.5 * bool(
        request.response_format and request.response_format.type == "json_schema"
    )
    return min(1.0, 0.35 * length + 0.25 * structure + 0.3 * reasoning + 0.1 * tooling)


def _normalise(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _centroid(vectors: list[list[float]]) -> list[float]:
    return _normalise([sum(column) / len(vectors) for column in zip(*vectors, strict=True)])


class PromptRouterService:
    def __init__(self, embed: Embed | None = None) -> None:
        self._embed = embed
        self._centroids: dict[str, tuple[list[float], list[float]]] = {}

    async def _classifier_score(self, router: PromptRouter, text: str) -> float | None:
        if router.embedding_model is None or self._embed is None:
            return None
        centroids = self._centroids.get(router.embedding_model)
        if centroids is None:
            vectors = await self._embed(router.embedding_model, [*HARD_EXAMPLES, *EASY_EXAMPLES])
            hard, easy = vectors[: len(HARD_EXAMPLES)], vectors[len(HARD_EXAMPLES) :]
            centroids = self._centroids[router.embedding_model] = (_centroid(hard), _centroid(easy))
        (vector,) = await self._embed(router.embedding_model, [text[:4000]])
        unit = _normalise(vector)
        margin = sum(a * b for a, b in zip(unit, centroids[0], strict=True)) - sum(
            a * b for a, b in zip(unit, centroids[1], strict=True)
        )
        return 1.0 / (1.0 + math.exp(-12.0 * margin))

    async def difficulty(self, router: PromptRouter, request: ChatCompletionRequest) -> float:
        estimate = heuristic_difficulty(request)
        try:
            learned = await self._classifier_score(router, _prompt_text(request))
        except (ProviderError, StrataError) as exc:  # the embeddings model is down: the heuristic decides
            LOG.warning("prompt router classifier unavailable", extra={"fields": {"error": str(exc)}})
            learned = None
        return estimate if learned is None else 0.5 * estimate + 0.5 * learned

    async def choose(self, router: PromptRouter, request: ChatCompletionRequest) -> str:
        """The model that should answer: strong at or above the threshold, cheap below it."""
        return router.strong if await self.difficulty(router, request) >= router.threshold else router.cheap
