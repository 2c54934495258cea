"""Private keys pasted whole: a PEM block from its "-----BEGIN ... PRIVATE KEY-----" header to the
first footer after it, or, when no footer follows anywhere, the base64 after the header (a key cut
off mid-paste is still a key)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

from gateway.guardrails.pii.detector import Detector
from gateway.guardrails.pii.scan import Finding, Scan, found
from gateway.guardrails.pii.secrets import PASSWORD


def _pem(match: re.Match[str], scan: Scan) -> Finding | None:
    return found(PASSWORD, match.start(), match.end())


# A private key block: its header, then up to the first footer after it, or (when no footer follows
# anywhere) the base64 after the header.
_PEM_HEADER = re.compile(r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----")
_PEM_FOOTER = re.compile(r"-----END[A-Z0-9 ]*PRIVATE KEY-----")
_PEM = re.compile(_PEM_HEADER.pattern + rf"(?:[\s\S]*?{_PEM_FOOTER.pattern}|[A-Za-z0-9+/=\s]*)")
_PEM_OPEN = re.compile(_PEM_HEADER.pattern + r"[A-Za-z0-9+/=\s]*")
_FOOTER_AT = re.compile(f"(?={_PEM_FOOTER.pattern})")


def _pem_blocks(text: str) -> Iterator[re.Match[str]]:
    """What ``_PEM.finditer`` finds, in linear time. The pattern's lazy search for a footer reads to
    the end of the text from every header that no footer follows (a text of headers: quadratic);
    here the footers are found once, and each header's match reads only as far as the first of
    them after it."""
    footers = [m.start() for m in _FOOTER_AT.finditer(text)]
    position = 0
    while (header := _PEM_HEADER.search(text, position)) is not None:
        after = bisect_left(footers, header.end())
        if after < len(footers):
            footer = _PEM_FOOTER.match(text, footers[after])
            assert footer is not None
            match = _PEM.match(text, header.start(), footer.end())
        else:
            match = _PEM_OPEN.match(text, header.start())
        assert match is not None
        yield match
        position = match.end()


DETECTORS = (
    Detector(
        (PASSWORD,), _PEM, _pem, lambda scan: "-----BEGIN" in scan.text, matches=lambda scan: _pem_blocks(scan.text)
    ),
)
