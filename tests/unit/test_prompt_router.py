"""The prompt router's difficulty estimate and its choice between a strong and a cheap model."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from gateway.config.routing import PromptRouter
from gateway.services.prompt_router import EASY_EXAMPLES, HARD_EXAMPLES, PromptRouterService, heuristic_difficulty
from providers.canonical import ChatCompletionRequest
from providers.errors import ProviderUnavailable

GREETING = "Hi there! How are you today?"
NEUTRAL = "The weather was mild and the walk along the river took most of the afternoon."
CODE = "```python\ndef merge(a, b):\n    return sorted(a + b)\n```"


def hard_prompt() -> str:
    """Several hundred words, code, maths and reasoning words: what a strong model is for."""
    filler = " ".join([NEUTRAL] * 20)
    return (
        "Prove step by step that the merge below is correct, then analyse its complexity and "
        "compare it with a heap-based algorithm. Explain why each invariant holds.\n"
        f"{CODE}\nAssume n = 10 and that 2 * 3 = 6.\n{filler}\n"
        "1. State the invariant.\n2. Prove it.\n3. Derive the bound.\n"
    )


def request(*texts: str, role: str = "user", **extra: Any) -> ChatCompletionRequest:
    messages = [{"role": role, "content": text} for text in texts]
    return ChatCompletionRequest.model_validate({"model": "auto", "messages": messages, **extra})


def difficulty(*texts: str, **extra: Any) -> float:
    return heuristic_difficulty(request(*texts, **extra))


# ---------------------------------------------------------------- the heuristic


def test_a_greeting_is_easy_and_a_long_reasoning_prompt_with_code_is_hard() -> None:
    assert difficulty(GREETING) < 0.2
    assert difficulty(hard_prompt()) >= 0.6
    assert len(hard_prompt().split()) >= 300


@pytest.mark.parametrize("example", EASY_EXAMPLES)
def test_the_classifiers_easy_examples_score_below_its_hard_ones(example: str) -> None:
    assert difficulty(example) < min(difficulty(hard) for hard in HARD_EXAMPLES)


def test_an_empty_prompt_scores_zero() -> None:
    assert difficulty("") == 0.0


def test_only_the_callers_text_counts_not_the_assistants() -> None:
    long_answer = " ".join([NEUTRAL] * 50) + " prove derive analyse"
    with_answer = ChatCompletionRequest.model_validate(
        {
            "model": "auto",
            "messages": [
                {"role": "user", "content": GREETING},
                {"role": "assistant", "content": long_answer},
            ],
        }
    )
    assert heuristic_difficulty(with_answer) == difficulty(GREETING)


def test_system_prompts_count() -> None:
    with_system = ChatCompletionRequest.model_validate(
        {
            "model": "auto",
            "messages": [{"role": "system", "content": hard_prompt()}, {"role": "user", "content": GREETING}],
        }
    )
    assert heuristic_difficulty(with_system) > difficulty(GREETING) + 0.3


def test_longer_prompts_are_never_easier_and_length_alone_saturates() -> None:
    scores = [difficulty(" ".join([NEUTRAL] * n)) for n in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)]
    assert scores == sorted(scores)
    assert scores[0] < scores[4] < scores[7], "strictly harder while short"
    assert scores[-1] == scores[-2] == pytest.approx(0.35), "length alone is worth at most 0.35"


def test_appending_lines_never_makes_a_prompt_easier() -> None:
    # Whole lines: a line ending in "{" or ";" reads as code, so words added to it could change that.
    rng = random.Random(8)
    words = [*NEUTRAL.split(), "prove", "derive", "step by step", "=", "5", "def", "{", "1.", "-", "∑", "plan", ";"]
    for _ in range(30):
        text = ""
        score = difficulty(text)
        for _ in range(rng.randint(5, 120)):
            text += "\n" + " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
            new = difficulty(text)
            assert new >= score, text
            score = new


@pytest.mark.parametrize(
    ("feature", "extra"),
    [
        (f"Here is some code:\n{CODE}", {}),
        (r"Simplify \frac{a}{b} where a = 3", {}),
        ("Do these:\n1. one\n2. two\n3. three", {}),
        ("Prove it and derive the result step by step", {}),
        ("", {"tools": [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]}),
        ("", {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}}),
    ],
    ids=["code", "maths", "list", "reasoning", "tools", "json-schema"],
)
def test_each_feature_raises_the_estimate(feature: str, extra: dict[str, Any]) -> None:
    base = "Please look at this for me."
    assert difficulty(f"{base}\n{feature}", **extra) > difficulty(base)


def test_many_turns_raise_the_estimate() -> None:
    assert difficulty(*["ok"] * 7) > difficulty(*["ok"] * 6)


def test_everything_at_once_stays_within_one() -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
    huge = hard_prompt() * 20 + " prove derive analyse design plan" * 10
    score = difficulty(*[huge] * 8, tools=tools, response_format=schema)
    assert 0.95 <= score <= 1.0


# ---------------------------------------------------------------- the choice


ROUTER = PromptRouter(strong="big", cheap="small", threshold=0.5)


def choose(router: PromptRouter, req: ChatCompletionRequest, service: PromptRouterService | None = None) -> str:
    return asyncio.run((service or PromptRouterService()).choose(router, req))


def test_the_choice_follows_the_threshold() -> None:
    assert choose(ROUTER, request(GREETING)) == "small"
    assert choose(ROUTER, request(hard_prompt())) == "big"


def test_threshold_zero_always_picks_strong_and_one_almost_never() -> None:
    always = PromptRouter(strong="big", cheap="small", threshold=0.0)
    never = PromptRouter(strong="big", cheap="small", threshold=1.0)
    assert choose(always, request("")) == "big"
    assert choose(never, request(hard_prompt())) == "small"


def test_a_difficulty_exactly_at_the_threshold_goes_to_strong() -> None:
    req = request(hard_prompt())
    at = PromptRouter(strong="big", cheap="small", threshold=heuristic_difficulty(req))
    assert choose(at, req) == "big"


# ---------------------------------------------------------------- the embedding classifier


class FakeEmbedder:
    """Hard examples and prompts containing HARD point one way, the rest the other."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, list[str]]] = []
        self.fail = fail

    async def __call__(self, model: str, texts: list[str]) -> list[list[float]]:
        self.calls.append((model, list(texts)))
        if self.fail:
            raise ProviderUnavailable("the embeddings model is down")
        return [[1.0, 0.0] if (t in HARD_EXAMPLES or "HARD" in t) else [0.0, 1.0] for t in texts]


