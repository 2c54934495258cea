"""When the semantic guard's one-slot rule (semantic_slots.py) may take two words for one: another
form of the same word ("spoke" / "spoken" / "speak", "cities" / "city", "children" / "child") or a
synonym from a short curated list of everyday request words ("purchase" / "buy", "tips" / "advice").

Why a list and not the embedding: measured with all-MiniLM-L6-v2 on single words, synonyms
("large" / "big" 0.81, "request" / "ask" 0.35) and the co-hyponyms and opposites a near-miss swaps
("husband" / "wife" 0.87, "east" / "west" 0.80, "story" / "poem" 0.26) overlap over the whole range
(medians 0.67 and 0.57): no cut keeps false hits near 2% and still accepts most synonyms. Distributional
similarity cannot tell "another word for it" from "another thing of its kind".

Every group below is a set of words a request may use for one another without changing what is
asked; a word may sit in several groups. Words that also name one of two different things ("left",
"key", "major", "sign") are left out. A missing synonym costs a cache miss, never a wrong answer;
a wrong one here costs a wrong answer, so add only words that are interchangeable in any request.
"""

from __future__ import annotations

from functools import lru_cache

# Irregular forms of common verbs and nouns: each line's words are forms of its first.
_IRREGULAR = """
be was were been being|begin began begun|break broke broken|bring brought|build built|buy bought
catch caught|choose chose chosen|come came|do did done|draw drew drawn|drink drank drunk
drive drove driven|eat ate eaten|fall fell fallen|feel felt|fight fought|find found|fly flew flown
forget forgot forgotten|forgive forgave forgiven|freeze froze frozen|get got gotten|give gave given
go went gone|grow grew grown|have has had|hear heard|hide hid hidden|hold held|keep kept|know knew known
lend lent|lose lost|make made|mean meant|meet met|pay paid|ride rode ridden|rise rose risen|run ran
say said|see seen|sell sold|send sent|shake shook shaken|show shown|sing sang sung|sit sat|sleep slept
speak spoke spoken|spend spent|stand stood|steal stole stolen|take took taken|teach taught|tell told
think thought|throw threw thrown|understand understood|wake woke woken|wear wore worn|win won
write wrote written|undo undid undone|withdraw withdrew withdrawn|seek sought|feed fed|deal dealt
child children|person people persons|man men|woman women|mouse mice|tooth teeth|goose geese
foot feet|life lives|knife knives|leaf leaves|wife wives|shelf shelves|analysis analyses
criterion criteria|medium media|index indices indexes|matrix matrices|vertex vertices
appendix appendices|phenomenon phenomena|cactus cacti|thesis theses|crisis crises
"""

# Interchangeable words of everyday requests: verbs of asking for something, and common nouns,
# adjectives and adverbs (their other forms are found by ``stems``).
_GROUPS = """
write compose draft create make generate produce craft|rewrite rephrase reword
make create build generate produce construct craft|show display print demonstrate
give provide share offer supply suggest recommend propose|tell say inform|explain describe clarify
get find obtain retrieve fetch acquire|change update modify edit alter adjust amend|remove delete erase
kill terminate|fix repair solve resolve troubleshoot|buy purchase|help assist support aid
use utilize utilise employ|choose select pick|verify confirm validate|begin start launch commence
finish complete|reply respond answer|ask request inquire enquire|improve enhance boost|learn study
talk speak chat converse|calculate compute|summarize summarise recap condense|need require
compare contrast|remember recall|save store|search seek|lose misplace|connect link|convert turn transform
picture photo image pic photograph|colleague coworker peer|note message|sea ocean|earth world|car automobile vehicle
movie film|kid child|function method|folder directory|dict dictionary|int integer|str string
error exception|error mistake|issue problem trouble|app application|tip hint advice suggestion
idea suggestion|way method approach technique option|step instruction|see view|guide tutorial walkthrough
summary overview recap synopsis|price cost|shop store|job occupation position|trip journey voyage
vacation holiday|doctor physician|phone telephone cellphone|house home|location place|link url hyperlink
website site|example sample|chart graph diagram|question query|package parcel|shipping delivery
refund reimbursement|gift present|password passcode passphrase|sofa couch
author writer|teacher instructor tutor|student pupil learner|customer client|employee worker staff
boss manager supervisor|company business firm organization organisation|country nation
big large huge enormous massive|small little tiny|fast quick rapid speedy|short brief concise
easy simple straightforward|hard difficult tough challenging|best greatest finest
cheap inexpensive affordable|expensive costly pricey|smart intelligent clever|happy glad cheerful joyful
sad unhappy|rich wealthy|sick ill unwell|correct accurate right|important crucial essential vital
common frequent|main primary principal chief|whole entire|modern contemporary
funny humorous hilarious amusing|scary frightening spooky creepy|beautiful pretty lovely gorgeous
often frequently|maybe perhaps possibly|cancel terminate
cancelar anular|annuler résilier|modifier changer|cambiar modificar|ändern wechseln|versand lieferung
"""

