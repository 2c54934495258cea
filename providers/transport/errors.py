"""What can go wrong below HTTP with an upstream: one tree, named for the caller by providers/http.py."""

from __future__ import annotations


class UpstreamError(Exception):
    """The exchange with the upstream failed below HTTP (connect, read, framing, size)."""


class ConnectError(UpstreamError):
    """The upstream could not be reached (refused, unresolvable, TLS failed, proxy unreachable)."""


class ProxyError(ConnectError):
    """The proxy would not open a tunnel to the upstream (its answer to CONNECT was not 2xx)."""


class ConnectTimeout(UpstreamError, TimeoutError):
    """Opening the connection took longer than the connect timeout."""


class PoolTimeout(ConnectTimeout):
    """Every connection the pool may open stayed busy for longer than the connect timeout."""


class ReadTimeout(UpstreamError, TimeoutError):
    """The upstream went silent for longer than the read timeout."""


class Disconnected(UpstreamError):
    """The connection closed before the response was complete."""


class ProtocolError(UpstreamError):
    """The upstream (or the proxy) sent something that is not HTTP/1.1."""


class ResponseTooLarge(UpstreamError):
    """The response body is larger than the pool accepts, as announced or as it came."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit  # max_response_bytes
