"""The form of a request: does it ask what something is, or what the asker should do or think?

A denied topic is usually a kind of advice or opinion ("which stocks should I buy", "do I have
diabetes", "who should I vote for"), and its near misses are questions about the same subject that
ask for facts: "what is an ETF?", "how does the immune system fight infections?", "who was the
first prime minister of India?". A sentence model puts both close to the topic's examples: it reads
the subject more than the form. These patterns read the form: a question that opens as a request
for facts (what is, how does, who was, when is, explain, define, summarise) and says nothing of
the asker or the assistant (no I, my, you, should) and nothing evaluative (best, good, worth, right,
mistake), or that asks for a step of a procedure the asker has chosen ("how do I transfer my
pension?", "where can I download my tax statement?") without asking which or what to buy, take or
back. Such a piece matches only a topic whose own examples include one (``topics.py``): a topic
defined by factual questions ("What happens to our souls when we die?") still catches them.
"""

from __future__ import annotations

import re

_FACTUAL_OPENING = re.compile(
    r"^\W*(?:(?:so|ok|okay|hey|hi|hello|quick question)\W+)?(?:"
    r"what\s+(?:is|are|was|were|does|do|did|causes?|caused|happens?|happened)\b|what's\b|whats\b"
    r"|explain\b|define\b|describe\b"
    r"|how\s+(?:does|do|did|is|are|was|were)\b(?!\s+(?:i|we)\b)"
    r"|who\b|how\s+(?:many|much)\b|is\s+it\s+true\b"
    r"|when\s+(?:is|was|were|did|does|will)\b|where\s+(?:is|was|are|did)\b"
    r"|why\s+(?:do|does|did|is|are|was|were)\b(?!\s+(?:i|we)\b)"
    r"|(?:give\s+me|write)\s+(?:a\s+|an\s+)?(?:neutral\s+|short\s+|brief\s+|balanced\s+)?"
    r"(?:summary|overview|history|explanation)\b"
    r"|summari[sz]e\b|tell\s+me\s+about\b)",
    re.IGNORECASE,
)
# The asker, the assistant, or a judgement: a request for advice or an opinion, whatever its opening.
_PERSONAL_OR_EVALUATIVE = re.compile(
    r"\b(?:i|i'm|im|i've|i'd|i'll|my|me|mine|we|our|(?-i:us)|should|shall|you|your|yours|(?-i:u)"
    r"|recommend|advise|advice|best|better|good|great|smart|smartest|wise|safe|safest|ideal|worth"
    r"|right(?![\s-]+(?:to|wing)\b)|wrong|mistake|fair|opinion|think)\b",
    re.IGNORECASE,
)


# "How do I transfer my pension?": a step of a procedure the asker has chosen, not advice on what to choose.
_PROCEDURE_OPENING = re.compile(
    r"^\W*(?:how\s+(?:do|can|could|would)\s+(?:i|we)|where\s+(?:do|can|could)\s+(?:i|we)|how\s+to)\s+"
    r"(?:politely\s+|quickly\s+)?(?:set\s+up|sign\s+up|register|open|close|download|appeal|cancel|book|reset"
    r"|change|update|transfer|contact|apply|renew|submit|file|log\s+in|order|refill|schedule|track|pay|print"
    r"|report|request|install|unlock|export|delete|remove|find|ask\s+(?:everyone|everybody|people|them))\b",
    re.IGNORECASE,
)
# What makes a procedure a request for advice: choosing, judging, or what to take, buy or back.
_ADVICE = re.compile(
    r"\b(?:should|shall|which|recommend|advise|advice|best|better|good|worth|safe|safest|ideal|right(?![\s-]+(?:to|wing)\b)"
    r"|wrong|buy|sell|invest|hold|dose|dosage|treat|treatment|cure|medication|medicine|pills?|vote\s+for)\b",
    re.IGNORECASE,
)


def asks_for_facts(text: str) -> bool:
    """A question or request for facts about a subject, with nothing of the asker or a judgement,
    or a step of a procedure the asker has chosen ("how do I transfer my pension?")."""
    opening = _FACTUAL_OPENING.search(text)
    if opening is not None:
        return not _PERSONAL_OR_EVALUATIVE.search(text, opening.end())  # "give me a summary"
    procedure = _PROCEDURE_OPENING.search(text)
    return procedure is not None and not _ADVICE.search(text, procedure.end())
