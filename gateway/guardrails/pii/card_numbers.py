"""Card numbers: the longest run of whole digit groups that passes Luhn and an issuer's prefix (or
Maestro's wider ranges where a card is named, or 4-4-4-4 digits with an expiry after them), and
digits grouped in no card's print, beside a card's name."""

from __future__ import annotations

import re

from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii import lines
from gateway.guardrails.pii import validators as check
from gateway.guardrails.pii.detector import needles
from gateway.guardrails.pii.documented_values import published_example
from gateway.guardrails.pii.number_shapes import digit_groups, value_pattern
from gateway.guardrails.pii.scan import Finding, Scan, digits_of, found

CARD = "CREDIT_DEBIT_CARD_NUMBER"
_IBAN_COUNTRY = re.compile(r"(?<![A-Za-z])[A-Z]{2}\d\d ?\Z")  # an IBAN's country and check digits

_TEST_CARD = re.compile(r"(?i)\btest (?:card|number)s?\b|\bdummy card\b|\bsandbox card\b")
_TEST_CARD_WORDS = needles("test card", "test number", "dummy card", "sandbox card")  # one stands in every match


_BARCODE_BEFORE = re.compile(
    r"(?i)(?:\b(?:jan|ean(?:-?13)?|upc|gtin|isbn|barcode)|商品コード|バーコード)[^\d\n]{0,6}\Z"
)


def card(match: re.Match[str], scan: Scan) -> Finding | None:
    """The longest prefix of whole digit groups that is a card number (a CVV may follow the groups)."""
    value = match.group()
    if "." in value and not scan.before(match.start(), ctx.CARD):
        return None  # "4287.1816.6309.1449" is a card only when a card is named
    if _IBAN_COUNTRY.search(scan.text, max(0, match.start() - 6), match.start()):
        return None  # "IBAN DE29 4966 9495 9382 5781 10 failed checksum": an IBAN's digits, valid or not
    if _BARCODE_BEFORE.search(scan.text, max(0, match.start() - 16), match.start()):
        return None  # "商品コード（JAN）：4901234567894": a product's barcode, whatever its check digit
    groups = digit_groups(value)
    line_start = lines.line_start(scan.text, match.start())
    if scan.has(*_TEST_CARD_WORDS) and _TEST_CARD.search(
        scan.text, max(line_start, match.start() - 64), match.end() + 64
    ):
        return None  # "the documented test card 4111 1111 1111 1111" (a real card's "format" is still one)
    four_fours = len(groups) == 4 and all(len(group) == 4 for group in groups)
    for count in range(len(groups), 0, -1):
        if four_fours and count < 4:
            break  # "6035 8812 4470 2291" failing Luhn is one number (a loyalty card's), not 12 digits and a CVV
        candidate = " ".join(groups[:count])
        digits = digits_of(candidate)
        if check.card_number(digits) or _maestro_named(digits, match, scan) or _dated(digits, value, match, scan):
            if published_example(scan, digits):
                return None  # Stripe's 4242 4242 4242 4242 in a text about testing
            return found(CARD, match.start(), match.start() + _prefix_length(value, groups[:count]))
    return None


# A card's printed 4-4-4-4 digits, then its expiry a few words on, on the same line, in any language
# ("kart 5797 3135 4272 7113, mu jeex 01/27"): the pair names a card whatever its issuer's prefix.
_FOUR_FOURS = re.compile(r"\d{4}([ -])\d{4}\1\d{4}\1\d{4}")
_EXPIRY_AFTER = re.compile(r"[^\d\n/]{0,30}?(?<!\d)(?:0?[1-9]|1[0-2]) ?/ ?(?:20)?\d\d(?![\d/])")


def _dated(digits: str, value: str, match: re.Match[str], scan: Scan) -> bool:
    return (
        len(digits) == 16
        and _FOUR_FOURS.fullmatch(value) is not None
        and check.luhn(digits)
        and len(set(digits)) > 1
        and _EXPIRY_AFTER.match(scan.text, match.end(), match.end() + 40) is not None
    )


def _prefix_length(value: str, groups: list[str]) -> int:
    """How many characters of ``value`` its first ``groups`` take, separators between them included."""
    at = 0
    for group in groups:
        at = value.index(group, at) + len(group)
    return at


def _maestro_named(digits: str, match: re.Match[str], scan: Scan) -> bool:
    """Maestro's wider ranges (50, 56-69; "card=5901629649275463"): only where a card is named, since
    most 16-digit runs starting so are not cards."""
    return (
        12 <= len(digits) <= 19
        and (digits[:2] == "50" or "56" <= digits[:2] <= "69")
        and check.luhn(digits)
        and len(set(digits)) > 1
        and scan.before(match.start(), ctx.CARD)
    )


_PRINTED = re.compile(r"\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5}")
GROUPED_CARD = value_pattern(r"\d{1,5}(?:[ -]\d{2,6}){2,6}")


def grouped_card(match: re.Match[str], scan: Scan) -> Finding | None:
    """Digits grouped in no card's print ("55 62 8655 5309 3613", "457475 3101 343558"): a card
    only when its checks hold and a card is named in the clause before it."""
    groups = digit_groups(match.group())
    if _PRINTED.fullmatch(match.group()):
        return None  # a printed format: the first card detector's
    if any(len(g) < 2 for g in groups) or not scan.before(match.start(), ctx.CARD):
        return None
    return card(match, scan)
