"""The transport interface providers depend on: send one request, get a response (like httpx's transport).

The pool (providers/transport/pool.py) is the implementation; a test can hand a provider any other.
Requests are given as wire bytes (the target and a header block) because the hot path serialises
them once and a transport should not parse them again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping


class Response(ABC):
    """Status and headers at once; the body read whole (``read``) or as it comes (``iter_chunks``).

    A response must be read to its end or closed, or its connection is never given back.
    Failures are raised as ``UpstreamError`` subclasses (providers/transport/errors.py).
    """

    __slots__ = ()

    status: int
    headers: Mapping[str, str]  # names in lower case; the first of repeated headers

    @abstractmethod
    async def read(self) -> bytes:
        """The whole body; frees the connection."""

    @abstractmethod
    def iter_chunks(self) -> AsyncIterator[bytes]:
        """The body piece by piece as it arrives (chunked framing already removed); closes at the end."""

    @abstractmethod
    def close(self) -> None:
        """Done with the response: a complete one frees its connection, anything else closes it."""


class Transport(ABC):
    """Sends requests to one origin (scheme, host, port)."""

    __slots__ = ()

    @abstractmethod
    async def request(
        self,
        method: bytes,
        target: bytes,
        head: bytes,
        body: bytes,
        *,
        connect_timeout: float,
        read_timeout: float,
    ) -> Response:
        """Send one request; returns once the response's status and headers are in.

        ``target`` is the origin-form target (path and query); ``head`` is the header block
        (lines ending in CRLF) without host and content-length, which the transport adds.
        ``connect_timeout`` bounds getting a connection; ``read_timeout`` bounds the first byte of
        the response and every gap between bytes after it.
        """

    def close(self) -> None:  # noqa: B027 (a transport without resources has nothing to do)
        """Let go of the transport's connections; requests after this fail."""
