"""A card's expiry and CVV: short numbers and dates that are a card's only where the text speaks of
cards (a card found or named, a payment), after their keywords in a dozen languages, or in the
shapes only cards use ("CID 1234", "EXP 0731")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii import lines
from gateway.guardrails.pii import lookalike_words as lookalike
from gateway.guardrails.pii.detector import needles, whole_text
from gateway.guardrails.pii.documented_values import after_published_card
from gateway.guardrails.pii.scan import Finding, Scan, found
from gateway.guardrails.pii.transcripts import answers

CARD, CVV, EXPIRY = "CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY"


# Between a card number and its expiry on the same line: a comma and a few words in any language
# ("4703 3957 4793 8260, gildir til 10/27", "... 6267 วันหมดอายุ 12/26"), no digits.
_WORDS_AFTER_CARD = re.compile(r"[^\d\n/]{1,30}")


_ANY_DATE = re.compile(r"(?i)\bany\s+(?:future|valid|later)\s+(?:expiry\s+|expiration\s+)?(?:date|month)")
# Between an expiry and its card's code: one to three words in any language ("kodiċi ta' wara").
_CODE_WORDS = re.compile(r"[,;]?[ \t]*(?:[^\s\d/,;]+[ \t]*){1,3}[:#=-]?[ \t]*")


def expiry(match: re.Match[str], scan: Scan) -> Finding | None:
    if after_published_card(scan, match.start()) or _ANY_DATE.search(
        scan.text, max(0, match.start() - 60), match.start()
    ):
        return None  # "use any future expiry date (for example 12/34)": a test mode's instructions
    if scan.follows(match.start(), (CARD,)) or scan.follows(match.start(), (CARD,), 30, _WORDS_AFTER_CARD):
        return found(EXPIRY, match.start(), match.end())
    if answers(scan, match.start(), ctx.EXPIRY) and found_card(scan):
        return found(EXPIRY, match.start(), match.end())  # "And the expiration?" / "Oh-nine twenty-seven. 09/27."
    if scan.before(match.start(), ctx.EXPIRY, width=32) and not scan.before(match.start(), lookalike.NOT_CARD_EXPIRY):
        if not speaks_of_cards(scan):
            return None  # "passport 686222305, exp 08/2030", "quote ..., valid until 12/31": no card in sight
        if not found_card(scan) and _labelled_otherwise(scan, match.start()):
            return None  # "Medication label: ..., LOT 318A, EXP 07/26": no card number, a label's words
        return found(EXPIRY, match.start(), match.end())
    return None


_LABEL_REACH = 60


def _labelled_otherwise(scan: Scan, start: int) -> bool:
    """Whether a word of another thing's date (a lot, a medication, a licence) stands in the few
    clauses before ``start``: with no card number in the text, an expiry there is that thing's."""
    return (
        scan.mentions(lookalike.NOT_CARD_EXPIRY)
        and scan.keyword_in(lookalike.NOT_CARD_EXPIRY, max(0, start - _LABEL_REACH), start) is not None
    )


_PAYMENT_WORDS = needles("payment", "billing", "valid from")


def speaks_of_cards(scan: Scan) -> bool:
    """A card found, or named ("milk expires 4/12" is no card's expiry)."""
    text = scan.text
    return (
        found_card(scan)
        or (scan.mentions(ctx.CARD) and scan.keyword_in(ctx.CARD, 0, len(text)) is not None)  # not "BahnCard"
        or scan.mentions(ctx.CVV)
        or scan.has(*_PAYMENT_WORDS)  # a card prints VALID FROM beside its expiry
    )


def keyed_expiry(match: re.Match[str], scan: Scan) -> Finding | None:
    """MMYY without a slash ("EXP 0731") or a month's name ("expires end of June 2029"): only right
    after the keyword, in a text that speaks of a card."""
    if not speaks_of_cards(scan):
        return None
    start, end = match.span("value")
    if scan.before(start, lookalike.NOT_CARD_EXPIRY):
        return None
    return found(EXPIRY, start, end)


