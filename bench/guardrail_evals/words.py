"""Word filters: the managed PROFANITY list and custom words, on data/words.jsonl.

Cases name what should match (``PROFANITY`` or ``CUSTOM``); the innocent ones hold words that
contain listed ones ("class", "Scunthorpe", "assess", "cocktail"). The custom list used is
``CUSTOM_WORDS``. Counting is per match, as for PII (bench/guardrail_evals/pii.py).
"""

from __future__ import annotations

from bench.guardrail_evals.pii import DATA as PII_DATA
from bench.guardrail_evals.pii import Finder, Span, load, score
from bench.guardrail_evals.score import Score
from gateway.guardrails.definition import Side, WordPolicyConfig
from gateway.guardrails.policies import words
from gateway.guardrails.policies.base import Resources

NAME = "words"
DATA = PII_DATA.with_name("words.jsonl")
CUSTOM_WORDS = ("Project Falcon", "Acme Corp", "ass", "hell", "kill switch", "c++")


def finder() -> Finder:
    """Custom and managed matches, through the checks a guardrail with both compiles to."""
    config = WordPolicyConfig(
        wordsConfig=[{"text": w} for w in CUSTOM_WORDS], managedWordListsConfig=[{"type": "PROFANITY"}]
    )
    custom, managed = words.checks(config, Side.INPUT, Resources())

    def find(text: str) -> list[Span]:
        return [("CUSTOM", *span) for span in custom.words.matches(text)] + [
            ("PROFANITY", *span) for span in managed.words.matches(text)
        ]

    return find


async def evaluate() -> list[Score]:
    cases = load(DATA)
    for case in cases:  # every case counts for both lists: each text is a negative for the list it names nothing of
        case.lookalike |= {"PROFANITY", "CUSTOM"}
    per_type, total = score(cases, finder(), ("PROFANITY", "CUSTOM"), "words: ")
    names = {"words: PROFANITY": "words: managed PROFANITY list", "words: CUSTOM": "words: custom words"}
    for s in per_type:
        s.policy = names[s.policy]
    total.policy = "words: all"
    return [total, *per_type]
