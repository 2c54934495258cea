"""US bank numbers in the forms machines print them: a cheque's MICR line (its symbols, or as OCR
reads them), XML elements or JSON keys that name them, an X12 payment order's BPR segment, a BAI2 statement's
group (02) and account (03) records, a NACHA file's entry detail (6) records. Apart from ``numbers`` because each form
names its own field, so no keyword near the number is needed."""

from __future__ import annotations

import re

from gateway.guardrails.pii import validators as check
from gateway.guardrails.pii.detector import Detector, has_any
from gateway.guardrails.pii.scan import Finding, Scan, digits_of, found

ACCOUNT, ROUTING = "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER"

_MICR_HINT = re.compile(r"T\d{9}T|\|:")  # a literal first character: searched at C speed


def _micr_as_read(match: re.Match[str], scan: Scan) -> Finding | None:
    """A MICR line as OCR reads its symbols: both numbers, when the routing number's checksum holds
    (the account is added here, the routing number returned)."""
    prefix = "t_" if match["t_routing"] is not None else "p_"
    if not check.aba_routing(match[prefix + "routing"]):
        return None
    scan.add(found(ACCOUNT, *match.span(prefix + "account")))
    return found(ROUTING, *match.span(prefix + "routing"))


def _micr(match: re.Match[str], scan: Scan) -> Finding | None:
    """A cheque's MICR line: the routing number between transit symbols (⑆), the account before
    the on-us symbol (⑈)."""
    if match["routing"] is not None:
        if check.aba_routing(match["routing"]):
            return found(ROUTING, *match.span("routing"))
        return None
    return found(ACCOUNT, *match.span("account"))


# A value in an element or key that names it: <pay:RoutingNumber>645493904</pay:RoutingNumber>,
# OFX's <BANKID>650505845<ACCTID>53697459119, "routing_number": "021000021". One set of first
# characters, case folded only inside the names: the search skips to a "<" or a quote in C (a third
# of the time of "(?i)" over both alternatives, which tries every character).
_TAGGED = re.compile(
    r"[<\"'](?:(?<=<)(?:[\w-]+:)?(?P<tag>[\w-]*(?i:routing|aba|bankid|acctid|account)[\w-]*)(?:\s[^<>]*)?>"
    r"\s*(?P<value>\d[\d -]{4,18}\d)\b"
    r"|(?<=[\"'])(?P<key>[\w-]*(?i:routing|aba|acct|account)[\w-]*)[\"']\s*:\s*[\"']?(?P<keyed>\d[\d -]{4,18}\d)\b)"
)

_TAG_WORDS = has_any("routing", "aba", "bankid", "acctid", "account", "acct")  # most texts: no scan at all
# Without a "<", only the second alternative can match: a quoted key then ":" ('"routing": "0210..."'),
# looked for as two searches that skip to their quote in C (a set of both is tried at every character).
_QUOTED_KEY = (re.compile(r"\"\s*:"), re.compile(r"'\s*:"))

_NOT_THE_NUMBER = re.compile(r"type|name|(?<!ac)count|status|holder|balance|limit")


def _tagged(match: re.Match[str], scan: Scan) -> Finding | None:
    name = (match["tag"] or match["key"]).lower()
    group = "value" if match["tag"] else "keyed"
    digits = digits_of(match[group])
    if "routing" in name or "aba" in name or "bankid" in name:
        return found(ROUTING, *match.span(group)) if len(digits) == 9 and check.aba_routing(digits) else None
    if _NOT_THE_NUMBER.search(name):
        return None  # <AcctType>, "account_name", "account_count": not the number
    if len(digits) == 12 and (name.endswith("id") or f"::{digits}:" in scan.text):
        return None  # CloudTrail's "recipientAccountId", sts's "Account" beside its ARN: an AWS account's 12 digits
    if 6 <= len(digits) <= 17 and len(set(digits)) > 1:
        return found(ACCOUNT, *match.span(group))
    return None


TAGGED_BANK_NUMBERS = Detector(
    (ROUTING, ACCOUNT),
    _TAGGED,
    _tagged,
    lambda scan: _TAG_WORDS(scan) and ("<" in scan.text or any(key.search(scan.text) for key in _QUOTED_KEY)),
)

