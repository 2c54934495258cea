"""Numeric identifiers: cards (their CVV and expiry: ``card_details.py``), US, UK and Canadian numbers, PINs.

Each pattern proposes digit runs in the formats people write; the judge keeps a candidate only
when its check digits hold and, for formats that are just digits, when a keyword says what it is.
"""

from __future__ import annotations

import re

from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii import lookalike_words as lookalike
from gateway.guardrails.pii import validators as check
from gateway.guardrails.pii.account_lookalikes import (
    CLOUD_ACCOUNT,
    OTHER_ACCOUNT,
    REFERENCE_BEFORE,
    clock_or_hex,
    named_routing,
)
from gateway.guardrails.pii.bank_forms import (
    BAI2_RECORDS,
    MICR_LINES,
    NACHA_ENTRIES,
    TAGGED_BANK_NUMBERS,
    X12_PAYMENT,
)
from gateway.guardrails.pii.card_details import (
    ANSWERED_EXPIRY,
    ANSWERED_EXPIRY_STARTS,
    CID,
    KEYED_EXPIRY,
    answered_expiry,
    cid,
    cids,
    cvv,
    expiry,
    found_card,
    keyed_expiries,
    keyed_expiry,
    speaks_of_cards,
)
from gateway.guardrails.pii.card_numbers import GROUPED_CARD, card, grouped_card
from gateway.guardrails.pii.detector import Detector, after_keywords, has_any, mentioning, starting_with
from gateway.guardrails.pii.documented_values import published_example
from gateway.guardrails.pii.keywords import Keywords
from gateway.guardrails.pii.number_shapes import RIGHT_BOUND, led_value_pattern, value_pattern
from gateway.guardrails.pii.placeholders import example_sentence
from gateway.guardrails.pii.scan import WIDTH, Finding, Scan, digits_of, found
from gateway.guardrails.pii.second_values import called_other, second_of_its_kind
from gateway.guardrails.pii.transcripts import answers
from gateway.guardrails.pii.travel_documents import TRAVEL_DOCUMENTS

CARD, CVV, EXPIRY = "CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY"
SSN, ITIN = "US_SOCIAL_SECURITY_NUMBER", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER"
ACCOUNT, ROUTING, PASSPORT = "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER", "US_PASSPORT_NUMBER"
NHS, UTR = "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER"
SIN, CA_HEALTH, PIN = "CA_SOCIAL_INSURANCE_NUMBER", "CA_HEALTH_NUMBER", "PIN"


def _ssn_or_itin(match: re.Match[str], scan: Scan) -> Finding | None:
    """3-2-4 digits: an ITIN when it starts with 9, else an SSN. Dashes are enough; other forms
    need the keyword."""
    digits = match[1] + match[2] + match[4] + match[5]
    if digits.startswith("98765432"):
        return None  # 987-65-4320 to -4329: the numbers the SSA set aside for advertisements
    if published_example(scan, digits):
        return None  # 078-05-1120, Woolworth's wallet card, in a text that calls it an example
    if check.us_itin(digits):
        kind, keywords = ITIN, ctx.ITIN
    elif check.us_ssn(digits):
        kind, keywords = SSN, ctx.SSN
    else:
        return None
    if scan.near(match.start(), match.end(), keywords):
        return found(kind, match.start(), match.end())
    if kind == ITIN and scan.near(match.start(), match.end(), ctx.SSN):
        return found(ITIN, match.start(), match.end())  # an ITIN in an SSN's field, as the IRS's forms take it
    if kind == SSN and scan.before(match.start(), ctx.TAX_ID, width=32):
        return found(SSN, match.start(), match.end())  # an SSN in a taxpayer id's field: "tax_id": "452-09-7731"
    if match[3] == "-" and not called_other(scan, match.start()):
        return found(kind, match.start(), match.end())
    if second_of_its_kind(scan, match.start(), kind):
        return found(kind, match.start(), match.end())  # "mi ITIN es 963-55-5708 y el de mi esposo 907 83 6462"
    return None


