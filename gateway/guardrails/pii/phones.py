"""Phone numbers: international (+ or 00 and a country code), North American, and national
numbers with a trunk 0 (UK, France, Germany, Australia, Japan...).

What keeps order numbers, dates, versions and prices out: the formats themselves (area and
exchange codes that cannot start with 0 or 1, E.164's 8 to 15 digits, groups that end on a digit),
the boundaries (not after "$", "." or "#"), and words nearby that say the number is an order, a part,
an account or a version, unless a phone word is there too.
"""

from __future__ import annotations

import re

from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii import lines
from gateway.guardrails.pii import lookalike_words as lookalike
from gateway.guardrails.pii.detector import Detector, mentioning
from gateway.guardrails.pii.documented_values import published_example
from gateway.guardrails.pii.placeholders import example_sentence
from gateway.guardrails.pii.scan import RANKS, Finding, Scan, digits_of, found
from gateway.guardrails.pii.transcripts import answers

PHONE = "PHONE"
_NOT_AFTER = r"[\w.+/#$€£-]"
_RB = r"(?![^\W\uac00-\ud7af]|[.-]\d)"  # a Korean particle may follow at once: "010-7264-1938로"
_GROUP_END = re.compile(r"\d(?=[ .()\-]+\d)")
_INTERNATIONAL_REST = r"\d(?:[ .()\-]{0,2}\d){6,16}"
_CODE_BEFORE = re.compile(r"[A-Za-z0-9]*\d[A-Za-z0-9]* \Z")  # "1Z 999 AA1 01 2345 6784"


# an account's word right before the number ("cuenta 7305518842"; "the phone number on the account is" is no such)
_ACCOUNT_BEFORE = re.compile(
    r"(?i)\b(?:account|acct\.?|a/c|cuenta|konto|compte|conta|conto|rekening|hesab\w*)"
    r"[ \t]*(?:no\.?|number|nr\.?|#)?[ \t]*:?[ \t]*\Z"
)
# a line of ``hexdump -C``, ``xxd`` or ``od``: an offset, then bytes in hex, one or two to a group
_HEX_DUMP_LINE = re.compile(r"[ \t]*[0-9a-fA-F]{6,8}:?(?:[ \t]{1,2}[0-9a-fA-F]{2}(?:[0-9a-fA-F]{2})?){8}")


def _personal(scan: Scan, start: int, end: int) -> bool:
    """Not called an order, a part, another identifier, not the tail of a longer code... unless
    it is also called a phone."""
    if _DATE_TIME.match(scan.text, start):
        return False  # "call 2024-05-14 16:02": a time stamp
    if _HEX_DUMP_LINE.match(scan.text, lines.line_start(scan.text, start)):
        return False  # "00000010  08 00 45 00 00 3c ...": bytes in hexdump's or xxd's columns
    if scan.mentions(ctx.ACCOUNT) and _ACCOUNT_BEFORE.search(scan.text, max(0, start - 24), start):
        return False  # "cuenta 7305518842" with "Tel:" on the next line: an account
    if end - start <= 12 and published_example(scan, digits_of(scan.text[start:end])):
        return False  # NHS Digital's test patient 943 476 5919 in a training note: nobody's, nor a phone
    if _CHECK_FAILS.match(scan.text, end):
        return False  # 'bad_check = "401 023 4569"  # fails modulus 11': a test's invalid identifier
    if example_sentence(scan, start, end):
        return False
    if scan.near(start, end, ctx.PHONE):
        # "Thanks for calling. Your account number is 462 828 7437": the phone word is another sentence's
        if _NUMBER_IS.search(scan.text, max(0, start - 16), start) and (
            scan.led_by(start, lookalike.NOT_PERSONAL) or scan.led_by(start, lookalike.OTHER_IDS)
        ):
            return _phone_in_sentence(scan, start, after_name=True)
        return True
    if scan.before(start, lookalike.NOT_PERSONAL) or scan.before(start, lookalike.OTHER_IDS):
        return False
    if _other_column(scan, start):
        return False  # a cell under "Part no." or "Order" in a pasted table
    return _CODE_BEFORE.search(scan.text, max(0, start - 12), start) is None


