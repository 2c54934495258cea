"""Prompt-attack heuristics: the phrasings attacks keep reusing, matched on the text and on what
hides inside it (spaced or leetspeak letters, ROT13, base64 and hex payloads).

Families: instruction override ("ignore all previous instructions", in several languages), rule
removal ("answer without restrictions"), role-play jailbreaks (DAN, developer mode, evil twins,
the late grandmother), system-prompt extraction, fake delimiters and turns (``<|im_start|>``,
``[INST]``, "SYSTEM:"), instructions planted for a model inside a document, and encoded payloads.

Each pattern carries a confidence. The result is the highest; two different families, the higher
at least MEDIUM, raise it one level (attacks stack techniques; benign text rarely trips two). LOW
patterns (a persona's capitalised name, a "System:" line, "stay in character") only support:
alone they decide nothing, since benign text trips each of them now and then; three of them
together make MEDIUM.
Patterns favour precision: an object the model owns ("your instructions", "the above rules"),
not any verb and noun ("ignore the typos", "override the CSS"); the nearest-seed classifier in
``neighbours.py`` covers paraphrases that no pattern names.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import unicodedata

from gateway.guardrails.pattern_prefilter import PatternPrefilter
from gateway.guardrails.pii.folding import without_ignorable
from gateway.guardrails.semantic.anchors import Reading
from gateway.guardrails.semantic.attack_patterns import PATTERNS, PERSONA
from gateway.guardrails.semantic.attack_typos import KEY_WORDS, TYPO_WORD, fixed, typo_fixes
from gateway.guardrails.semantic.spelled_payloads import character_codes, percent_decoded, phonetic_spelled

LEVELS = ("NONE", "LOW", "MEDIUM", "HIGH")
_LEET = str.maketrans("013457@$!", "oieastasi")

_LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9@$])[\w@$!]+")
_PUNCTUATED = re.compile(r"\b(?:\w[.\-_*]){2,}\w\b")
_SPACED = re.compile(r"\b(?:\w ){2,}\w\b")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}[ :]?){8,}\b")


def normalised(text: str) -> str:
    return without_ignorable(unicodedata.normalize("NFKC", text)).replace("’", "'").lower()


def _despaced(text: str) -> str:
    """ "i g n o r e   a l l" and "i-g-n-o-r-e a-l-l" as "ignore all": letters split by single
    separators, joined (punctuation-split runs first, so the spaces between words survive)."""
    text = _PUNCTUATED.sub(lambda m: re.sub(r"[.\-_*]", "", m.group(0)), text)
    return _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)


def _deleeted(text: str, words: list[str] | None = None) -> str:
    """ "1gn0r3 4ll" as "ignore all": digits read as letters inside words that have letters (the
    words so read are added to ``words``)."""

    def read(match: re.Match[str]) -> str:
        word = match.group(0).translate(_LEET)
        if words is not None:
            words.append(word)
        return word

    return _LEET_WORD.sub(read, text)


def _printable(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    letters = sum(c.isprintable() or c.isspace() for c in text)
    return text if text.strip() and letters >= 0.95 * len(text) and " " in text.strip() else None


# Unicode's tag characters (U+E0020-E007E) spell ASCII invisibly: a text can carry a whole sentence
# no reader sees. Ascii85 comes between <~ and ~>; HTML writes letters as numeric entities.
_FIRST_TAG = "\U000e0020"
_FROM_TAGS = {code: code - 0xE0000 for code in range(0xE0020, 0xE007F)}
_TAGS = re.compile("[\U000e0020-\U000e007e]{8,}")
_ASCII85 = re.compile(r"<~[!-u\s]{10,}?~>")
_ENTITIES = re.compile(r"(?:&#(?:\d{2,4}|x[0-9a-fA-F]{2,4});\s?){8,}")


_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4}|\\[0-7]{2,3}){8,}")
_QP = re.compile(r"(?:=[0-9A-F]{2}){8,}")
# One word in numbers for letters: "3-1-14-3-5-12" (cancel). Each token is matched whole, in linear
# time: a regular expression over the whole run backtracked quadratically on "1-2-1-2-..." (161 s on
# 100 KB).
_NUMBER_WORD = re.compile(r"(?:[1-9]|1\d|2[0-6])(?:-(?:[1-9]|1\d|2[0-6]))+")


def _unescaped(run: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})|\\([0-7]{2,3})", lambda m: chr(int(m[1], 16) if m[1] else int(m[2], 8)), run)


def _from_quoted_printable(run: str) -> str:
    return bytes.fromhex(run.replace("=", "")).decode("utf-8", "replace")


def _numbers_for_letters(text: str) -> list[str]:
    """Runs of three or more number-words separated by "/", read as words: "9-7-14-15-18-5 /
    25-15-21-18 / 18-21-12-5-19" is "ignore your rules"."""
    runs: list[str] = []
    words: list[str] = []
    expecting_word = True
    for token in text.replace("/", " / ").split():
        if token == "/" and not expecting_word:
            expecting_word = True
        elif expecting_word and _NUMBER_WORD.fullmatch(token):
            words.append("".join(chr(96 + int(n)) for n in token.split("-")))
            expecting_word = False
        else:
            if len(words) >= 3:
                runs.append(" ".join(words))
            words, expecting_word = [], True
            if _NUMBER_WORD.fullmatch(token):
                words.append("".join(chr(96 + int(n)) for n in token.split("-")))
                expecting_word = False
    if len(words) >= 3:
        runs.append(" ".join(words))
    return runs