def _dotted_ssn(match: re.Match[str], scan: Scan) -> Finding | None:
    """3.2.4 digits: an SSN or ITIN only when its keyword is near (dots also write dates and versions)."""
    digits = match[1] + match[2] + match[4] + match[5]
    if check.us_itin(digits) and scan.near(match.start(), match.end(), ctx.ITIN):
        return found(ITIN, match.start(), match.end())
    if check.us_ssn(digits) and scan.near(match.start(), match.end(), ctx.SSN):
        return found(SSN, match.start(), match.end())
    return None


def _routing(match: re.Match[str], scan: Scan) -> Finding | None:
    start = match.start()
    if not check.aba_routing(digits_of(match.group())):
        return None
    header = scan.column_header(start)
    if not (
        scan.near(start, match.end(), ctx.ROUTING)
        or _ACH_BEFORE.search(scan.text, max(0, start - 8), start)
        or (header is not None and ctx.ROUTING.pattern.search(header))  # a table's rows far below "Routing"
    ):
        return None
    if scan.led_by(start, ctx.ACCOUNT) and not scan.led_by(start, ctx.ROUTING):
        return None  # "ACH is fine: acct 216899034 routing 725038632": the account, whatever its digits
    if header is not None and ctx.ACCOUNT.pattern.search(header) and not ctx.ROUTING.pattern.search(header):
        return None  # a payments CSV's account column, on a row that says ACH
    return found(ROUTING, start, match.end())


def _under_header(scan: Scan, start: int, keywords: Keywords, beside: str | None = None) -> bool:
    """Whether the value is a table's cell in a column whose header names it ("nhs_number", an
    aligned "Account" rows above); with ``beside``, only in a text where that kind was found too
    (an account column's cells, in a table whose routing numbers were found)."""
    if not scan.mentions(keywords) or (beside is not None and not scan.holds(beside)):
        return False
    header = scan.column_header(start)
    return header is not None and keywords.pattern.search(header) is not None


# a routing number and its account, written as a pair: "ACH 122000661 / 2957730184"
_ACH_BEFORE = re.compile(r"(?i)\bACH[ \t]*:?[ \t]*\Z")
_PAIR_SLASH = re.compile(r"[ \t]*/[ \t]*\Z")
_IBAN_HEAD = re.compile(r"[A-Z]{2}\d\d(?: ?[A-Z0-9]{4})* ?\Z")
_ISO_DATE = re.compile(r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])")


_HTTP_STATUS_BEFORE = re.compile(r'HTTP/\d(?:\.\d)?"[ \t]+(?:\d{3}[ \t]+)?\Z')


def _account(match: re.Match[str], scan: Scan) -> Finding | None:
    digits = digits_of(match.group())
    if not (6 <= len(digits) <= 17 and len(set(digits)) > 1):
        return None
    if (
        not scan.near(match.start(), match.end(), ctx.ACCOUNT)
        and not scan.follows(match.start(), (ROUTING,), gap=4, between=_PAIR_SLASH)
        and not _under_header(scan, match.start(), ctx.ACCOUNT, ROUTING)
    ):
        return None  # first: most numbers stand far from the word, and the look-alikes below cost more
    if _IBAN_HEAD.search(scan.text, max(0, match.start() - 34), match.start()):
        return None  # the tail of an IBAN (one failing its check digits: not an account either)
    if _QUANTITY_KEY.search(scan.text, max(0, match.start() - 64), match.start()):
        return None  # '"account_type": "checking", "amount_cents": 250000': its own key names a quantity
    if len(digits) == 12 and (
        CLOUD_ACCOUNT.search(scan.text, max(0, match.start() - 24), match.start())
        or f"::{digits}:" in scan.text
        or _AWS_ERROR.search(scan.text) is not None
    ):
        return None  # "AWS 123456789012", "arn:aws:iam::123456789012", "account 4471 1820 9312" of an ARN's
    if _ISO_DATE.fullmatch(match.group()):
        return None  # "2025-11-07" in a payments CSV's date column
    if _HTTP_STATUS_BEFORE.search(scan.text, max(0, match.start() - 16), match.start()):
        return None  # an access log's status and size: '"GET /account/login HTTP/2.0" 200 48213
    if _DIGIT_GROUP_BEFORE.search(scan.text, max(0, match.start() - 2), match.start()):
        return None  # the tail of a longer number ("385 228 719" read from its second group)
    if REFERENCE_BEFORE.search(scan.text, max(0, match.start() - 24), match.start()):
        return None  # "file ref 7730-22918-C": a reference, whatever account is named nearby
    if OTHER_ACCOUNT.search(scan.text, max(0, match.start() - 48), match.start()):
        return None  # "Service account no.: 4471-20983-001", "Employer's account number": no bank's account
    if clock_or_hex(scan.text, match.start(), match.end()):
        return None  # "Fri Mar 14 09:02:11 2025", a MAC's "68-77-95-C3-E8-53": a time, a hex string
    if example_sentence(scan, match.start(), match.end()):
        return None  # "The sample check in this guide shows ... account 000123456789, for illustration only"
    if len(digits) == 9 and named_routing(scan, match.start()):
        return None  # "라우팅 번호 234071028 (checksum failed)": a bad routing number, no account
    return found(ACCOUNT, match.start(), match.end())