def _other_column(scan: Scan, start: int) -> bool:
    """Whether the value is a table's cell whose header names something else than a phone."""
    if not (scan.mentions(lookalike.NOT_PERSONAL) or scan.mentions(lookalike.OTHER_IDS)):
        return False
    header = scan.column_header(start)
    if header is None or ctx.PHONE.pattern.search(header):
        return False
    return bool(lookalike.NOT_PERSONAL.pattern.search(header) or lookalike.OTHER_IDS.pattern.search(header))


_CHECK_FAILS = re.compile(
    r"[^\n]{0,12}?(?i:fails?|failed|failing|invalid|bad)\s+(?:the\s+)?(?i:modulus|mod\b|checksum|check ?digit|luhn)"
)
_DATE_TIME = re.compile(r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[ T]\d\d")
_SENTENCE_BREAK = re.compile(r"[.!?]\s|\n")
_NUMBER_IS = re.compile(r"(?i:number|num|no\.?|#)[\s:#]*(?i:is[\s:]*)?\Z")


def _phone_in_sentence(scan: Scan, start: int, after_name: bool = False) -> bool:
    """Whether a phone word stands in the sentence before ``start`` ("my phone number on the account
    is"), not only before another name for the number ("Caller read out NHS number ...")."""
    low = max(0, start - 80)
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(scan.text, low, start)]
    words = list(ctx.PHONE.pattern.finditer(scan.text, breaks[-1] if breaks else low, start))
    if not words:
        return False
    if not after_name:
        return True
    name = [m.start() for m in lookalike.OTHER_IDS.pattern.finditer(scan.text, words[0].start(), start)]
    return not name or any(word.start() > name[-1] for word in words)


def _international(match: re.Match[str], scan: Scan) -> Finding | None:
    """+CC and 7 to 14 more digits; a longer run is cut back to its last whole group that fits."""
    value = match.group()
    prefix = 2 if value.startswith("00") else 0
    if prefix and (any(c in value for c in ".-") or not _personal(scan, match.start(), match.end())):
        return None  # "00" is a weaker sign than "+": spaced groups only, and nothing saying otherwise
    if prefix and " " not in value and not scan.near(match.start(), match.end(), ctx.PHONE):
        return None  # "Customer number 0048213377": unspaced, only a phone word makes it one
    ends = [m.end() for m in _GROUP_END.finditer(value)] + [len(value)]
    for end in reversed(ends):
        candidate = value[:end]
        digits = len(digits_of(candidate)) - prefix
        if digits <= 15:
            if digits >= 8 and candidate.count("(") == candidate.count(")"):
                if prefix:
                    return found(PHONE, match.start(), match.start() + end)
                # "+351 912 447 083": the country code says phone; it outranks the national
                # identifiers its digits may also pass for (a SIN, an SSN, an NHS number)
                return Finding(
                    PHONE, match.start(), match.start() + end, RANKS["UK_NATIONAL_HEALTH_SERVICE_NUMBER"] + 1
                )
            return None
    return None


def _north_american(match: re.Match[str], scan: Scan) -> Finding | None:
    """3-3-4 with separators or a bracketed area code, after an optional trunk "1-". Real area and
    exchange codes never start with 0 or 1, but people write 555-123-4567 and 123-456-7890 as phone
    numbers, so the shape decides."""
    return found(PHONE, match.start(), match.end()) if _personal(scan, match.start(), match.end()) else None


def _bare_ten(match: re.Match[str], scan: Scan) -> Finding | None:
    """Ten digits and nothing else: a phone number only when a phone word is near."""
    start = match.start()
    if not scan.near(start, match.end(), ctx.PHONE) or scan.before(start, lookalike.NOT_PERSONAL):
        return None
    if scan.mentions(ctx.ACCOUNT) and (
        _ACCOUNT_BEFORE.search(scan.text, max(0, start - 24), start)
        or ctx.ACCOUNT.pattern.search(scan.column_header(start) or "") is not None
    ):
        return None  # "cuenta 7305518842" with "Tel:" on the next line, a CSV's account column: an account
    return found(PHONE, start, match.end())


