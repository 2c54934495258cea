"""Passwords named by what was done with them rather than by the word: "I reset mine to
Escapement!Lever9", "changed it to Tr0ub4dor&3"; a second one named by its place after the first
("the old one (Maple#2023)"); one in brackets after the word ("shared his password in the chat
(Tulp!2024vrij)"); a login's "user / password" after what it opens ("guest wifi: OffsiteGuest /
Lachs-Brücke-42"). Only in a text about logging in (the first), and only a value
mixing at least three kinds of characters, as chosen passwords do ("reset it to default" and
"changed it to 2024-06-11" are no passwords)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from gateway.guardrails.pii.detector import Detector, has_any, starting_with, whole_text
from gateway.guardrails.pii.keywords import keywords
from gateway.guardrails.pii.scan import Finding, Scan, found
from gateway.guardrails.pii.secrets import PASSWORD
from gateway.guardrails.pii.transcripts import answers

_SET_TO = re.compile(
    r"(?i:reset|changed?|set|updated?)[ \t]+(?i:it|mine|my[ \t]+(?:password|pass|pw|login)|the[ \t]+password)"
    r"[ \t]+(?i:to|as)[ \t]+(?P<value>[^\s\"'`]{6,64})"
)
_LOGIN_WORDS = ("login", "log in", "logged in", "password", "locked out", "sign in", "signin", "portal", "account")
_SYMBOLS = frozenset("!@#$%^&*+=?~")  # not "-", "_" or ".", which join words and dates


def _set_password(match: re.Match[str], scan: Scan) -> Finding | None:
    start, end = match.span("value")
    while end > start and scan.text[end - 1] in ".,;:!?)":
        end -= 1
    value = scan.text[start:end]
    kinds = (
        any(c.islower() for c in value),
        any(c.isupper() for c in value),
        any(c.isdigit() for c in value),
        any(c in _SYMBOLS for c in value),
    )
    if len(value) < 6 or sum(kinds) < 3 or not value[0].isalnum():
        return None
    return found(PASSWORD, start, end)


# "... password is Otter-Lantern-54 — the old one (Maple#2023) stops working tonight": a second password
# named by its place right after the first
_OTHER_ONE = re.compile(
    r"(?i:old|previous|former|current|new|other)\s+one\s*(?:\(\s*|:\s*|(?i:was|is)\s+)(?P<value>[^\s()\"'`]{4,64})"
)
_TO_OTHER_ONE = re.compile(r"[\s—–,;(-]*(?:(?i:and|but)\s+)?(?:(?i:the)\s+)?")


def _other_password(match: re.Match[str], scan: Scan) -> Finding | None:
    if not scan.follows(match.start(), (PASSWORD,), gap=12, between=_TO_OTHER_ONE):
        return None
    return _set_password(match, scan)


# "... shared his password in the chat (Tulp!2024vrij)": the value in brackets a few words after the word
_IN_BRACKETS_WORDS = (
    "password", "passwd", "wachtwoord", "passwort", "mot de passe", "contraseña", "senha", "hasło", "пароль",
)  # fmt: skip
_IN_BRACKETS = re.compile(
    r"(?i:password|passwd|wachtwoord|passwort|mot de passe|contraseña|senha|hasło|пароль)(?![^\W\d_])"
    r"[^\n()]{0,48}\((?P<value>[^\s()\"'`]{6,64})\)"
)
# a login written "user / password" after what it opens: "guest wifi for the offsite: OffsiteGuest / Lachs-Brücke-42",
# "the router admin (please don't change anything!!) admin / Xr7#pL2q!mZ9", "admin page is 192.168.0.1 (admin / X)"
_PAIR_WORDS = ("wifi", "wi-fi", "wlan", "router", "admin", "login", "credential", "creds", "ssid")
_USER_SLASH_PASSWORD = re.compile(
    r"(?i:wi-?fi|wlan|router|admin|login|credentials?|creds|ssid)\b[^\n]{0,60}?[\s:(]"
    r"(?P<user>[\w.@-]{2,40})[ \t]+/[ \t]+(?P<value>[^\s/\"'`]{6,64})"
)

# a chat's answer to "the wifi password?": the whole next message one token ("[09:42] Chiara: LagoComo_2024!")
_ANSWER_LINE = re.compile(
    r"(?m)(?:[ \t]*\[[^\]\n]{1,24}\])?[ \t]*[^\s:]{1,24}(?:[ \t][^\s:]{1,24})?[ \t]*:[ \t]*(?P<value>\S{6,64})[ \t]*$"
)
_ASKED_WORDS = (
    "password", "passwort", "passwd", "wachtwoord", "mot de passe", "contraseña", "senha", "wifi", "wi-fi", "wlan",
)  # fmt: skip
_ASKED = keywords(
    r"password", r"passwort", r"passwd", r"wachtwoord", r"mot de passe", r"contraseña", r"senha", r"wi-?fi", r"wlan"
)


@whole_text
def _answer_lines(scan: Scan) -> Iterator[re.Match[str]]:
    """``_ANSWER_LINE``'s matches on the lines right after a line ending in "?": the pattern tried
    there only, not at every character of the text."""
    text = scan.text
    at = text.find("?\n")
    while at >= 0:
        if (match := _ANSWER_LINE.match(text, at + 2)) is not None:
            yield match
        at = text.find("?\n", at + 2)


def _answered_password(match: re.Match[str], scan: Scan) -> Finding | None:
    if not answers(scan, match.start("value"), _ASKED):
        return None
    return _set_password(match, scan)


# "le mot de passe du PMS ... a changé, c'est désormais Nuit#Rivage47", "het wachtwoord van de NAS is nu X"
_NOW_WORDS = ("password", "mot de passe", "wachtwoord", "passwort", "contraseña", "senha", "hasło")
_NOW_PASSWORD = re.compile(
    r"(?i:password|mot de passe|wachtwoord|passwort|contraseña|senha|hasło)(?![^\W\d_])[^\n.]{0,60}?"
    r"(?i:\bc'est désormais|\best désormais|\best maintenant|\bis now|\bis nu|\bist jetzt|\bes ahora|\bé agora"
    r"|\bjest teraz)"
    r"[ \t]+(?P<value>[^\s\"'`]{6,64})"
)


DETECTORS = (
    Detector(
        (PASSWORD,),
        _SET_TO,
        _set_password,
        has_any(*_LOGIN_WORDS),
        matches=starting_with(_SET_TO, "reset", "change", "set", "update"),
    ),
    Detector(
        (PASSWORD,),
        _OTHER_ONE,
        _other_password,
        lambda scan: scan.holds(PASSWORD),
        needs=(PASSWORD,),
        matches=starting_with(_OTHER_ONE, "old", "previous", "former", "current", "new", "other"),
    ),
    Detector(
        (PASSWORD,),
        _IN_BRACKETS,
        _set_password,
        has_any(*_IN_BRACKETS_WORDS),
        matches=starting_with(_IN_BRACKETS, *_IN_BRACKETS_WORDS),
    ),
    Detector(
        (PASSWORD,),
        _NOW_PASSWORD,
        _set_password,
        has_any(*_NOW_WORDS),
        matches=starting_with(_NOW_PASSWORD, *_NOW_WORDS),
    ),
    Detector(
        (PASSWORD,),
        _ANSWER_LINE,
        _answered_password,
        lambda scan: "?\n" in scan.text and scan.has(*_ASKED_WORDS),
        matches=_answer_lines,
    ),
    Detector(
        (PASSWORD,),
        _USER_SLASH_PASSWORD,
        _set_password,
        lambda scan: " / " in scan.text and scan.has(*_PAIR_WORDS),
        matches=starting_with(_USER_SLASH_PASSWORD, *_PAIR_WORDS),
    ),
)
