"""Letters-and-digits identifiers: IBAN, SWIFT/BIC, VIN, UK National Insurance numbers, and the
conservative context-only ones (licence plates, driver's licence numbers).

IBAN and VIN carry check digits; a NINO's letters follow HMRC's rules; a BIC's country must exist
and, since many upper-case words fit its shape ("HOSPITAL" would be bank HOSP in Italy), one
without a digit counts only near a banking word.
"""

from __future__ import annotations

import re

from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii import lines
from gateway.guardrails.pii import validators as check
from gateway.guardrails.pii.detector import Detector, Judge, after_keywords, has_any, mentioning, starting_with
from gateway.guardrails.pii.documented_values import published_example
from gateway.guardrails.pii.keywords import keywords
from gateway.guardrails.pii.placeholders import example_sentence
from gateway.guardrails.pii.scan import Finding, Scan, found

IBAN, SWIFT, VIN = "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "SWIFT_CODE", "VEHICLE_IDENTIFICATION_NUMBER"
NINO, PLATE, DRIVER = "UK_NATIONAL_INSURANCE_NUMBER", "LICENSE_PLATE", "DRIVER_ID"

_NINO_REFUSED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_FILLERS = r"(?i:\s*(?:number|num|no\.?|#|id|is|was|reads|:|-|of|on file)(?![a-z]))*\s*"


def _iban(match: re.Match[str], scan: Scan) -> Finding | None:
    """The country's length of characters, read across the spaces of the printed groups."""
    value = match.group()
    length = check.IBAN_LENGTHS.get(value.replace(" ", "")[:2])
    if length is None:
        return None
    seen = 0
    for index, char in enumerate(value):
        seen += char != " "
        if seen == length:
            end = match.start() + index + 1
            if end < len(scan.text) and scan.text[end].isalnum():
                return None
            iban = value[: index + 1].replace(" ", "")
            if not check.iban(iban) or published_example(scan, iban):
                return None  # a failed check, or GB82 WEST ... in a text about examples
            return found(IBAN, match.start(), end)
    return None


# A word in capitals right before (not a label for the code): the code is the next word of a name.
_NAME_IN_CAPITALS = re.compile(r"(?<![\w-])(?!(?:SWIFT|BIC|CODE|BIC/SWIFT|SWIFT/BIC)\b)[A-Z]{2,}[ ]\Z")
# An MT103 / MT202 field that holds a BIC (":52A:", ":57A:"), right before the code.
_BIC_FIELD = re.compile(r":5[0-9][A-D]:\Z")
# A slot that holds a BIC in a bank statement's or EDI message's own syntax: MT940's "?30", EDIFACT's
# FII segment ("FII+OR+BE89001929629585:Name+GKCCBEBB:25:17'").
_BIC_SLOT = re.compile(r"\?30\Z|\bFII\+[^'\n]{0,120}\+\Z")
_PROMO = re.compile(
    r"(?i:promo(?:tion(?:al)?)?|coupon|voucher|discount|referral|gift|(?:use|enter|apply)[ \t]+(?:the[ \t]+)?code)"
    r"[\w ]{0,12}[\s:#=-]*\Z"  # "Use code SPRING25OFF at checkout"
)


_AFTER_IBAN = re.compile(r"[\s,;:/|()\-—–]*\Z")  # "ES08 0182 ... 7094 — BBVAESMM"
# a help desk's routing of tickets, not a bank's: "Ticket routing: queue FINANCES -> status RESOLVED"
_TICKET_ROUTING = re.compile(r"(?i)\b(?:ticket|queue|case|incident)s?[ \t]+routing\b|\brouting[ \t]*:[ \t]*queue\b")


