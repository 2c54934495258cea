"""A long line of values costs the PII scan its length, not its length squared.

Each value used to re-read its whole line ("is it a CSV row?" counted the line's commas, "does it
list versions?" searched the line): 40,000 addresses on one 400 KB line took 13-20 s, 100 KB of IP
addresses two minutes. Work is counted where it can be (how often a line is read whole); the
speed of texts four times as long is compared with a generous factor (linear is ~4, the old
readings 10-30).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from gateway.guardrails.pii import lines
from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner
from gateway.guardrails.text_memo import CHECKED


@pytest.fixture(autouse=True)
def _no_memo() -> Iterator[None]:
    capacity = CHECKED.capacity
    CHECKED.resize(0)  # every scan reads its text
    yield
    CHECKED.resize(capacity)


def test_a_400_kb_line_of_email_addresses_reads_its_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[str] = []
    line_fact = lines.line_fact

    def counted(text: str, at: int, name: str, compute: object) -> object:
        def wrapped(start: int, end: int) -> object:
            computed.append(name)
            return compute(start, end)  # type: ignore[operator]

        return line_fact(text, at, name, wrapped)

    monkeypatch.setattr(lines, "line_fact", counted)
    text = uuid.uuid4().hex + " " + "hi a@b.co, " * 40_000

    found = Scanner(["EMAIL"]).scan(text)

    assert len(found) == 40_000
    assert computed.count("csv_row") == 1, "the line is counted once, not once per address"


def _seconds(scanner: Scanner, piece: str, size: int) -> float:
    best = float("inf")
    for _ in range(2):
        text = uuid.uuid4().hex + " " + piece * (size // len(piece))
        started = time.process_time()
        scanner.scan(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize(
    "piece",
    [
        "hi a@b.co ",  # an address: its token and its line's commas
        "a@b.co,",  # addresses in one comma-separated line, no space
        "10.1.2.3,",  # IP addresses: "upgraded from ... to ...", "does the line list versions?"
        "1.2.3.4 ",  # version-like quads: the same questions, and more
        "SWIFT DEUTDEFF ",  # SWIFT codes: "a ticket routing?" of the whole text per code
        "NI QQ123456C, ",  # HMRC's example number: "a test record?" of its whole line
    ],
)
def test_a_pattern_scan_of_a_long_line_takes_time_linear_in_it(piece: str) -> None:
    scanner = Scanner(sorted(PATTERN_TYPES))
    small, large = _seconds(scanner, piece, 25_000), _seconds(scanner, piece, 100_000)
    assert large < 8 * max(small, 0.005), f"4x the text took {large / max(small, 1e-9):.1f}x the time"


@pytest.mark.parametrize(
    ("text", "at", "bounds"),
    [("ab\ncd\n\nef", 4, (3, 5)), ("ab\ncd", 2, (0, 2)), ("ab\ncd", 3, (3, 5)), ("abc", 0, (0, 3)), ("a\n", 2, (2, 2))],
)
def test_a_line_bound_is_what_rfind_and_find_say(text: str, at: int, bounds: tuple[int, int]) -> None:
    end = text.find("\n", at)
    assert (text.rfind("\n", 0, at) + 1, len(text) if end < 0 else end) == bounds
    assert lines.line_bounds(text, at) == bounds