def _national(match: re.Match[str], scan: Scan) -> Finding | None:
    count = len(digits_of(match.group()))
    if count == 9 and match.group().startswith("(0") and _personal(scan, match.start(), match.end()):
        return found(PHONE, match.start(), match.end())  # "(09) 376 5521": New Zealand, Ireland, Sweden
    if 10 <= count <= 11 and _personal(scan, match.start(), match.end()):
        return found(PHONE, match.start(), match.end())
    if count == 12 and scan.near(match.start(), match.end(), ctx.PHONE):  # German mobiles: 0151 48203917
        return found(PHONE, match.start(), match.end())
    if count == 12 and match.group().startswith(_GERMAN_MOBILE) and _personal(scan, match.start(), match.end()):
        return found(PHONE, match.start(), match.end())  # "Jonas – 0176 4482 9913 – Schicht 16–22"
    return None


# German mobile networks' prefixes (015x, 016x, 017x), in the groups people write them: "0176 4482 9913"
_GERMAN_MOBILE = ("015", "016", "017")


def _local_seven(match: re.Match[str], scan: Scan) -> Finding | None:
    """555-0134: a number without its area code, only beside a phone word."""
    if scan.near(match.start(), match.end(), ctx.PHONE) and not scan.before(match.start(), lookalike.NOT_PERSONAL):
        return found(PHONE, match.start(), match.end())
    return None


_SPELT_GATE = re.compile(r"\d[ .-]\d[ .-]\d[ .-]\d[ .-]\d")  # rare in prose: checked before the phone words
_SPELT_OUT = re.compile(r"\d(?<![\w.+/#$€£-]\d)(?<!\d[ .-]\d)([ .-])\d(?:\1\d){8,10}(?!\w|[ .-]\d)")


def _spelt_out(match: re.Match[str], scan: Scan) -> Finding | None:
    """ "text me at 6 4 6 5 5 8 2 0 1 9": one digit at a time, right after a phone word."""
    return found(PHONE, match.start(), match.end()) if scan.before(match.start(), ctx.PHONE, width=24) else None


def _keyed_national(match: re.Match[str], scan: Scan) -> Finding | None:
    """A national number in groups right after a phone word ("márqueme al 55-4132-8876",
    "proszę oddzwonić: 22 628 41 90"): 8 to 11 digits, only fillers between."""
    if not 8 <= len(digits_of(match.group())) <= 11:
        return None
    start = match.start()
    if _DATE_TIME.match(scan.text, start):
        return None  # "call 2024-05-14 16:02": a time stamp
    low = max(0, start - 32)
    ends = [m.end() for m in ctx.PHONE.pattern.finditer(scan.text, low, start)]
    if (not ends or _LED.fullmatch(scan.text, ends[-1], start) is None) and not answers(scan, start, ctx.PHONE):
        return None  # "¿Un teléfono de contacto?" then "Cliente: 655 21 87 43." is an answer
    return found(PHONE, start, match.end())


# Between a phone word and its number: "at", "al", "au", "unter", "pod", "on"...
_LED = re.compile(
    r"(?:[\s:=#.\-]|(?i:(?<![^\W_])(?:al|a|au|am|an|unter|na|pod|at|on|ao|no|is|es|est|ist|è|me|us|nos"
    # "mi móvil nuevo es el 688 41 27 93", "my new one is": a new number and its article
    r"|new|nuevo|nueva|neue|neuer|nouveau|nouvelle|novo|nova|nuovo|nieuwe|el|la|le|il|der|die|o|one"
    r"|til|till|på|op|naar|على|علي)(?![^\W_])))*"  # "Vipps til 48 21 09 77", "bel me op 06 ..."
)
_KEYED_NATIONAL = re.compile(r"[1-9](?<![\w.+/#$€£-][1-9])\d{1,3}(?:[ .-]\d{2,4}){2,3}(?!\w|[ .-]\d)")