def _swift(match: re.Match[str], scan: Scan) -> Finding | None:
    code = match.group()
    if not check.swift(code) or len(set(code[:4])) == 1:
        return None  # "XXXXDEXXXXX": a form's template
    if published_example(scan, code):
        return None  # NWBKGB2L beside the IBAN registry's example, in a text about documentation
    start = match.start()
    if _PROMO.search(scan.text, max(0, start - 30), start):
        return None  # "promo code SPRING25"
    if _other_column(scan, start, match.end()):
        return None  # a table's column of something else: "campaign" holding WINTER24
    if _QUANTITY_AFTER.match(scan.text, match.end()) and not scan.near(start, match.end(), ctx.SWIFT):
        return None  # "GRNDSHLD4X2 (ground shield) x2": a part in a pick list, with its quantity
    plain_word = code.isalpha() and not code.endswith("XXX")
    if plain_word and example_sentence(scan, start, match.end()):
        return None  # "SAMPLE CHEQUE FOR TRAINING"
    if plain_word and _NAME_IN_CAPITALS.search(scan.text, max(0, start - 24), start):
        return None  # "영문 이름은 LEE SEUNGMIN": a name written in capitals, its surname before it
    if plain_word and not (
        (scan.near(start, match.end(), ctx.SWIFT) and not _ticket_routing(scan.text))
        or _BIC_FIELD.search(scan.text, max(0, start - 5), start)
        or _BIC_SLOT.search(scan.text, max(0, start - 130), start)
        or (
            scan.follows(start, (IBAN,), gap=4, between=_AFTER_IBAN)
            and "\n" not in scan.text[max(0, start - 4) : start]
        )
    ):
        return None
    return found(SWIFT, start, match.end())


def _ticket_routing(text: str) -> bool:
    return lines.text_fact(text, "ticket routing", lambda: _TICKET_ROUTING.search(text) is not None)


_QUANTITY_AFTER = re.compile(r"(?:[ \t]*\([^()\n]{0,40}\))?[ \t]*[x×][ \t]?\d{1,4}\b")


def _other_column(scan: Scan, start: int, end: int) -> bool:
    """Whether the code is a whole cell of a table whose header (a short name) names something
    other than a bank code. Lines of prose with as many commas as each other are no table: the
    cell must be the code alone and the header a name."""
    text = scan.text
    line_start, line_end = lines.line_bounds(text, start)
    before, after = start, end  # the cell's edges, quotes and blanks left out
    while before > line_start and text[before - 1] in " \t\"'":
        before -= 1
    while after < line_end and text[after] in " \t\"'":
        after += 1
    if (before > line_start and text[before - 1] not in ",\t|;") or (after < line_end and text[after] not in ",\t|;"):
        return False
    header = scan.column_header(start)
    if header is None or not _HEADER_NAME.fullmatch(header.strip()):
        return False
    return ctx.SWIFT.pattern.search(header) is None


_HEADER_NAME = re.compile(r"[\w /#.-]{1,32}")


def _lower_iban(match: re.Match[str], scan: Scan) -> Finding | None:
    """An IBAN typed in lower case ("de02591339983947527509"), in a text that says IBAN."""
    value = match.group()
    if value.isupper():
        return None  # the upper-case detector's
    upper = value.upper()
    length = check.IBAN_LENGTHS.get(upper[:2])
    if length is None or len(upper) != length or not check.iban(upper):
        return None
    return found(IBAN, match.start(), match.end())


def _named_swift(match: re.Match[str], scan: Scan) -> Finding | None:
    """A code written in lower case right after "SWIFT" or "BIC" ("swift code bofiie2d")."""
    value = match["value"]
    if value.isupper() or not check.swift(value.upper()):
        return None  # upper case: the plain detector's
    return found(SWIFT, match.start("value"), match.end("value"))


def _named_nino(match: re.Match[str], scan: Scan) -> Finding | None:
    """A NINO written in lower case right after its name ("my nino is ne314082b")."""
    value = match["value"]
    if value.isupper() or value[:2].upper() in _NINO_REFUSED:
        return None
    return found(NINO, match.start("value"), match.end("value"))


def _vin(match: re.Match[str], scan: Scan) -> Finding | None:
    value = match.group()
    mixed = any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
    if check.vin(value) or (mixed and scan.near(match.start(), match.end(), ctx.VIN)):
        return found(VIN, match.start(), match.end())
    return None


