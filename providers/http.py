"""Shared HTTP sessions for upstreams: one pooled, keep-alive aiohttp session per origin.

aiohttp directly, not httpx: on the fake upstream, httpx's own pool gave ~200 requests/s at
concurrency 50 and httpx over an aiohttp transport ~900, while aiohttp alone gave ~1,600
(bench/http_clients.py, BENCHMARKS.md). The hot path cannot afford the difference.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

from providers import errors as perr


class HttpClients:
    """Hands out one session per origin; sessions are created inside the running loop."""

    def __init__(self) -> None:
        self._sessions: dict[str, aiohttp.ClientSession] = {}

    def session_for(self, url: str) -> aiohttp.ClientSession:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        session = self._sessions.get(origin)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60, ttl_dns_cache=300)
            session = aiohttp.ClientSession(connector=connector, raise_for_status=False)
            self._sessions[origin] = session
        return session

    async def aclose(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()


def transport_error(exc: BaseException, where: str) -> perr.ProviderError:
    """Name a transport failure by what happened: timeout, unreachable, or a broken connection.

    The caller's message stays generic; the library's own words go to ``detail`` for the log.
    """
    detail = f"{where}: {exc!r}"
    if isinstance(exc, TimeoutError):  # aiohttp's connect and read timeouts are TimeoutErrors
        return perr.ProviderTimeout("The upstream model did not answer in time.", detail=detail)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return perr.ProviderUnavailable("The upstream model cannot be reached.", detail=detail)
    return perr.ProviderUpstreamError("The connection to the upstream model failed.", detail=detail)
