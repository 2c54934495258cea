# ruff: noqa: E501  (a pattern reads best on one line, whole)
"""Harmful intent in so many words, for the categories other than prompt attacks.

A sentence model places "how do I make counterfeit money" and "how can I tell if a note is
counterfeit" side by side: it reads the subject more than the intent. These patterns read the
intent that words make plain: a request for the means to harm ("how do I poison someone"), a
first-person threat ("I'm going to stab him"), insults aimed at the reader ("you worthless
idiot"), a group called vermin, a request for explicit sex. They add to the nearest seeds' vote
(the highest confidence wins) and are written for precision: the object must be a person, the
insult must be aimed at "you", the group must be named.
"""

from __future__ import annotations

import re

from gateway.guardrails.semantic.attacks import normalised

_ASK = (
    r"(?:how (?:do|can|could|would|should|might) (?:i|we|you|one|someone)|how to|ways? to|best way to|easiest way to"
    r"|steps to|help me|teach me|tell me how to|show me how to|instructions (?:for|to|on)|guide to|explain how to"
    r"|i want to|i need to|i'?m going to|i am going to|i'?ll|i will|let'?s)"
    r"(?:\s+(?:quickly|easily|secretly|successfully|safely|go about|get away with))?"
)
_PERSON = (
    r"(?:someone|somebody|a person|people|him|her|them|you|everyone|my (?:\w+ )?(?:wife|husband|boss|neighbou?r|brother"
    r"|sister|teacher|coworkers?|co-workers?|colleagues?|roommate|family|mom|mum|dad|ex|friend|son|daughter|kids?|partner"
    r"|girlfriend|boyfriend|classmates?)|his (?:\w+ )?(?:wife|family|kids?)|a (?:child|kid|woman|man|girl|boy|cop|police officer)"
    r"|that (?:guy|man|woman|girl|boy|kid)|the (?:people|kids|children|students|protesters|crowd|teacher|cops?))(?![\w'’])"
)
_HARM = r"(?:kill|murder|stab|shoot|strangle|choke|poison|torture|beat up|hurt|injure|maim|kidnap|assault|attack|burn|drown|suffocate|behead|rape)"
_TARGET = r"(?:a |the |an |my |his |her |someone'?s |their |my \w+'?s )?"
_CRIME = (
    r"(?:steal(?! (?:a |the )?(?:base|bases|show|heart|spotlight|ideas?))|shoplift|launder|smuggle|bribe|blackmail"
    r"|extort|scam|defraud|embezzle|phish|dox|pickpocket|burgle|hotwire|counterfeit|rob (?:a|the|my|someone|people)"
    rf"|hack into|hack {_TARGET}(?:\w+ )?(?:account|email|phone|website|bank|server|wi-?fi|network|computer|instagram|facebook)"
    rf"|break into {_TARGET}(?:\w+ )?(?:house|home|car|apartment|flat|shop|store|building|safe|account|email|phone)"
    rf"|forge {_TARGET}(?:signature|document|passport|id|check|cheque|prescription|note|certificate)s?"
    r"|stalk (?:someone|him|her|my|an? (?:ex|person|girl|woman|man))|spy on (?:someone|him|her|my|people)"
    r"|traffic (?:people|humans|women|children|girls|drugs|weapons)|evade (?:taxes|customs|the police)"
    r"|cook meth|make meth|synthesi[sz]e (?:meth|drugs|a nerve agent|poison)"
    r"|make (?:a )?(?:bomb|pipe bomb|explosive|napalm|fake (?:id|passport|money|documents?))"
    r"|buy (?:drugs|cocaine|heroin|meth|a gun illegally|stolen \w+|fake \w+)|sell (?:drugs|stolen \w+))"
)
_COVERT = (
    r"\bwithout (?:getting caught|being caught|anyone (?:knowing|noticing|finding out)|them (?:knowing|noticing)"
    r"|(?:him|her) (?:knowing|noticing)|being (?:traced|detected)|leaving (?:a trace|marks|evidence)"
    r"|the (?:police|cops|owner|teacher) (?:knowing|noticing|finding out))"
)
_INSULT = (
    r"(?:idiot|moron|imbecile|stupid|stupidest|dumb|dumbest|dumbass|loser|pathetic|worthless|useless|ugly|ugliest"
    r"|trash|garbage|clown|fool|creep|slob|failure|waste of (?:space|oxygen|air)|piece of (?:shit|trash|garbage)"
    r"|disgrace|retard|freak|brain-?dead|brainless|cretin|scum|parasite|bitch|bastard|jerk)"
)
_GROUP = (
    r"(?:immigrants|refugees|migrants|foreigners|muslims|jews|christians|hindus|sikhs|arabs|africans|asians|chinese"
    r"|mexicans|blacks|black people|whites|white people|gays|gay people|lesbians|trans people|transgender people"
    r"|women|men|disabled people|the disabled|roma|gypsies|indians|latinos|hispanics|atheists|catholics)"
)
_DEHUMANISING = (
    r"(?:vermin|parasites|animals|rats|cockroaches|subhuman|a disease|a plague|a cancer|savages|inferior|filth"
    r"|scum|criminals|terrorists|rapists|freaks|perverts|mentally ill|a burden|backwards|evil|the enemy)"
)
_SEX = r"(?:sex|sexual|sexually|naked|nude|erotic|erotica|kinky|kinkiest|porn\w*|orgasm|genitals?|in bed|lovers?)"
_REQUEST = r"(?:write|describe|generate|create|tell|give|send|make|show|roleplay|role-play|talk)"
# Talk about prejudice ("why do people think immigrants are criminals?") is not prejudice.
_REPORTED = re.compile(
    r"\b(?:think|thinks|believe|believes|claim|claims|myth|stereotypes?|is it true|misconceptions?|why do (?:some )?people"
    r"|argue|argues|prejudice|propaganda|racis[mt]|bigot\w*|history of|origins? of|how (?:do|can) (?:i|we) (?:respond|counter|report|deal))\b"
)

