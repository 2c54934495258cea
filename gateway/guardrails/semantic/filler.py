"""Placeholder text: "Lorem ipsum dolor sit amet..." carries no request, and its pseudo-Latin sits
far from everything MiniLM learned, where the attack head and the seeds' vote read it as an
obfuscated payload (the classic paragraph scored PROMPT_ATTACK at HIGH). Its sentences are not
embedded for the content filters; the patterns still read the whole text, so an instruction
hidden among the filler words is read there, and what a sentence says around a run of filler is
embedded as any other text.
"""

from __future__ import annotations

import re

# The standard passage and its longer source (Cicero's "de Finibus" as typesetters cut it), and the
# words lorem ipsum generators add to them.
PASSAGES = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
    "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex "
    "ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat "
    "nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit "
    "anim id est laborum. Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque "
    "laudantium, totam rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae "
    "dicta sunt explicabo. Nemo enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugit, sed quia "
    "consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque porro quisquam est, qui dolorem "
    "ipsum quia dolor sit amet, consectetur, adipisci velit, sed quia non numquam eius modi tempora incidunt ut "
    "labore et dolore magnam aliquam quaerat voluptatem."
)
GENERATED = """
    ac accumsan aenean aliquam aliquet ante aptent arcu at auctor augue bibendum blandit class condimentum
    congue conubia convallis cras cubilia curabitur curae cursus dapibus diam dictum dictumst dignissim dis
    donec dui egestas eget eleifend elementum eni erat eros etiam euismod facilisi facilisis fames faucibus
    felis fermentum feugiat fringilla fusce gravida habitant habitasse hac hendrerit himenaeos iaculis
    imperdiet inceptos integer interdum justo lacinia lacus laoreet lectus leo libero ligula litora lobortis
    luctus maecenas magnis malesuada massa mattis mauris metus mi molestie mollis montes morbi mus nam
    nascetur natoque nec netus nibh nisl nullam nunc odio orci ornare parturient pellentesque penatibus per
    pharetra phasellus placerat platea porta porttitor posuere potenti praesent pretium primis proin pulvinar
    purus quisque rhoncus ridiculus risus rutrum sagittis sapien scelerisque sem semper senectus sociis
    sociosqu sodales sollicitudin suscipit suspendisse taciti tellus tempus tincidunt torquent tortor
    tristique turpis ullamcorper ultrices ultricies urna varius vehicula vel venenatis vestibulum vivamus
    viverra volutpat vulputate
"""
_WORDS = re.compile(r"[^\W\d_]+")
VOCABULARY = frozenset(_WORDS.findall(PASSAGES.lower())) | frozenset(GENERATED.split())
# Filler words that are English words too: a run of these alone ("do a class in a gym") is English.
ENGLISH = frozenset("a ad ante at class dis do ex id in mi magna nam non per sit error".split())
DISTINCT_WORDS = 3  # a run counts when it holds this many filler words that are not English
MIN_WORDS = 5  # a run of fewer filler words may be anything


def without_filler(text: str) -> str:
    """``text`` without its runs of MIN_WORDS or more filler words in a row (only spaces and
    punctuation between them, DISTINCT_WORDS of them no English word): "Fill this card with lorem
    ipsum: Lorem ipsum dolor sit amet..." is read as "Fill this card with". Text with no such run
    is returned as it is."""
    runs: list[tuple[int, int]] = []
    start = end = count = distinct = 0
    for word in _WORDS.finditer(text):
        lowered = word.group().lower()
        if lowered in VOCABULARY:
            if count == 0:
                start, distinct = word.start(), 0
            end, count = word.end(), count + 1
            distinct += lowered not in ENGLISH
            continue
        if count >= MIN_WORDS and distinct >= DISTINCT_WORDS:
            runs.append((start, end))
        count = 0
    if count >= MIN_WORDS and distinct >= DISTINCT_WORDS:
        runs.append((start, end))
    if not runs:
        return text
    kept, position = [], 0
    for first, last in runs:
        kept.append(text[position:first])
        position = last
    kept.append(text[position:])
    return " ".join(" ".join(kept).split())
