"""What the semantic cache embeds for a prompt: the prompt without greetings and courtesy phrases
("Hi, could you please ...", "... thanks!") and, for the embedded MiniLM, with its misspelled words
corrected (semantic_spelling.py).

Both the stored prompt and the new one are embedded through ``SemanticCache.vector``, so both go
through this. Only the embedding sees the result: the guard reads the prompt as written.
Measured on the calibration split of bench/cache_evals/semantic_pairs.jsonl: courtesy phrases
cost a short request 0.05-0.15 of cosine against its plain form, a typo 0.3-0.5.
"""

from __future__ import annotations

import re

from gateway.services.cache.semantic_spelling import minilm_speller

MIN_KEPT = 8  # a prompt that is almost all courtesy ("Please help") is embedded as written
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|bonjour|bonsoir|salut|hola|buenos d[ií]as|"
    r"buenas (?:tardes|noches)|hallo|guten (?:morgen|tag|abend)|ciao|buongiorno|ol[aá]|bom dia)\b[,!.]?",
    re.IGNORECASE,
)
_COURTESY = re.compile(
    r"\b(?:please|thanks|thank you|(?:could|can|would|will) you(?: please)?(?: help me| tell me| show me)?|"
    r"help me|i(?:'d| would) like to|i want to|i need to|for me|do you know|"
    # the same in French, Spanish and German: "pouvez-vous me dire", "por favor", "bitte"
    r"s'il (?:vous|te) pla[iî]t|merci(?: beaucoup)?|(?:pouvez|pourriez|peux|pourrais)-(?:vous|tu)"
    r"(?: me dire| me montrer| m'aider à)?|por favor|(?:muchas )?gracias|"
    r"(?:(?:me )?(?:puedes|podr[ií]as)|(?:me|usted) (?:puede|podr[ií]a)|(?:puede|podr[ií]a) usted)"
    r"(?: decirme| decir| mostrarme| ayudarme a)?|bitte|danke(?: schön)?|vielen dank|(?:können|könnten) sie"
    r"(?: mir sagen| mir zeigen| mir helfen)?)(?!\w)[,!.]?",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"(`[^`]*`|\"[^\"]*\"|(?<!\w)'[^']*'(?!\w))")  # kept as written
_SPACES = re.compile(r"\s+")


def embedding_text(text: str, spelling: bool = True) -> str:
    """``text`` as the semantic cache embeds it; ``spelling`` corrects typos with MiniLM's vocabulary."""
    parts = _QUOTED.split(_GREETING.sub(" ", text))  # odd indexes: quoted
    plain = "".join(p if i % 2 else _COURTESY.sub(" ", p) for i, p in enumerate(parts))
    plain = _SPACES.sub(" ", plain).strip(" ,!")
    if len(plain) < MIN_KEPT:
        plain = text
    speller = minilm_speller() if spelling else None
    return speller.normalise(plain) if speller is not None else plain