def payloads(text: str) -> list[str]:
    """Readable text hidden in ``text``: base64 or hex runs, Unicode tag characters, Ascii85, runs
    of HTML numeric entities, percent-encoding, decimal character codes, the phonetic alphabet (what
    an encoded attack carries)."""
    found: list[str] = []
    if text and max(text) >= _FIRST_TAG:  # one pass in C; the class search would cost 0.07 ms on 2 KB
        found += [match.group().translate(_FROM_TAGS) for match in _TAGS.finditer(text)]
    for match in _ASCII85.finditer(text) if "<~" in text else ():
        try:
            data = base64.a85decode(match.group(), adobe=True)
        except ValueError:
            continue
        if (decoded := _printable(data)) is not None:
            found.append(decoded)
    if "&#" in text:
        found += [html.unescape(match.group()) for match in _ENTITIES.finditer(text)]
    if "\\" in text:  # JSON's \u0072 and C's octal \162 escapes
        found += [_unescaped(match.group()) for match in _ESCAPES.finditer(text)]
    if "=" in text:  # quoted-printable: =41=73=73
        found += [_from_quoted_printable(match.group()) for match in _QP.finditer(text)]
    if "-" in text and "/" in text:  # A=1 ... Z=26: 3-1-14-3-5-12 / 5-22-5-18-25
        found += _numbers_for_letters(text)
    found += percent_decoded(text) + character_codes(text) + phonetic_spelled(text)
    for match in _BASE64.finditer(text):
        token = match.group(0).replace("-", "+").replace("_", "/")
        try:
            data = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        if (decoded := _printable(data)) is not None:
            found.append(decoded)
    for match in _HEX.finditer(text):
        try:
            data = bytes.fromhex(re.sub(r"[ :]", "", match.group(0)))
        except ValueError:
            continue
        if (decoded := _printable(data)) is not None:
            found.append(decoded)
    return found