def _nino(match: re.Match[str], scan: Scan) -> Finding | None:
    start = match.start()
    if match.group()[:2] in _NINO_REFUSED or _FORMAT_BEFORE.search(scan.text, max(0, start - 60), start):
        return None  # "The import guide shows the format as AB123456C"
    return found(NINO, start, match.end())


# a number's format shown, not someone's number ("a sample row from the file" is someone's)
_FORMAT_BEFORE = re.compile(r"(?i)\b(?:format|looks? like|e\.g\.|for example|such as)\b[^.\n]{0,40}\Z")


def _nino_example(match: re.Match[str], scan: Scan) -> Finding | None:
    """QQ 12 34 56 C: HMRC's own example number, never issued, but what people write as theirs;
    not when its sentence calls it the form's example or placeholder, nor in a test record."""
    if example_sentence(scan, match.start(), match.end()):
        return None
    text = scan.text
    test_word = lines.line_fact(text, match.start(), "test word", lambda low, high: _TEST_WORD.search(text, low, high))
    if test_word is not None and test_word.end() <= match.start():
        return None  # "S0420  Test User  QQ 12 34 56 C": a test record's placeholder
    return found(NINO, match.start(), match.end())


_TEST_WORD = re.compile(r"(?i)\b(?:test|dummy|sample)\b")


def _valued(kind: str, min_digits: int, letters: bool = False) -> Judge:
    """A judge for keyword-led patterns: the value group, of a plausible length and digit count
    (and with a letter, when ``letters``)."""

    def judge(match: re.Match[str], scan: Scan) -> Finding | None:
        value = match["value"]
        compact = re.sub(r"[ -]", "", value)
        if not 4 <= len(compact) <= 20 or sum(c.isdigit() for c in compact) < min_digits:
            return None
        if letters and compact.isdigit():
            return None
        return found(kind, match.start("value"), match.end("value"))

    return judge


_plate_value = _valued(PLATE, 1, letters=True)  # "registration number 12345678" is a company's


def _plate(match: re.Match[str], scan: Scan) -> Finding | None:
    if scan.text[max(0, match.start() - 8) : match.start()].strip().lower().endswith("vat"):
        return None  # "VAT reg no GB 294 7731 58": a tax registration
    return _plate_value(match, scan)


_driver = _valued(DRIVER, 2)

_NAMED_SWIFT = re.compile(
    r"(?i:\b(?:swift|bic)(?:[ /]?(?:code|bic))?)"
    + _FILLERS
    + r"(?P<value>(?i:[a-z]{6}[a-z0-9]{2}(?:[a-z0-9]{3})?))(?!\w)"
)
_NAMED_NINO = re.compile(
    r"(?i:\b(?:nino|ni(?= ?(?:number|num|no\b|#|:))|national insurance(?: number| no\.?)?))"
    + _FILLERS
    + r"(?P<value>(?i:[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z] ?\d\d ?\d\d ?\d\d ?[a-d]))(?!\w)"
)
# a NINO typed in lower case in its printed groups ("its pe 17 80 34 d"), a clause after its name
# ("my ni number is wrong?? its ..."): the groups say what it is, the name that it is one
_SPACED_NINO = re.compile(r"(?<!\w)(?P<value>[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z] \d\d \d\d \d\d [a-d])(?!\w)")
_NINO_NAMES = keywords(r"nino", r"ni (?:number|num|no)", r"national insurance")
_NINO_REACH = 80
_NAMED_PLATE = re.compile(
    r"(?i:licen[cs]e[ -]plates?|number[ -]plates?|registration[ -]plates?|reg plates?|plates?"
    r"|(?:vehicle |car )?reg(?:istration)?(?:\.| mark| number| no\.?)?|tag number)"
    + _FILLERS
    + r"(?P<value>[A-Z0-9]{1,8}(?:[ -][A-Z0-9]{1,4}){0,2})(?![\w-])"
)

_NAMED_DRIVER = re.compile(
    r"(?i:driver'?s?'?[ -]licen[cs]es?|driving[ -]licen[cs]es?|driver'?s? id|(?<![^\W_])dl(?![^\W_])|d\.l\.)"
    + _FILLERS
    + r"(?P<value>[A-Z0-9]{1,20}(?:[ -]\d{2,}){0,4})(?![\w-])"
)
# Keyword-first patterns are tried only where their keywords start (detector.starting_with).