PATTERNS: dict[str, tuple[tuple[int, re.Pattern[str]], ...]] = {
    "VIOLENCE": (
        (3, re.compile(rf"\b{_ASK}\s+(?:\w+\s+){{0,2}}?{_HARM}\s+(?:\w+\s+){{0,1}}?{_PERSON}")),
        (
            3,
            re.compile(
                rf"\bi(?:'m| am)?\s+(?:going to|gonna|will|want to|wanna|'ll|plan to|am about to)\s+(?:\w+\s+){{0,1}}?{_HARM}\s+(?:\w+\s+){{0,1}}?{_PERSON}"
            ),
        ),
        (3, re.compile(r"\b(?:most painful|quickest|fastest|best|easiest) way to (?:kill|murder|torture|hurt)\b")),
        (2, re.compile(rf"\b{_HARM}\b[^.?!\n]{{0,40}}{_COVERT}")),
    ),
    "MISCONDUCT": (
        (3, re.compile(rf"\b{_ASK}\s+{_CRIME}\b")),
        (3, re.compile(rf"\b{_CRIME}\b[^.?!\n]{{0,60}}{_COVERT}")),
        (3, re.compile(r"\bgun\b[^.?!\n]{0,30}\bwithout a background check\b")),
        (2, re.compile(rf"\b{_ASK}\b[^.?!\n]{{0,60}}{_COVERT}")),
        (2, re.compile(r"\b(?:painkillers|opioids|oxy\w*|xanax|adderall|drugs|pills)\s+without a prescription\b")),
        (
            2,
            re.compile(
                r"\b(?:write|create|make|generate)\s+(?:me\s+)?(?:a\s+)?(?:phishing \w+|ransomware|malware|keylogger|fake (?:invoice|review|doctor'?s note|id|passport)s?)\b"
            ),
        ),
    ),
    "INSULTS": (
        (
            3,
            re.compile(
                rf"\byou(?:'re| are|r)\s+(?:such\s+|just\s+|really\s+|nothing but\s+)?(?:an?\s+|so\s+|the\s+)?(?:\w+,?\s+){{0,2}}?{_INSULT}\b"
            ),
        ),
        (3, re.compile(rf"\byou\s+(?:\w+,?\s+){{0,1}}?{_INSULT}\b(?!\s+(?:of|to|for|at|in|with|and))")),
        (2, re.compile(rf"\b(?:what|such)\s+an?\s+(?:\w+,?\s+){{0,3}}?{_INSULT}\b[^.?!\n]{{0,10}}\byou\b")),
        (
            2,
            re.compile(
                rf"\b(?:call|calling|tell|telling)\s+(?:him|her|them|my \w+)\s+(?:\w+\s+){{0,2}}?(?:a|an|he'?s|she'?s|they'?re)\s+(?:\w+,?\s+){{0,2}}?{_INSULT}\b"
            ),
        ),
        (2, re.compile(rf"\bare you\s+(?:\w+\s+)?{_INSULT}\b")),
    ),
    "HATE": (
        (
            3,
            re.compile(
                rf"\b{_GROUP}\s+(?:are|is)\s+(?:all\s+|just\s+|nothing but\s+|naturally\s+|born\s+)?(?:\w+\s+){{0,2}}?{_DEHUMANISING}\b"
            ),
        ),
        (
            3,
            re.compile(
                rf"\b{_GROUP}\s+(?:should|must|need to|deserve to)\s+(?:all\s+)?(?:be\s+)?(?:wiped out|exterminated|deported|gassed|killed|banned|locked up|thrown out|driven out|eliminated|sterili[sz]ed)"
            ),
        ),
    ),
    "SEXUAL": (
        (
            3,
            re.compile(
                rf"\b{_REQUEST}\b[^.?!\n]{{0,40}}\b(?:porn\w*|erotica|erotic|sexually explicit|x-rated|nsfw|sexting|sext|dirty talk|sex scenes?|graphic sex|explicit sex)\b"
            ),
        ),
        (
            3,
            re.compile(
                rf"\b{_REQUEST}\b[^.?!\n]{{0,60}}\b(?:explicit|graphic(?:ally)?|explicitly|in (?:graphic|explicit|vivid) detail)\b",
            ),
        ),
        (2, re.compile(r"\b(?:talk dirty|dirty talk|sext me|turn me on|make me horny)\b")),
        (2, re.compile(r"\b(?:you|i)\b[^.?!\n]{0,30}\b(?:naked|nude)\b[^.?!\n]{0,30}\b(?:me|you|bed)\b")),
    ),
}
_ALSO = {("SEXUAL", 1): re.compile(rf"\b{_SEX}\b")}  # (category, pattern index): must be found in the text too
_NAMES = ("NONE", "LOW", "MEDIUM", "HIGH")


def confidences(text: str) -> dict[str, str]:
    """For each category whose patterns match ``text``: the highest confidence among them."""
    lowered = normalised(text)
    reported = _REPORTED.search(lowered) is not None
    found: dict[str, str] = {}
    for category, patterns in PATTERNS.items():
        if reported and category in ("HATE", "INSULTS"):
            continue
        best = 0
        for index, (level, pattern) in enumerate(patterns):
            also = _ALSO.get((category, index))
            if level > best and pattern.search(lowered) and (also is None or also.search(lowered)):
                best = level
        if best:
            found[category] = _NAMES[best]
    return found
