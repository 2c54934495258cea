"""Two-word spellings the semantic guard folds into one token before it reads the words: "this
month" is a period of its own, "turn on" a verb with a pole, "every time" no scope. PHRASES are
found anywhere; WORD_PHRASES only as whole words (short phrases of other languages that could end
or start another word).
"""

from __future__ import annotations

from gateway.services.cache.semantic_periods import SPACED_PERIODS, UNSPACED_PERIODS

_RELATIVE = {"previous": "last", "coming": "next", "current": "this"}


# Two-word spellings folded into one token before the words are read.
PHRASES = {
    **{
        f"{which} {period}": f"{_RELATIVE.get(which, which)}_period {period}"  # the period itself read too
        for which in ("this", "next", "last", "previous", "coming", "current")
        for period in ("year", "month", "week", "quarter", "semester", "season", "weekend", "summer", "winter")
    },
    # the day after tomorrow and the day before yesterday (a day of their own: "day" above)
    "day after tomorrow": "overmorrow",
    "pasado mañana": "overmorrow",
    "après-demain": "overmorrow",
    "depois de amanhã": "overmorrow",
    "day before yesterday": "ereyesterday",
    "antes de ayer": "ereyesterday",
    "avant-hier": "ereyesterday",
    "l'altro ieri": "ereyesterday",
    "ieri l'altro": "ereyesterday",
    **UNSPACED_PERIODS,
    "turn on": "turn_on",
    "turn off": "turn_off",
    "switch on": "turn_on",
    "switch off": "turn_off",
    # "a different computer" is "another computer" ("different from" is no scope)
    "a different": "another",
    "position of": "position_of",  # a place in a sequence ("a nurse position" is a job)
    # "every time" is "whenever", not a scope ("it crashes every time I open it")
    "every time": "whenever",
    "each time": "whenever",
    # "can't remember" is "forget", not a negation
    "can't remember": "forget",
    "cannot remember": "forget",
    "don't remember": "forget",
    "do not remember": "forget",
}

# Like PHRASES, but only as whole words: short phrases of other languages that could end or start
# another word ("este mes" / "este mesero")
WORD_PHRASES = dict(SPACED_PERIODS)
# Dutch "al" before a possessive is "all" ("al mijn foto's"); elsewhere it is "already"
WORD_PHRASES |= {f"al {whose}": f"alle {whose}" for whose in "mijn je jouw uw onze ons zijn haar hun".split()}
