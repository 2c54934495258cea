"""Tags in a one-line form field, both ways: the field shows a team's stored tags so that a save
with nothing edited reads back exactly the same list, spaces and commas inside tags included."""

from __future__ import annotations

import re

from gateway.errors import InvalidRequest

_TAG = re.compile(r'"((?:[^"]|"")*)"|([^\s,"]+)|(")')
_PLAIN_TAG = re.compile(r'[^\s,"]+')


def tags(text: str) -> list[str]:
    """Tags as typed: separated by commas, spaces or lines; a tag holding a space, a comma or a
    quotation mark is written in quotation marks ("cost center"), a quotation mark in it doubled."""
    found = []
    for match in _TAG.finditer(text):
        quoted, plain, stray = match.groups()
        if stray is not None:
            raise InvalidRequest(
                'Tags: a quotation mark is not closed. Write a tag with spaces or commas as "cost center".',
                param="tags",
            )
        found.append(plain if quoted is None else quoted.replace('""', '"'))
    return found


def tags_text(stored: list[str]) -> str:
    """Stored tags as the form shows them, so that tags() reads back exactly the same list."""
    return ", ".join(tag if _PLAIN_TAG.fullmatch(tag) else '"' + tag.replace('"', '""') + '"' for tag in stored)
