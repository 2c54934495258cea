"""Patterns that open with a case-insensitive alternation of keywords ("expir...|valid thru|...",
"...passwort|mot de passe|...", "licence plate|reg|...") are tried only where one of their keywords
starts (or, for compounds like "WLAN-Passwort", where the word holding it starts), not at every
character of the text. That shortcut must never change an answer: for every such detector, on
texts built from its keywords in every case, glued into words and scattered among values and
noise, it finds exactly the matches the pattern's own search finds."""

from __future__ import annotations

import random

import pytest

from gateway.guardrails.pii.detector import Detector
from gateway.guardrails.pii.scan import Scan
from gateway.guardrails.pii.scanner import DETECTORS

ANCHORED = [d for d in DETECTORS if d.matches is not None and d.matches.__qualname__.startswith("starting_with")]

# Keywords and the pieces that follow them in the detectors' own forms, in several languages
WORDS = [
    "exp", "Exp.", "EXPIRY", "expiration date", "valid thru", "Valid until", "date d'expiration", "scadenza",
    "caducidad", "Vencimiento", "validade", "Ablaufdatum", "gültig bis", "GÜLTIG BIS", "unexpired", "expected",
    "passwort", "WLAN-Passwort", "Zugangskennwort", "Antwort", "mot de passe", "clé wifi", "Clé Wi-Fi", "contraseña",
    "contrasena", "senha", "hasło", "lozinka", "пароль", "הסיסמה", "סיסמא", "パスワード", "新しいパスワード", "密码",
    "비밀번호", "รหัสผ่าน", "kata sandi", "mật khẩu", "and", "but", "while", "And the", "but mine", "my", "one",
    "is", "was", "swift", "SWIFT code", "BIC", "bic/code", "public", "nino", "NI number", "ni:", "NI #",
    "national insurance",
    "night", "licence plate", "license-plates", "number plate", "Reg", "reg.", "registration", "reg plates",
    "vehicle reg", "car registration number", "tag number", "plates", "driver's license", "Driving licence", "DL",
    "d.l.", "driver id", "driverless", "wpa2-pre-shared-key", "wpa_passphrase", "WPA_PSK", "pre-shared-key",
    "password", "passwd", "secret", "token", "->", "=", ":", "：", "?", "\n", "CALLER:", "AGENT:", '"',
    "And the expiry?\nCALLER: ", "exp. date?\r\n[00:12] Caller: ", "Vencimiento?\nCliente: ", "gültig bis ?\nKunde:",
    'password = "x1" -> ', 'Token="a" -> ', 'secret = "" ->', "and the admin one is", "but mine is", "while his was",
]  # fmt: skip
VALUES = [
    "09/27", "0928", "2027-09", "Sept. 2027", "12 28", "Hunter2!x", "S3cr3t#99", "AB 12 34 56 C", "QQ123456C",
    "DEUTDEFF", "DEUTDEFF500", "KA19 AB 1234", "D1234567", "A12-345-678", '"old"', '"N3w-Pass!"', "4111 1111 1111 1111",
]  # fmt: skip
GLUE = [" ", " ", " ", "", ": ", " is ", ", ", "\n", " - ", "-", " = "]


def _texts(seed: int, count: int) -> list[str]:
    chance = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(chance.randint(3, 24)):
            piece = chance.choice(WORDS if chance.random() < 0.6 else VALUES)
            piece = piece.upper() if chance.random() < 0.1 else piece
            parts.append(piece + chance.choice(GLUE))
        texts.append("".join(parts))
    return texts


TEXTS = _texts(20261206, 1500)


def test_the_keyword_first_detectors_are_anchored() -> None:
    assert len(ANCHORED) >= 9


@pytest.mark.parametrize("detector", ANCHORED, ids=lambda d: f"{d.types[0]}:{d.pattern.pattern[:24]}")
def test_a_keyword_anchored_search_finds_what_the_patterns_own_search_finds(detector: Detector) -> None:
    assert detector.matches is not None
    for text in TEXTS:
        anchored = [match.span() for match in detector.matches(Scan(text))]
        assert anchored == [match.span() for match in detector.pattern.finditer(text)], text