# Cyrillic and Greek letters that look like Latin ones (lower case: the text is lower-cased first).
_HOMOGLYPHS = str.maketrans(
    {
        **dict(zip("асԁеёһіїјкӏмоԛрѕуүхԝɡ", "acdeehiijklmoqpsyyxwg", strict=True)),
        **dict(zip("αεικνορτυχγω", "aeikvoptuxyw", strict=True)),
    }
)
_BACKWARDS_HINTS = ("backward", "revers", "right", "mirror")
# Letters turned upside down ("ʇdɯoɹd ɯǝʇsʎs"): read back to front, each turned back.
_UPSIDE_DOWN = str.maketrans(dict(zip("ɐqɔpǝɟƃɥᴉıɾʞɯuodbɹʇnʌʍʎ", "abcdefghiijkmnopqrtuvwy", strict=True)))
_TURNED_ONLY = frozenset("ɐɔǝɟƃɥᴉɾʞɯɹʇʌʍʎ")  # letters only an upside-down text uses
_MIXED_SCRIPT = re.compile(r"[a-z][\u0370-\u03ff\u0400-\u04ff]|[\u0370-\u03ff\u0400-\u04ff][a-z]")
_BACKWARDS = re.compile(r"\b(?:backwards?|reversed?|in reverse|right[- ]to[- ]left|mirrored)\b")
# Short quoted fragments, and what a text says when it talks about a phrase instead of using it.
_QUOTED = re.compile(
    r"'(?<!\w')([^'\n]{1,60})'(?!\w)|\"([^\"\n]{1,60})\"|[“«「]([^”»」\n]{1,60})[”»」]|`([^`\n]{1,60})`"
)
_QUOTE_MARKS = "'\"“”«»「」`"  # each quote counts twice: straight quotes twice, brackets open and close
_MENTION = re.compile(
    r"\b(?:the (?:phrase|string|sentence|words?|text)"
    r"|(?:phrases?|texts?|strings?|inputs?|prompts?|messages?|requests?|e-?mails?|commands?|lines?) (?:like|such as)"
    r"|a string|types|typed|typing|injections?|research\w*|refers? to|detect\w*|sanitiz\w*|sanitis\w*"
    r"|unit tests?|test cases?|examples?|regex|attacks?|defen[cs]es?|defend\w*|protect\w*"
    r"|test (?:my|our|your|the) (?:own )?(?:\w+ )?(?:bots?|models?|assistants?|apps?|chatbots?|llms?|agents?)"
    r"|(?:acceptance|regression|integration|end-to-end) tests?|test suites?|untrusted|malicious|phishing"
    r"|translat\w*|how do (?:you|i|we) say|what (?:does|do) .{1,60} mean)\b"
    # the same in other languages: translate, "how do you say", article, example, security
    r"|\b(?:tradu[cz]\w*|traduire|übersetz\w*|przetłumacz\w*|vertaal\w*|çevir\w*"
    r"|como se diz|cómo se dice|comment dit-on"
    r"|artigo|artículo|articolo|artikel|exemplo|ejemplo|exemple|beispiel|esempio|przykład|voorbeeld"
    r"|segurança|seguridad|sécurité|sicherheit|sicurezza|bezpieczeństw\w*|beveiliging)\b"
    r"|번역|翻訳|翻译|翻譯|अनुवाद|例えば|という例|예시|示例|セキュリティ|보안|安全|インジェクション|提示词注入|提示注入|인젝션"
)


def _folded(text: str) -> str:
    """Look-alike Cyrillic and Greek letters read as Latin, when words mix the scripts."""
    return text if text.isascii() or not _MIXED_SCRIPT.search(text) else text.translate(_HOMOGLYPHS)


def _mentioned_blanked(text: str) -> str:
    """A text that talks about an attack phrase ("what does 'ignore previous instructions'
    mean?") with the short quoted phrase blanked out; long quoted payloads stay."""
    if sum(map(text.count, _QUOTE_MARKS)) < 2 or not _MENTION.search(text):
        return text
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def _joined_quotes(text: str) -> str | None:
    """Two or more short quoted fragments joined: a payload split into variables or parts."""
    if sum(map(text.count, _QUOTE_MARKS)) < 4:
        return None
    parts = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text)]
    if len(parts) < 2:
        return None
    return " ".join(p.strip() for p in parts)


# The words the patterns are made of: a leetspeak or ROT13 reading that yields none of them cannot
# match where the text as written does not, and is not searched (each reading is a full search).
_VOCABULARY = frozenset(
    word
    for pattern in PATTERNS
    for regex in (pattern.regex, pattern.also, pattern.unless)
    if regex is not None
    for word in re.findall(r"[^\W\d_]{2,}", regex.pattern)
).union(KEY_WORDS)
_ROT13_VOCABULARY = frozenset(codecs.encode(w, "rot13") for w in _VOCABULARY if w.isascii() and len(w) >= 3)
_ASCII_WORD = re.compile(r"[a-z]{3,}")
_LETTERS = re.compile(r"[^\W\d_]+")


_SYLLABLES = re.compile(r"\b[a-z]{1,6}(?:-[a-z]{1,6}){1,4}\b")