CLASSIFIED = PromptRouter(strong="big", cheap="small", threshold=0.5, embedding_model="emb")


def test_the_classifier_is_blended_in_and_can_move_a_short_prompt() -> None:
    embedder = FakeEmbedder()
    service = PromptRouterService(embedder)
    assert choose(CLASSIFIED, request("HARD: hi"), service) == "big"
    assert choose(CLASSIFIED, request(GREETING), service) == "small"
    learned_hard = asyncio.run(service.difficulty(CLASSIFIED, request("HARD: hi")))
    assert learned_hard == pytest.approx(0.5 * difficulty("HARD: hi") + 0.5, abs=1e-4)


def test_the_examples_are_embedded_once_per_embedding_model() -> None:
    embedder = FakeEmbedder()
    service = PromptRouterService(embedder)
    for text in (GREETING, "HARD", hard_prompt()):
        choose(CLASSIFIED, request(text), service)
    assert [len(texts) for _, texts in embedder.calls] == [len(HARD_EXAMPLES) + len(EASY_EXAMPLES), 1, 1, 1]
    assert {model for model, _ in embedder.calls} == {"emb"}
    assert embedder.calls[0][1] == [*HARD_EXAMPLES, *EASY_EXAMPLES]


def test_a_router_without_an_embedding_model_never_calls_the_embedder() -> None:
    embedder = FakeEmbedder()
    assert choose(ROUTER, request(GREETING), PromptRouterService(embedder)) == "small"
    assert embedder.calls == []


def test_a_failing_embedding_model_leaves_the_heuristic_to_decide() -> None:
    """The classifier is an aid: its outage must not fail the caller's chat call."""
    service = PromptRouterService(FakeEmbedder(fail=True))
    assert choose(CLASSIFIED, request(GREETING), service) == "small"
    assert choose(CLASSIFIED, request(hard_prompt()), service) == "big"