# Suffixes stripped to find a word's stem, longest first; "ies"/"ied"/"ier"/"iest"/"ily" end in "y".
# No "er": "printer", "server" and "letter" are not forms of "print", "serve" and "let".
_SUFFIXES = ("iest", "ing", "ies", "ied", "ier", "ily", "est", "es", "ed", "ly", "s")
_Y_SUFFIXES = frozenset({"ies", "ied", "ier", "iest", "ily"})
MIN_STEM = 3


def _table(text: str) -> dict[str, frozenset[int]]:
    """Each word's groups (by line position) in a "|"-separated table of space-separated groups."""
    found: dict[str, set[int]] = {}
    for i, group in enumerate(" ".join(text.split()).replace(" | ", "|").split("|")):
        for word in group.split():
            found.setdefault(word, set()).add(i)
    return {w: frozenset(g) for w, g in found.items()}


def _families(text: str) -> dict[str, frozenset[str]]:
    """Each word of an irregular-forms table with every form of its word."""
    groups = _table(text)
    return {w: frozenset(f for f, h in groups.items() if not h.isdisjoint(g)) for w, g in groups.items()}


_FORMS = _families(_IRREGULAR.replace("\n", "|"))
_SYNONYMS = _table(_GROUPS.replace("\n", "|"))


def interchangeable(a: str, b: str) -> bool:
    """May a request say ``b`` for ``a`` (lower-case words) and ask the same: another form of the
    word, or a synonym of one of its forms?"""
    if a == b:
        return True
    stems_a, stems_b = stems(a), stems(b)
    if not stems_a.isdisjoint(stems_b):
        return True
    groups_a = frozenset().union(*(_SYNONYMS.get(s, frozenset()) for s in stems_a))
    return any(not groups_a.isdisjoint(_SYNONYMS.get(s, frozenset())) for s in stems_b)


def synonyms(word: str) -> bool:
    """Whether ``word`` (a form of it) has listed synonyms: a cheap test before ``interchangeable``."""
    return any(stem in _SYNONYMS for stem in stems(word))


@lru_cache(maxsize=4096)
def stems(word: str) -> frozenset[str]:
    """The word and the base forms it may be an inflection of ("stopped": stop, stopp, stope)."""
    found = {word}
    found |= _FORMS.get(word, frozenset())
    for suffix in _SUFFIXES:
        if not word.endswith(suffix) or len(word) - len(suffix) < MIN_STEM:
            continue
        stem = word[: -len(suffix)]
        if suffix in _Y_SUFFIXES:
            found.add(stem + "y")
            break
        found |= {stem, stem + "e"} if suffix not in ("s", "ly") else {stem}
        if len(stem) > MIN_STEM and stem[-1] == stem[-2] and stem[-1] not in "aeiousl":
            found.add(stem[:-1])  # "stopped", "running", "biggest"
        break
    return frozenset(found)