# A value's own key (JSON, YAML, ini, logfmt) naming a quantity, an id or a time: whatever account a
# key beside it names, the value is that quantity.
_QUANTITY_KEY = re.compile(
    r"(?<![\w-])(?:[\w.-]{0,30}[_.-])?(?i:amount|total|price|cost|cents|qty|quantity|count|balance|limit|fee|sum"
    r"|size|bytes|duration|ms|timestamp|ts|time|epoch|port|year|version|seq|sequence|txn_id|order_id|invoice_id)"
    r"(?:[_-]?[A-Za-z]{1,10})?[\"']?[ \t]*[:=][ \t]*[\"']?\Z"
)


# an AWS error, policy or IAM id around a 12-digit account: "AccessDenied for user ci-bot in account
# 418273950216", "role deploy-prod has AROA3XFRBF535PLBIFPI4, account 210987654321"
_AWS_ERROR = re.compile(
    r"\b(?:AccessDenied|AssumeRole\w*|UnauthorizedOperation|arn:aws|iam:|sts:|A(?:ROA|IDA)[A-Z0-9]{12,})"
)


_NHS_PRINTED = re.compile(r"\d{3}([ -])\d{3}\1\d{4}")  # how the NHS prints its numbers


_ASKED_REACH = 160  # a question's line and the answer's, in a call transcript


def _asked_for(scan: Scan, start: int, keywords: Keywords) -> bool:
    """Whether one of ``keywords`` stands in the few lines before ``start``: the question a
    transcript's answer replies to ("Have you got his NHS number?" / "... 424 150 2091"), even
    when the next line asks for a phone number."""
    return scan.mentions(keywords) and scan.keyword_in(keywords, max(0, start - _ASKED_REACH), start) is not None


def _ten_digits(match: re.Match[str], scan: Scan) -> Finding | None:
    """Ten digits: an NHS number (mod 11), a UTR (its check digit) or an Ontario health number (with
    its version letters), each only beside its keyword."""
    suffix = match["suffix"]
    start, end = match.start(), match.end()
    number_end = match.start("suffix") if suffix else end
    while match.string[number_end - 1] in " -":
        number_end -= 1
    digits = digits_of(match.string[start:number_end])
    if published_example(scan, digits):
        return None  # NHS Digital's documented test patients, in a text about testing
    if check.uk_nhs(digits) and (scan.near(start, end, ctx.NHS) or _under_header(scan, start, ctx.NHS)):
        return found(NHS, start, number_end)  # beside the word, or in a column headed "nhs_number"
    if (
        check.uk_nhs(digits)
        and _NHS_PRINTED.fullmatch(match.string, start, number_end)
        and (not scan.near(start, end, ctx.PHONE) or _asked_for(scan, start, ctx.NHS))
    ):
        return found(NHS, start, number_end)  # "row 15: 404 142 2280" in a text about NHS numbers
    if check.uk_utr(digits) and scan.near(start, end, ctx.UTR):
        return found(UTR, start, end if suffix == "K" else number_end)
    if scan.near(start, end, ctx.CA_HEALTH):
        return found(CA_HEALTH, start, end)
    return None


_DIGIT_GROUP_BEFORE = re.compile(r"\d[ -]\Z")
_DIGIT_GROUP_AFTER = re.compile(r"[ -]\d")


