"""The caller's say over the cache: the ``x-strata-cache`` request header (every surface).

``no-cache``: answer from the model, store the answer; ``no-store``: a cached answer may serve,
a new one is not kept; ``bypass``: both (the cache is not used at all); ``only-if-cached``: a
cached answer or a 504, never a model call (as HTTP's only-if-cached). Several may be given,
comma-separated. Any key may send any of them: the cache only ever serves a caller's own scope,
so skipping it costs no one but the caller.
"""

from __future__ import annotations

from gateway.caller_text import shown
from gateway.errors import InvalidRequest

NO_READ = 1
NO_STORE = 2
ONLY_IF_CACHED = 4
HEADER = "x-strata-cache"
_FLAGS = {"no-cache": NO_READ, "no-store": NO_STORE, "bypass": NO_READ | NO_STORE, "only-if-cached": ONLY_IF_CACHED}


def parse_directives(value: str) -> int:
    """The header's flags; a 400 naming the header for a word it does not know."""
    flags = 0
    for word in value.split(","):
        word = word.strip().lower()
        if not word:
            continue
        flag = _FLAGS.get(word)
        if flag is None:
            raise InvalidRequest(
                f"Header {HEADER} takes no-cache, no-store, bypass or only-if-cached, not {shown(word)!r}.",
                param=HEADER,
            )
        flags |= flag
    if flags & ONLY_IF_CACHED and flags & NO_READ:
        raise InvalidRequest(f"Header {HEADER}: only-if-cached cannot be combined with no-cache.", param=HEADER)
    return flags