# An expiry right after its keyword; tried only where the keyword's first letters are (searching
# every position of a 2 KB prompt for the keyword cost 0.06 ms).
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"  # English, and the other languages' shared starts
    "|ene|abr|ago|dic|gen|mag|giu|lug|set|ott|janv|févr|fevr|mars|avr|mai|juin|juil|août|aout|déc|okt|dez|mär|maa"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
    "|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
    "|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro"
)
KEYED_EXPIRY = re.compile(
    r"(?i:exp\.?|expir\w*|valid (?:thru|through|until|till)|good (?:thru|through)|scadenza|caduca|vence|validade"
    r"|udløb\w*|utløp\w*"
    r"|vencimiento|vencimento|gültig bis|gueltig bis)(?![a-z])[^\n\d]{0,16}?"
    r"(?<![.,$€£¥@/+-])(?P<value>(?:0[1-9]|1[0-2])\d\d|20\d\d-(?:0[1-9]|1[0-2])"
    rf"|(?i:{_MONTHS})[a-zçéû]{{0,6}}\.?,?(?: de)? (?:20)?\d\d)(?!\w|[./-]\d)"
)
_EXPIRY_STARTS = needles(
    "exp", "valid ", "good ", "scadenza", "caduca", "vence", "validade", "vencim", "gültig", "gueltig", "udløb", "utløp"
)


@whole_text
def keyed_expiries(scan: Scan) -> Iterator[re.Match[str]]:
    text, lowered = scan.text, scan.lowered
    if len(lowered) != len(text):  # lower-casing moved the offsets (rare letters): search it all
        yield from (m for m in KEYED_EXPIRY.finditer(text) if m.start() == 0 or not text[m.start() - 1].isalpha())
        return
    starts = sorted(i for needle in scan.held(_EXPIRY_STARTS) for i in _occurrences(lowered, needle))
    for start in starts:
        if start and lowered[start - 1].isalpha():
            continue
        if (match := KEYED_EXPIRY.match(text, start)) is not None:
            yield match


def _occurrences(text: str, needle: str) -> Iterator[int]:
    at = text.find(needle)
    while at >= 0:
        yield at
        at = text.find(needle, at + 1)


# An expiry given as the answer to the question before it, on a transcript's next turn: "AGENT: And
# the expiry?\nCALLER: 0928" (a spoken "oh nine, twenty-eight" is read as digits first, spoken.py).
ANSWERED_EXPIRY = re.compile(
    r"(?i:expir\w*|exp\.?|expiration(?: date)?|valid (?:thru|through|until)|date d'expiration|scadenza|caducidad"
    r"|vencimiento|validade|ablaufdatum|gültig bis)[^\n\d]{0,12}\?[ \t]*\r?\n"
    r"(?:\[[^\]\n]{0,24}\][ \t]*)?[^\n:?]{1,40}:[ \t]*"
    r"(?P<value>(?:0?[1-9]|1[0-2])(?: ?[/-] ?| )?(?:20)?\d\d(?![\d/])"
    r"|(?i:(?:fin|end of|finales de|fine|ende|final de)\s+)?(?i:[a-zéûç]{3,9})\.?,?(?: de)? (?:20)?\d\d(?!\d)"
    # a year said aloud: "June twenty-seven", "March twenty twenty-eight", "May two thousand thirty"
    r"|(?i:[a-zéûç]{3,9})\.?,? (?:(?i:twenty|two thousand(?: and)?)[ -])?(?i:twenty|thirty)"
    r"(?:[- ](?i:one|two|three|four|five|six|seven|eight|nine))?(?![\w-]))"
)
ANSWERED_EXPIRY_STARTS = (
    "exp", "valid", "date d'expiration", "scadenza", "caducidad", "vencimiento", "ablaufdatum", "gültig bis",
)  # fmt: skip
_MONTH_START = re.compile(f"(?i:(?:fin|end of|finales de|fine|ende|final de)\\s+)?(?i:{_MONTHS})")