def _sin(match: re.Match[str], scan: Scan) -> Finding | None:
    """Nine digits passing Luhn: near "SIN", or written 3-3-3 with nothing saying it is something else."""
    if not check.ca_sin(digits_of(match.group())):
        return None
    if _DIGIT_GROUP_BEFORE.search(scan.text, max(0, match.start() - 2), match.start()) or _DIGIT_GROUP_AFTER.match(
        scan.text, match.end()
    ):
        return None  # three groups of a longer run ("microchip 985 141 002 337 261")
    if example_sentence(scan, match.start(), match.end()) or published_example(scan, digits_of(match.group())):
        return None  # "the 046 454 286 on the worksheet is the CRA's example", in any language
    if scan.near(match.start(), match.end(), ctx.SIN) or second_of_its_kind(scan, match.start(), SIN):
        return found(SIN, match.start(), match.end())
    if (
        match[1]
        and not scan.before(match.start(), lookalike.NOT_PERSONAL)
        and not scan.before(match.start(), ctx.PHONE)
    ):
        return found(SIN, match.start(), match.end())
    return None


def _passport(match: re.Match[str], scan: Scan) -> Finding | None:
    if published_example(scan, match.group()):
        return None  # placeholder="e.g. 123456789" (not any "sample": "exfiltrated sample: passport=...")
    if (
        scan.near(match.start(), match.end(), ctx.PASSPORT)
        or second_of_its_kind(scan, match.start(), PASSPORT)
        or answers(scan, match.start(), ctx.PASSPORT)
    ):
        return found(PASSPORT, match.start(), match.end())
    if _DOCUMENT_NUMBER.search(scan.text, max(0, match.start() - 24), match.start()) and scan.keyword_in(
        ctx.PASSPORT, max(0, match.start() - 160), match.start()
    ):
        return found(
            PASSPORT, match.start(), match.end()
        )  # a form's "Document Title: U.S. Passport ... Document Number:"
    return None


_DOCUMENT_NUMBER = re.compile(r"(?i)\bdoc(?:ument)?\.?[ \t]*(?:number|no\.?|#)[ \t]*[:#]?[ \t]*\Z")


def _pin(match: re.Match[str], scan: Scan) -> Finding | None:
    return found(PIN, match.start(), match.end()) if scan.led_by(match.start(), ctx.PIN) else None


