"""Shared HTTP connection pools for upstreams: one keep-alive pool per origin.

The pools are Strata's own lean HTTP/1.1 client (providers/http_pool.py), not httpx or aiohttp:
on the fake upstream, httpx's pool gave ~200 requests/s at concurrency 50, httpx over an aiohttp
transport ~900, aiohttp alone ~1,600 (bench/http_clients.py, BENCHMARKS.md), and aiohttp still
cost a third of the gateway's CPU per proxied call. The hot path cannot afford the difference.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from providers import errors as perr
from providers.http_pool import ConnectError, ConnectionPool, UpstreamError


class HttpClients:
    """Hands out one pool per origin (scheme://host:port)."""

    def __init__(self) -> None:
        self._pools: dict[str, ConnectionPool] = {}

    def pool_for(self, url: str) -> ConnectionPool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        pool = self._pools.get(origin)
        if pool is None or pool.closed:
            pool = ConnectionPool(origin)
            self._pools[origin] = pool
        return pool

    async def aclose(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()


def transport_error(exc: UpstreamError | TimeoutError, where: str) -> perr.ProviderError:
    """Name a transport failure by what happened: timeout, unreachable, or a broken connection.

    The caller's message stays generic; the client's own words go to ``detail`` for the log.
    """
    detail = f"{where}: {exc}"
    if isinstance(exc, TimeoutError):
        return perr.ProviderTimeout("The upstream model did not answer in time.", detail=detail)
    if isinstance(exc, ConnectError):
        return perr.ProviderUnavailable("The upstream model cannot be reached.", detail=detail)
    return perr.ProviderUpstreamError("The connection to the upstream model failed.", detail=detail)
