"""The scanner's shortcuts never lose a finding: what lets it skip a pattern (a gate, a lead's
promised run) must hold wherever that pattern could match. Checked on texts made to come close
to matching: mostly digits and separators, with the letters and marks the patterns look for."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest

from gateway.guardrails.pii import bank_forms, codes, mac_addresses
from gateway.guardrails.pii.detector import Detector
from gateway.guardrails.pii.scan import Scan
from gateway.guardrails.pii.scanner import _RUN, DETECTORS

LONG_LEADS = [d for d in DETECTORS if d.lead_run]


def _mutated(rng: random.Random, text: str, alphabet: str) -> str:
    """``text`` with up to two characters replaced, inserted or deleted: near misses either side."""
    chars = list(text)
    for _ in range(rng.randint(0, 2)):
        at = rng.randrange(len(chars) + 1)
        change = rng.choice("rid")
        if change == "i" or at == len(chars):
            chars.insert(at, rng.choice(alphabet))
        elif change == "r":
            chars[at] = rng.choice(alphabet)
        else:
            del chars[at]
    return "".join(chars)


# Numbers as the long leads want them, to be changed a little (random groups rarely make some).
_SEEDS = ("2026/03", "2029 - 11", "2028.07", "123.45.6789", "123-45-6789", "4111 1111 1111 1111", "555.123.4567")


def _near_numbers(rng: random.Random) -> str:
    """Groups of digits joined the ways numbers are written, or a seed, then changed a little."""
    if rng.random() < 0.3:
        return _mutated(rng, rng.choice(_SEEDS), "0123456789 .-/()+a,:年")
    groups = ["".join(rng.choice("0123456789") for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 5))]
    joined = groups[0] + "".join(rng.choice(["", " ", ".", "-", "/", "  ", " / ", "年"]) + g for g in groups[1:])
    return rng.choice("0123456789(+2") + _mutated(rng, joined, "0123456789 .-/()+a,:年")


@pytest.mark.parametrize("detector", LONG_LEADS, ids=lambda d: f"{d.types[0]}:{d.lead}")
def test_a_lead_that_promises_a_long_run_holds_only_before_one(detector: Detector) -> None:
    rng = random.Random(f"{detector.lead}")
    lead = re.compile(rf"(?s).(?=(?:{detector.lead}))")
    run = re.compile(f"{_RUN}{{{detector.lead_run}}}")
    held = 0
    for _ in range(20_000):
        text = _near_numbers(rng)
        if lead.match(text):
            held += 1
            assert run.match(text, 1), f"{detector.lead!r} holds in {text!r} without a run of {detector.lead_run}"
    assert held > 50, "too few texts where the lead holds: the check would prove nothing"


def _first(detectors: tuple[Detector, ...], kind: str) -> Detector:
    return next(d for d in detectors if d.types == (kind,))


def _ibans(rng: random.Random) -> str:
    country = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(2))
    body = "".join(rng.choice("0123456789ABCDEFGHXYZ") for _ in range(rng.randint(10, 24)))
    spaced = " ".join(body[i : i + 4] for i in range(0, len(body), 4)) if rng.random() < 0.5 else body
    return _mutated(rng, f"{country}{rng.randint(0, 99):02d}{spaced}", "AZ09 .-?ab")


def _ninos(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCEGHJKLMNPRSTWXYZ") for _ in range(2))
    pairs = [f"{rng.randint(0, 99):02d}" for _ in range(3)]
    sep = rng.choice(["", " "])
    return _mutated(rng, letters + sep + sep.join(pairs) + sep + rng.choice("ABCDE"), "AQ09 .-b")


def _hex_runs(rng: random.Random) -> str:
    sep = rng.choice(":-")
    pairs = ["".join(rng.choice("0123456789abcdefABCDEF") for _ in range(2)) for _ in range(6)]
    return _mutated(rng, sep.join(pairs), "0aF:-. g")


def _tagged(rng: random.Random) -> str:
    name = rng.choice(["routing", "RoutingNumber", "ABA", "acct_id", "BANKID", "account-no", "acctid", "name"])
    value = "".join(rng.choice("0123456789 -") for _ in range(rng.randint(4, 14)))
    shapes = [
        f"<{name}>{value}",
        f'"{name}": "{value}"',
        f"'{name}' : {value}",
        f'"{name}":{value}',
        f"<x:{name} a=1>{value}",
    ]
    return rng.choice(shapes)


@pytest.mark.parametrize(
    ("detector", "make"),
    [
        (_first(codes.DETECTORS, "INTERNATIONAL_BANK_ACCOUNT_NUMBER"), _ibans),
        (_first(codes.DETECTORS, "UK_NATIONAL_INSURANCE_NUMBER"), _ninos),
        (mac_addresses.DETECTORS[0], _hex_runs),
        (bank_forms.TAGGED_BANK_NUMBERS, _tagged),
    ],
    ids=["iban", "nino", "mac", "tagged bank numbers"],
)
def test_a_gate_passes_every_text_its_pattern_matches(detector: Detector, make: Callable[[random.Random], str]) -> None:
    assert detector.gate is not None
    rng = random.Random(detector.pattern.pattern)
    matched = 0
    for _ in range(20_000):
        text = make(rng)
        if detector.pattern.search(text):
            matched += 1
            assert detector.gate(Scan(text)), f"the gate refuses {text!r}, which its pattern matches"
    assert matched > 50, "too few texts the pattern matches: the check would prove nothing"