# Russia's and Ukraine's domestic form: the trunk 8, the code, then 3-2-2 ("8 (926) 447-18-35")
_TRUNK_EIGHT = re.compile(r"8(?<![\w.+/#$€£-]8)[ \t-]?(?:\(\d{3}\)|\d{3})[ \t-]?\d{3}-\d\d-\d\d(?![\w-])")


DETECTORS = (
    Detector(
        (PHONE,), _TRUNK_EIGHT, lambda match, scan: found(PHONE, *match.span()), lambda scan: scan.shape(b"000s00s00")
    ),
    Detector((PHONE,), re.compile(rf"\+(?<![\w+]\+){_INTERNATIONAL_REST}"), _international, lead=r"(?<=\+)\d"),
    Detector(
        (PHONE,),
        re.compile(rf"0(?<![\w+]0)(?<![A-Z][A-Z]-0)0(?=[1-9]){_INTERNATIONAL_REST}"),
        _international,
        lead=r"(?<=0)0[1-9]",
    ),
    Detector(
        (PHONE,),
        re.compile(
            rf"[(\d](?<!{_NOT_AFTER}[(\d])"
            r"(?:(?<=1)[ .-](?:\(\d{3}\) ?|\d{3}[ .-])|(?<=\()\d{3}\) ?|(?<=\d)\d\d[ .-])"
            rf"\d{{3}}[ .-]\d{{4}}{_RB}"
        ),
        _north_american,
        lead=r"(?<=1)[ .-](?:\(|\d{3}[ .-])|(?<=\()\d{3}\)|(?<=\d)\d\d[ .-]\d{3}[ .-]",
    ),
    Detector(
        (PHONE,),
        re.compile(rf"\((?<![\w(]\()[2-9]\d\d\)\d{{7}}{_RB}"),  # "(503)8812047"
        _north_american,
        lambda scan: ")" in scan.text,
    ),
    Detector(  # Brazil's "(11) 98472-3315", "(21) 3344-5566": a two-digit area code in brackets, no trunk 0
        (PHONE,),
        re.compile(rf"\((?<![\w(]\()[1-9]\d\) ?9?\d{{4}}-\d{{4}}{_RB}"),
        _north_american,
        lambda scan: ")" in scan.text,
    ),
    Detector(
        (PHONE,),
        _KEYED_NATIONAL,
        _keyed_national,
        mentioning(ctx.PHONE),
        lead=r"(?<=[1-9])\d{1,3}[ .-]\d{2,4}[ .-]\d\d",
        lead_run=6,
    ),
    Detector(
        (PHONE,),
        re.compile(r"[2-9](?<![\w.+/#$€£(-][2-9])\d\d[.-]\d{4}(?![\w-]|[.]\d)"),
        _local_seven,
        lambda scan: scan.shape(b"000s0000") and scan.mentions(ctx.PHONE),
        lead=r"(?<=[2-9])\d\d[.-]\d{4}",
        lead_run=6,
    ),
    Detector(
        (PHONE,),
        _SPELT_OUT,
        _spelt_out,
        lambda scan: (
            scan.shape(b"0s0s0s0s0") and _SPELT_GATE.search(scan.text) is not None and scan.mentions(ctx.PHONE)
        ),
    ),
    Detector(
        (PHONE,),
        re.compile(rf"[2-9](?<!{_NOT_AFTER}[2-9])\d{{9}}{_RB}"),
        _bare_ten,
        mentioning(ctx.PHONE),
        lead=r"(?<=[2-9])\d{9}",
        lead_run=6,
    ),
    Detector(
        (PHONE,),
        re.compile(
            # the area code may end with a slash, as German numbers were written: "0911 / 38 47 22"
            rf"[(0](?<!{_NOT_AFTER}[(0])(?:(?<=\()0\d{{1,4}}\) ?|(?<=0)\d{{1,4}}(?:[ -]| ?/ ?))"
            rf"\d{{2,8}}(?:[ -]\d{{2,4}}){{0,3}}{_RB}"
        ),
        _national,
        lead=r"(?<=\()0\d|(?<=0)\d{1,4}(?:[ -]| ?/ ?)\d",
    ),
)