MICR_LINES = (
    Detector(
        (ROUTING, ACCOUNT),
        re.compile(r"⑆(?P<routing>\d{9})⑆|(?<![\d⑈-])(?P<account>\d[\d-]{3,16}\d)⑈"),  # "⑈001047⑈": the cheque's number
        _micr,
        lambda scan: "⑆" in scan.text or "⑈" in scan.text,
    ),
    Detector(
        (ROUTING, ACCOUNT),
        # the same line as OCR and check scanners print it: T310354640T 9146051996O, |: 216705461 |: 854281535 ||
        re.compile(
            r"(?:(?<![A-Za-z0-9])T(?P<t_routing>\d{9})T[ \t]*(?P<t_account>\d[\d -]{3,16}\d)[ \t]*[OU](?![A-Za-z])"
            r"|\|:[ \t]*(?P<p_routing>\d{9})[ \t]*\|:[ \t]*(?P<p_account>\d[\d -]{3,16}\d)[ \t]*(?:\|\||\|:))"
        ),
        _micr_as_read,
        lambda scan: ("|:" in scan.text or scan.shape(b"A000000000A")) and _MICR_HINT.search(scan.text) is not None,
    ),
)

# X12 820/835's BPR segment: a qualifier 01 (ABA), the routing number, an account qualifier (DA
# checking, SG savings...), the account: "BPR*C*18406.20*C*ACH*CTX*01*090957914*DA*20554047054*..."
_BPR_PAIR = re.compile(
    r"(?P<sep>[*|^])01(?P=sep)(?P<routing>\d{9})(?P=sep)(?:DA|SG|03|04|ALC|CB)(?P=sep)(?P<account>\d[\d-]{3,33})(?=[*|^~\n]|$)"
)


def _bpr_pair(match: re.Match[str], scan: Scan) -> Finding | None:
    """A BPR segment's routing and account (the account added here), when the routing checksum holds."""
    if not check.aba_routing(match["routing"]):
        return None
    scan.add(found(ACCOUNT, *match.span("account")))
    return found(ROUTING, *match.span("routing"))


X12_PAYMENT = Detector((ROUTING, ACCOUNT), _BPR_PAIR, _bpr_pair, lambda scan: "BPR" in scan.text)

# BAI2 (cash management balance reporting): "02,<receiver>,<originator: the bank's routing>,..."
# and "03,<account>,<currency>,...", in a file that starts its records with 01, 02 and 03.
_BAI2 = re.compile(r"(?m)^(?:02,[^,\n]*,(?P<routing>\d{9}),|03,(?P<account>\d[\d-]{3,33}),(?:[A-Z]{3})?,)")


def _bai2(match: re.Match[str], scan: Scan) -> Finding | None:
    if match["routing"] is not None:
        return found(ROUTING, *match.span("routing")) if check.aba_routing(match["routing"]) else None
    return found(ACCOUNT, *match.span("account"))


BAI2_RECORDS = Detector(
    (ROUTING, ACCOUNT), _BAI2, _bai2, lambda scan: "\n02," in scan.text and "\n03," in scan.text and "01," in scan.text
)

# NACHA entry detail: "6", a transaction code (22-29 checking, 32-39 savings), the receiving bank's
# routing number (its 8 digits and check digit), the account: "6 22 328982509 20043258093  0000002500"
_NACHA_ENTRY = re.compile(
    r"(?m)^6[ \t]?(?:2[2-9]|3[2-9]|4[1-9]|5[1-5])[ \t]?(?P<routing>\d{8}[ \t]?\d)[ \t]?"
    r"(?P<account>\d[\d-]{3,16})(?=[ \t])"
)


def _nacha_entry(match: re.Match[str], scan: Scan) -> Finding | None:
    if not check.aba_routing(digits_of(match["routing"])):
        return None
    scan.add(found(ACCOUNT, *match.span("account")))
    return found(ROUTING, *match.span("routing"))


NACHA_ENTRIES = Detector(
    (ROUTING, ACCOUNT),
    _NACHA_ENTRY,
    _nacha_entry,
    lambda scan: "\n6" in scan.text and any(word in scan.text for word in ("NACHA", "PPD", "CCD", "ACH", "WEB")),
)