DETECTORS = (
    TAGGED_BANK_NUMBERS,
    X12_PAYMENT,
    BAI2_RECORDS,
    NACHA_ENTRIES,
    Detector(
        (CARD,),
        value_pattern(
            r"\d{3}( {1,2}|-)\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{3}([ -])\d{6}\2\d{4,5}|\d{12,18}"
            r"|\d{3}\.\d{4}\.\d{4}\.\d{4}"
        ),
        card,
        lead=r"(?<=\d)(?:[ .-]{0,2}\d){12}",
        lead_run=6,
    ),
    Detector(
        (CARD,),
        GROUPED_CARD,
        grouped_card,
        mentioning(ctx.CARD),
        matches=after_keywords(GROUPED_CARD, ctx.CARD, WIDTH, 40),
    ),
    Detector(
        (EXPIRY,),
        led_value_pattern(r"(?:0?[1-9]|1[0-2]) ?[/-] ?(?:20)?\d\d"),
        expiry,
        lambda scan: found_card(scan) or scan.mentions(ctx.EXPIRY),
        needs=(CARD,),
        lead=r"(?<=\d)\d? ?[/-]",
    ),
    Detector(
        (EXPIRY,),
        ANSWERED_EXPIRY,
        answered_expiry,
        lambda scan: "?" in scan.text and scan.mentions(ctx.EXPIRY),
        needs=(CARD,),
        matches=starting_with(ANSWERED_EXPIRY, *ANSWERED_EXPIRY_STARTS),
    ),
    Detector(  # "到期日 2027/03", "有効期限 2028.09": year first with a slash or dot, after the keyword
        (EXPIRY,),
        led_value_pattern(r"20\d\d ?[/.-] ?(?:0[1-9]|1[0-2])"),
        expiry,
        mentioning(ctx.EXPIRY),
        needs=(CARD,),
        lead=r"(?<=2)0\d\d ?[/.-] ?[01]\d",
        lead_run=6,
    ),
    Detector(  # "有効期限：2027年9月", "유효기간 2027년 9월": year then month, after the keyword
        (EXPIRY,),
        led_value_pattern(r"(?:20)?\d\d ?[年년] ?(?:0?[1-9]|1[0-2]) ?[月월]"),
        expiry,
        mentioning(ctx.EXPIRY),
        needs=(CARD,),
        lead=r"(?<=\d)\d{1,3} ?[年년]",
    ),
    Detector(
        (EXPIRY,),
        KEYED_EXPIRY,
        keyed_expiry,
        lambda scan: scan.mentions(ctx.EXPIRY) and speaks_of_cards(scan),
        needs=(CARD,),
        matches=keyed_expiries,
    ),
    Detector((CVV,), CID, cid, has_any("cid"), needs=(CARD,), matches=cids),
    Detector(
        (CVV,),
        value_pattern(r"\d{2,3}"),
        cvv,
        lambda scan: found_card(scan) or scan.mentions(ctx.CVV),
        needs=(CARD, EXPIRY),
        lead=r"(?<=\d)\d\d",
    ),
    Detector(
        (SSN, ITIN),
        re.compile(rf"(\d)(?<![\w.$€£¥@/+]\d)(?<!\d,\d)(?<![\d.,]-\d)(\d\d)([ -]?)(\d{{2}})\3(\d{{4}}){RIGHT_BOUND}"),
        _ssn_or_itin,
        lead=r"(?<=\d)\d\d[ -]?\d\d[ -]?\d{4}",
        lead_run=6,
    ),
    Detector(
        (SSN, ITIN),
        re.compile(r"(\d)(?<![\w.$€£¥@/+]\d)(\d\d)(\.)(\d\d)\.(\d{4})(?!\w|[./-]\d)"),  # "075.48.2123"
        _dotted_ssn,
        lead=r"(?<=\d)\d\d\.\d\d\.\d{4}",
        lead_run=6,
    ),
    Detector(
        (ROUTING,),
        led_value_pattern(r"\d{9}|\d{3}([ -])\d{3}\1\d{3}"),
        _routing,
        has_any(*(ctx.ROUTING.needles or ()), "ach"),
        lead=r"(?<=\d)(?:\d{8}|\d\d[ -]\d{3}[ -]\d{3})",
        lead_run=6,
    ),
    *MICR_LINES,
    Detector(
        (ACCOUNT,),
        value_pattern(r"(?:\d{5,16}|\d{1,7}(?:[ -]\d{2,8}){1,4})(?![ -]?\d)"),
        _account,
        has_any(*(ctx.ACCOUNT.needles or ()), *(ctx.ROUTING.needles or ()), "ach"),  # an account, or one paired
        needs=(ROUTING,),
        lead=r"(?<=\d)(?:\d{5}|\d{0,7}[ -]\d\d)",
    ),
    Detector(
        (NHS, UTR, CA_HEALTH),
        led_value_pattern(
            r"(?:\d{3}([ -]?)\d{3}\1\d{4}|\d{4}([ -]?)\d{3}\2\d{3}|\d{5} ?\d{5})(?:[ -]?(?P<suffix>[A-Z]{1,2}))?"
        ),
        _ten_digits,
        lambda scan: scan.mentions(ctx.NHS) or scan.mentions(ctx.UTR) or scan.mentions(ctx.CA_HEALTH),
        lead=r"(?<=\d)(?:[ -]?\d){9}",
        lead_run=6,
    ),
    Detector(
        (SIN,), value_pattern(r"\d\d([ -]?)\d{3}\1\d{3}"), _sin, lead=r"(?<=\d)\d\d[ -]?\d{3}[ -]?\d{3}", lead_run=6
    ),
    Detector((PASSPORT,), led_value_pattern(r"[A-Z]{1,2}\d{6,8}|\d{9}"), _passport, mentioning(ctx.PASSPORT)),
    *TRAVEL_DOCUMENTS,
    Detector((PIN,), led_value_pattern(r"\d{4,8}"), _pin, mentioning(ctx.PIN), lead=r"(?<=\d)\d{3}"),
)
