"""The literal text every match of a regular expression must contain, to skip a search that
cannot succeed (what RE2 and Hyperscan call a literal prefilter).

Python's ``re`` tries a pattern such as ``\\b[a-z0-9-]+\\.corp\\.internal\\b`` at every word start of
the text; most prompts do not contain ``.corp.internal`` at all, and one ``in`` over the text says so
far faster. Only literals in the pattern's top-level sequence count (each of them is in every
match); anything inside a group, a branch or a repetition is left out, so the prefilter never
skips a text the pattern would match.
"""

from __future__ import annotations

import re
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

SHORTEST = 3  # a shorter literal saves little over the search itself


def required_literal(pattern: re.Pattern[str]) -> str | None:
    """The longest run of consecutive literal characters at the pattern's top level, or None when
    there is none worth testing for. A pattern that ignores case gets none: Unicode case folding
    matches characters that lower() does not turn into the literal's (the long s and "s")."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # never stand in the way: no prefilter
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    best, run = "", ""
    for op, argument in parsed:
        if op is sre_constants.LITERAL:
            run += chr(argument)
            best = max(best, run, key=len)
        else:
            run = ""
    return best if len(best) >= SHORTEST else None
