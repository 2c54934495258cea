"""The repository's labelled guardrail texts (every jsonl under bench/guardrail_evals/data), and
fuzzed variants of them: what the prefilter and shortcut tests check "nothing is lost" over."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "bench" / "guardrail_evals" / "data"


def labelled_texts(every: int = 1) -> list[str]:
    """Every labelled text (its ``text``, ``prompt`` or ``output``), one in ``every``."""
    texts = []
    for path in sorted(DATA.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                texts += [record[key] for key in ("text", "prompt", "output") if isinstance(record.get(key), str)]
    return texts[::every]


def fuzzed(texts: Sequence[str], count: int, characters: Sequence[str], seed: int) -> Iterator[str]:
    """``count`` of ``texts`` with one to six of ``characters`` put in at random, each replacing a
    character or inserted beside one ("ignore" -> "ign\\u2019re")."""
    chosen = random.Random(seed)
    for _ in range(count):
        text = list(chosen.choice(texts))
        for _ in range(chosen.randint(1, 6)):
            where = chosen.randrange(len(text) + 1)
            odd = chosen.choice(characters)
            if chosen.random() < 0.5 and where < len(text):
                text[where] = odd
            else:
                text.insert(where, odd)
        yield "".join(text)