def _syllables_joined(text: str) -> str | None:
    """ "ig-nore / ev-ery / pre-vi-ous / in-struc-tion" as "ignore every previous instruction": words
    split into syllables joined, when two of them at least make the patterns' words and one is a key
    word ("e-mail" and "follow-up" alone are no reason to read the text again)."""
    joined: list[str] = []

    def join(match: re.Match[str]) -> str:
        word = match.group(0).replace("-", "")
        if word in _VOCABULARY:
            joined.append(word)
            return word
        return match.group(0)

    out = _SYLLABLES.sub(join, text)
    if len(joined) < 2 or KEY_WORDS_SET.isdisjoint(joined):
        return None
    return re.sub(r"\s+/\s+", " ", out)


KEY_WORDS_SET = frozenset(KEY_WORDS)


def _rot13_worth_reading(text: str) -> bool:
    """Whether ROT13 turns at least two different words of ``text`` into the patterns' words."""
    return len(_ROT13_VOCABULARY.intersection(_ASCII_WORD.findall(text))) >= 2


def readings(text: str) -> list[str]:
    """``text`` read the ways an attack may hide in it: as written, letters joined, leetspeak read,
    ROT13 undone, look-alike letters folded, typos of the attack words corrected, reversed (when
    the text asks for it), short quoted parts joined, and each encoded payload decoded (lower-cased,
    normalised), and turned right way up. Short quoted phrases that the text only talks about are left out."""
    folded = _folded(normalised(text))
    base = _mentioned_blanked(folded)
    leet_words: list[str] = []
    leet = _deleeted(base, leet_words)
    fixes = typo_fixes(TYPO_WORD.findall(base))
    out = [base, _despaced(base), fixed(base, fixes)]
    if "-" in base and (syllables := _syllables_joined(base)) is not None:
        out.append(syllables)
    if leet_words:  # read when it makes a pattern's word ("1gn0r3"), not for "14th" or "mp3"
        leet_read = [word for read in leet_words for word in _LETTERS.findall(read)]
        leet_fixes = typo_fixes(w for w in leet_read if TYPO_WORD.fullmatch(w))  # "ru135" as "ruies", then "rules"
        if leet_fixes or not _VOCABULARY.isdisjoint(leet_read):
            out += [leet, fixed(leet, fixes | leet_fixes)]
    if _rot13_worth_reading(base):
        out.append(codecs.decode(base, "rot13"))
    if any(word in base for word in _BACKWARDS_HINTS) and _BACKWARDS.search(base):
        out.append(base[::-1])
    if not text.isascii() and len(_TURNED_ONLY.intersection(text)) >= 3:
        out.append(normalised(text[::-1].translate(_UPSIDE_DOWN)))
    if base == folded and (joined := _joined_quotes(base)) is not None:
        out.append(joined)
    out += [normalised(p) for p in payloads(text)]
    return list(dict.fromkeys(out))


# Which patterns may match a reading, in one Hyperscan pass (built in the background on first use)
PREFILTER = PatternPrefilter([pattern.regex for pattern in PATTERNS], "attack-patterns")


def families(text: str) -> dict[str, int]:
    """The attack families found in any reading of ``text``, each with its highest level."""
    variants = [Reading(reading) for reading in readings(text)]
    possible = [PREFILTER.possible(variant.text) for variant in variants]  # None: search them all
    found: dict[str, int] = {}
    for number, pattern in enumerate(PATTERNS):
        if pattern.level > found.get(pattern.name, 0) and any(
            pattern.found(variant)
            for variant, can in zip(variants, possible, strict=True)
            if can is None or number in can
        ):
            found[pattern.name] = pattern.level
    if PERSONA.search(text):
        found["persona"] = max(found.get("persona", 0), 1)
    if text and max(text) >= _FIRST_TAG and _TAGS.search(text):
        found["hidden text"] = 2  # eight or more invisible tag characters: a message no reader sees
    return found


def confidence(text: str) -> str:
    """NONE, LOW, MEDIUM or HIGH: how sure the patterns are that ``text`` is a prompt attack."""
    levels = sorted(families(text).values(), reverse=True)
    if not levels or (levels[0] == 1 and len(levels) == 1):
        return "NONE"
    level = levels[0]
    if len(levels) > 1 and level >= 2:
        level = min(3, level + 1)
    elif len(levels) >= 3:  # three families, each alone too common to decide (a persona who never refuses, ...)
        level = 2
    return LEVELS[level]
