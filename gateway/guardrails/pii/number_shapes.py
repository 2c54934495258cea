"""The shapes every numeric detector's pattern shares: where a value may start (not inside a longer
token, a decimal, a price, a path or a range) and end, and its digit groups."""

from __future__ import annotations

import re

# Not inside a longer token, a decimal, a price, a path or a range. ``FIRST_DIGIT`` is a value's first
# digit with that condition after it: a pattern that starts with a plain character class lets the
# regex engine skip to the next digit in C instead of trying every position.
NOT_AFTER = r"[\w.$€£¥@/+-]"
# After a comma only as a cell of delimited text: not after "1," unless four digits or more follow
# (a thousands group has three), or three then a space and a digit (a spaced number's first group:
# "LAB-7741,438 590 2178"; no thousands group is followed so), or a date's shape ("...0009,04/27":
# a CSV row's expiry after its card), or unless the comma follows a date ("04/27,281": its CVV).
NOT_AFTER_COMMA = (  # a letter-first value ("...,2007-11-03,A51532696") is a cell
    r"(?:(?<!\d,)|(?<=\d\d/\d\d,)|(?<=/\d{4},)|(?=[A-Z]|\d{4}|\d{3} \d|\d\d?[/-]\d))"
)
FIRST_DIGIT = rf"\d(?<!{NOT_AFTER}\d)(?:(?<!\d,\d)|(?<=\d\d/\d\d,\d)|(?<=/\d{{4}},\d)|(?=\d{{3}}|\d?[/-]\d))"
# Japanese, Chinese and Korean write their particles straight after a number ("ITIN은 927-74-0888이고")
CJK = "\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af"
RIGHT_BOUND = rf"(?![^\W{CJK}]|[./-]\d)"


def value_pattern(body: str) -> re.Pattern[str]:
    """A value starting with ``FIRST_DIGIT``; ``body`` is the rest of it, after that first digit."""
    return re.compile(f"{FIRST_DIGIT}(?:{body}){RIGHT_BOUND}")


def led_value_pattern(body: str) -> re.Pattern[str]:
    """For detectors with a lead, tried only where it holds (``Pattern.match``), so the leading
    look-behind costs nothing: ``body`` is the whole value."""
    return re.compile(f"(?<!{NOT_AFTER}){NOT_AFTER_COMMA}(?:{body}){RIGHT_BOUND}")


_GROUP_SEPARATOR = re.compile(r" {1,2}|-")


def digit_groups(value: str) -> list[str]:
    return _GROUP_SEPARATOR.split(value)