def answered_expiry(match: re.Match[str], scan: Scan) -> Finding | None:
    value = match["value"]
    if not value[0].isdigit() and not _MONTH_START.match(value):
        return None  # words that name no month ("maybe 2028")
    return found(EXPIRY, *match.span("value")) if speaks_of_cards(scan) else None


# Amex's CID ("CID 8820"): not a keyword of the CVV's own search, since "cid" is in "decide" and
# "incident" and would open that search for ordinary text; matched right after the word instead.
CID = re.compile(
    r"(?i:cid)(?![a-z])[ \t:#=-]*(?:\([^)\n\d]{0,24}\d?[^)\n\d]{0,24}\)[ \t:#=-]*)?(?:(?i:is|number|code)[ \t:]+)?"
    r"(?P<value>\d{3,4})(?![\w./-]\d|\d)"
)  # "CID 8820", "CID (4 digits on front): 3712"


@whole_text
def cids(scan: Scan) -> Iterator[re.Match[str]]:
    text, lowered = scan.text, scan.lowered
    for start in _occurrences(lowered, "cid"):
        if (start == 0 or not lowered[start - 1].isalnum()) and (match := CID.match(text, start)) is not None:
            yield match


def cid(match: re.Match[str], scan: Scan) -> Finding | None:
    return found(CVV, *match.span("value")) if speaks_of_cards(scan) else None


# A card's code named by its length, in the languages whose words put the length after "code": "code à
# 4 chiffres 2741", "código de 3 dígitos: 118", "codice di 3 cifre 907" (English "3-digit code" is a keyword).
_LENGTH_NAMED = re.compile(
    r"(?i:\b(?:code|código|codigo|codice|kod)[ \t]+(?:(?:à|a|de|di|z)[ \t]+)?[34][ \t]+"
    r"(?:chiffres|dígitos|digitos|cifre|cyfr|cyframi)[ \t]*[:=]?[ \t]*)\Z"
)
# "Ungültige Prüfziffer in Zeile 417": a line of a file, after a check digit's word.
_LINE_BEFORE = re.compile(r"(?i:\b(?:line|row|zeile|ligne|linha|fila|riga|regel|wiersz))\s*[:#]?\s*\Z")


def cvv(match: re.Match[str], scan: Scan) -> Finding | None:
    """Named a CVV, or right after a card number or expiry (a few words after an expiry, in any
    language), or called a code where cards are talked of ("card 3652 933049 4655, exp. 06-28,
    code 913"); never a line's number."""
    start = match.start()
    if not (
        scan.follows(start, (CARD, EXPIRY))
        or (
            match.end() - start == 3 and scan.follows(start, (EXPIRY,), 30, _CODE_WORDS)
        )  # "11/27, segurtasun-kodea 705"
        or scan.before(start, ctx.CVV, width=32)
        or ((found_card(scan) or scan.holds(EXPIRY)) and scan.led_by(start, ctx.CODE_IN_CARD_TALK, width=16))
        or (answers(scan, start, ctx.CVV) and found_card(scan))  # "the three-digit code on the back?" / "562."
        or (_LENGTH_NAMED.search(scan.text, max(0, start - 32), start) is not None and found_card(scan))
    ):
        return None
    if _LINE_BEFORE.search(scan.text, max(0, start - 12), start) or after_published_card(scan, start):
        return None
    if _in_pipe_or_tab_table(scan.text, start) and not ctx.CVV.pattern.search(scan.column_header(start) or "cvv"):
        return None  # a table's cell under another header ("order | ... | CVV" then "1187 | ...")
    return found(CVV, start, match.end())


_PIPE_OR_TAB = re.compile(r"[|\t]")


def _in_pipe_or_tab_table(text: str, start: int) -> bool:
    """Whether the value's line is a row of a pipe- or tab-separated table (a comma may be prose's)."""
    if lines.line_start(text, start) == 0:
        return False
    return lines.line_fact(text, start, "pipes", lambda low, high: _PIPE_OR_TAB.search(text, low, high) is not None)


def found_card(scan: Scan) -> bool:
    return scan.holds(CARD)