# What the patterns below need, in the text's shape (Scan.shape: capitals "A", digits "0", space,
# "." and "-" "s"): a country's two letters and check digits then at least 11 more; a NINO's run.
_IBAN_SHAPE = re.compile(rb"As?As?00(?:s?[A0]){11}")
_NINO_SHAPE = re.compile(rb"AAs?00s?00s?00s?A")


DETECTORS = (
    Detector(
        (IBAN,),
        # the country's letters and check digits may be spaced as OCR and dictation leave them: "DE 8750", "D E 32"
        re.compile(r"[A-Z](?:(?<![A-Za-z0-9][A-Z])|(?<=\?3[18][A-Z])) ?[A-Z] ?\d\d(?: ?[A-Z0-9]){11,30}"),
        _iban,
        lambda scan: scan.shape_matches(_IBAN_SHAPE),
    ),
    Detector(
        (IBAN,),
        re.compile(r"[a-z](?<![A-Za-z0-9][a-z])[a-z]\d\d[a-z0-9]{11,30}(?![A-Za-z0-9])"),
        _lower_iban,
        has_any("iban"),
    ),
    Detector(
        (SWIFT,),
        # a Korean particle or Japanese kana may follow at once: "SWIFT 코드는 KOEXKRSE입니다"
        # or glued to an MT940 subfield's "?30" (its counterparty's BIC; "?31" its IBAN)
        re.compile(
            r"[A-Z](?:(?<!\w[A-Z])|(?<=\?30[A-Z]))[A-Z]{5}[A-Z0-9]{2}(?:[A-Z0-9]{3})?(?![^\W\u3040-\u30ff\uac00-\ud7af])"
        ),
        _swift,
        lambda scan: scan.shape(b"AAAAAA"),
        needs=(IBAN,),
    ),
    Detector(
        (SWIFT,),
        _NAMED_SWIFT,
        _named_swift,
        has_any("swift", "bic"),
        matches=starting_with(_NAMED_SWIFT, "swift", "bic"),
    ),
    Detector(
        (VIN,),
        re.compile(r"[A-HJ-NPR-Z0-9](?<!\w[A-HJ-NPR-Z0-9])[A-HJ-NPR-Z0-9]{16}(?!\w)"),
        _vin,
        lambda scan: scan.capitals_and_digits(17),
    ),
    Detector(
        (NINO,),
        re.compile(r"[A-CEGHJ-PR-TW-Z](?<!\w[A-Z])[A-CEGHJ-NPR-TW-Z] ?\d\d ?\d\d ?\d\d ?[A-D](?!\w)"),
        _nino,
        lambda scan: scan.shape_matches(_NINO_SHAPE),
    ),
    Detector(
        (NINO,),
        _NAMED_NINO,
        _named_nino,
        has_any("nino", "ni n", "ni#", "ni #", "ni:", "ni :", "national insurance"),
        matches=starting_with(_NAMED_NINO, "nino", "ni", "national insurance"),
    ),
    Detector(
        (NINO,),
        _SPACED_NINO,
        _named_nino,
        mentioning(_NINO_NAMES),
        matches=after_keywords(_SPACED_NINO, _NINO_NAMES, _NINO_REACH, 13),
    ),
    Detector((NINO,), re.compile(r"QQ(?<!\wQQ) ?\d\d ?\d\d ?\d\d ?[A-D](?!\w)"), _nino_example),
    Detector(
        (PLATE,),
        _NAMED_PLATE,
        _plate,
        has_any("plate", "registration", "reg ", "reg.", "reg:", "tag number"),
        matches=starting_with(_NAMED_PLATE, "licen", "number", "reg", "plate", "vehicle ", "car ", "tag number"),
    ),
    Detector(
        (DRIVER,),
        _NAMED_DRIVER,
        _driver,
        has_any("driv", "dl", "d.l."),
        matches=starting_with(_NAMED_DRIVER, "driv", "dl", "d.l."),
    ),
)
