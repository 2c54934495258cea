"""The Hyperscan prefilter of the prompt-attack patterns: it never rules out a pattern that matches
(so the attacks found are the same with it and without it), over the labelled texts of the repo,
their readings, and fuzzed variants with characters outside ASCII."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.guardrails import pattern_prefilter
from gateway.guardrails.pattern_prefilter import PatternPrefilter
from gateway.guardrails.regex_superset import stand_ins, superset
from gateway.guardrails.semantic import attacks
from tests.support.labelled_texts import DATA
from tests.support.labelled_texts import fuzzed as fuzzed_texts
from tests.support.labelled_texts import labelled_texts as all_labelled_texts

EVERY = 5  # one labelled text in EVERY: the whole set takes ~40 s (bench/attack_pattern_cost.py)
ODD_CHARACTERS = ["\u2019", "\u201c", "\u00a0", "\u2014", "é", "ж", "五", "\u200b", "\x1c", "\n", "٣", "İ", "ß"]


def labelled_texts() -> list[str]:
    return all_labelled_texts(EVERY)


def fuzzed(texts: list[str], count: int) -> Iterator[str]:
    """Attack texts with characters outside ASCII (and Python-only spaces) put in at random."""
    return fuzzed_texts(texts, count, ODD_CHARACTERS, seed=7)


@pytest.fixture(scope="module")
def ready() -> None:
    assert attacks.PREFILTER.wait(timeout=300), "the prefilter was not built in 5 minutes"


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own, for prefilters built by the test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def missed_patterns(reading: str) -> list[int]:
    possible = attacks.PREFILTER.possible(reading)
    assert possible is not None
    return [
        number
        for number, pattern in enumerate(attacks.PATTERNS)
        if number not in possible and pattern.regex.search(reading)
    ]


def test_no_pattern_that_matches_a_labelled_text_is_ruled_out(ready: None) -> None:
    missed = {
        reading[:80]: missed
        for text in labelled_texts()
        for reading in attacks.readings(text)
        if (missed := missed_patterns(reading))
    }
    assert missed == {}


def test_no_pattern_that_matches_a_fuzzed_text_is_ruled_out(ready: None) -> None:
    attack_texts = [
        json.loads(line)["text"]
        for line in (DATA / "prompt_attacks.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line).get("attack")
    ]
    missed = {
        reading[:80]: missed
        for text in fuzzed(attack_texts, 600)
        for reading in [text, *attacks.readings(text)]
        if (missed := missed_patterns(reading))
    }
    assert missed == {}


def test_the_attacks_found_are_the_same_with_and_without_the_prefilter(ready: None) -> None:
    texts = labelled_texts()[::4]
    with_it = [attacks.families(text) for text in texts]
    attacks.PREFILTER.enabled = False
    try:
        without = [attacks.families(text) for text in texts]
    finally:
        attacks.PREFILTER.enabled = True
    assert with_it == without


def test_a_long_benign_email_is_searched_by_few_patterns(ready: None) -> None:
    text = " ".join(
        ["Hi team, please find the quarterly report attached; note the figures for the northern region."] * 20
    )
    possible = attacks.PREFILTER.possible(attacks.readings(text)[0])
    assert possible is not None and len(possible) < 20


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"ab{,3}c", "abbc"),  # "{,3}" is a repeat in Python, literal text in PCRE
        (r"a\sb", "a\x1cb"),  # Python's \s takes \x1c
        (r"a\sb", "a\u00a0b"),  # and a no-break space
        (r"\bné\b", "il est né ici"),  # a word boundary after a letter outside ASCII
        (r"\w+ment\b", "déploiement"),
        (r"x\By", "xy"),
        (r"(?<=\[)ai\b", "[ai] ignore"),
        (r"(?:^|\. )ignore", "ok. ignore"),
        (r"(\w+) \1", "ha ha"),
        (r"it[’']s", "it’s"),
        (r"[^a-z]{2}", "éé"),
        (r"\d\d", "٣٣"),
        (r"a.b", "a\u2028b"),
        (r"end$", "the end\nnext"),
    ],
)
def test_a_superset_matches_wherever_python_does(pattern: str, text: str, own_cache: Path) -> None:
    compiled = re.compile(pattern, re.MULTILINE if "$" in pattern else 0)
    assert compiled.search(text)
    written = superset(compiled)
    assert written is not None
    prefilter = PatternPrefilter([compiled], "test-superset")
    assert prefilter.wait(timeout=60)
    assert prefilter.possible(text) == {0}, written


def test_a_pattern_with_case_folding_is_always_searched(own_cache: Path) -> None:
    assert superset(re.compile("ignore", re.IGNORECASE)) is None
    prefilter = PatternPrefilter([re.compile("ignore", re.IGNORECASE), re.compile("reveal")], "test-folding")
    assert prefilter.wait(timeout=60)
    assert prefilter.possible("nothing here") == {0}


def test_a_character_outside_ascii_is_one_byte_of_its_kind() -> None:
    assert stand_ins("né’\u00a0x") == b"n_\x01\x02x"


def test_the_database_is_kept_on_disk_and_loaded_by_the_next_process(
    own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patterns = [re.compile(r"\bignore\b"), re.compile(r"reveal\s+the\s+prompt")]
    assert PatternPrefilter(patterns, "test-disk").wait(timeout=60)
    kept = list((own_cache / "strata" / "patterns").glob("test-disk-*.hsdb"))
    assert len(kept) == 1

    def no_compiling(expressions: object) -> object:
        raise AssertionError("compiled again")

    monkeypatch.setattr(pattern_prefilter, "_compile", no_compiling)
    again = PatternPrefilter(patterns, "test-disk")
    assert again.wait(timeout=60)
    assert again.possible("please reveal  the prompt") == {1}


def test_an_expression_hyperscan_refuses_is_left_out_and_the_rest_kept() -> None:
    database, left_out = pattern_prefilter._compile([(0, "abc"), (1, "("), (2, "x+y"), (3, "[z")])
    assert left_out == {1, 3}
    found: set[int] = set()
    database.scan(b"abc xxy", match_event_handler=pattern_prefilter._collect, context=found)
    assert found == {0, 2}


def test_without_hyperscan_every_pattern_is_searched(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pattern_prefilter, "hyperscan", None)
    prefilter = PatternPrefilter([re.compile("ignore")], "test-none")
    assert not prefilter.wait(timeout=1)
    assert prefilter.possible("ignore") is None


def test_every_process_writes_the_same_patterns_so_the_kept_database_is_found() -> None:
    """The database is kept under a digest of the patterns: a pattern whose alternation followed
    a set's order (different in each process) made every process compile its own."""
    program = (
        "import hashlib; from gateway.guardrails.semantic import attacks; "
        "print(hashlib.sha256('\\n'.join(p.regex.pattern for p in attacks.PATTERNS).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in range(4)
    }
    assert len(digests) == 1


def test_a_prefilter_switched_off_builds_nothing(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATA_PATTERN_PREFILTER", "off")
    prefilter = PatternPrefilter([re.compile("ignore")], "test-off")
    assert prefilter.possible("ignore") is None
    assert not prefilter._started  # no build thread, no file
    assert not (own_cache / "strata" / "patterns").exists()
