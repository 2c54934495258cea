"""Shared HTTP transports for upstreams: one keep-alive pool per origin, with the same limits and proxies.

The pools are Strata's own lean HTTP/1.1 client (providers/transport/), not httpx or aiohttp:
on the fake upstream, httpx's pool gave ~200 requests/s at concurrency 50, httpx over an aiohttp
transport ~900, aiohttp alone ~1,600 (bench/http_clients.py, BENCHMARKS.md), and aiohttp still
cost a third of the gateway's CPU per proxied call. The hot path cannot afford the difference.
"""

from __future__ import annotations

from providers import errors as perr
from providers.transport import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES,
    ConnectError,
    ConnectionPool,
    ProxyConfig,
    ResponseTooLarge,
    Transport,
    UpstreamError,
)
from providers.transport.origin import Origin


class HttpClients:
    """Hands out one transport (a keep-alive pool) per origin (scheme://host:port).

    - ``max_connections``: connections open at once per origin; requests beyond it wait for one,
      at most their connect timeout.
    - ``max_response_bytes``: the largest response body accepted (64 MiB by default), whole or a
      stream's total; the gateway passes its ``STRATA_MAX_RESPONSE_BYTES`` setting here.
    - ``proxies``: when not given, read from the environment once, here (HTTPS_PROXY,
      HTTP_PROXY, NO_PROXY, lower-case names first; see providers/transport/proxy.py). A proxy
      URL that cannot be used raises ValueError rather than being silently bypassed.
    """

    def __init__(
        self,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        proxies: ProxyConfig | None = None,
    ) -> None:
        self.max_connections = max_connections
        self.max_response_bytes = max_response_bytes
        self.proxies = ProxyConfig.from_environ() if proxies is None else proxies
        self._pools: dict[Origin, ConnectionPool] = {}

    def pool_for(self, url: str) -> Transport:
        """The transport for the origin of ``url`` (ValueError if it is not an http(s) URL)."""
        origin = Origin.parse(url)
        pool = self._pools.get(origin)
        if pool is None or pool.closed:
            pool = ConnectionPool(
                url,
                max_connections=self.max_connections,
                max_response_bytes=self.max_response_bytes,
                proxy=self.proxies.for_origin(origin),
            )
            self._pools[origin] = pool
        return pool

    async def aclose(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()


def transport_error(exc: UpstreamError | TimeoutError, where: str) -> perr.ProviderError:
    """Name a transport failure by what happened: timeout, unreachable, too large, or a broken connection.

    The caller's message stays generic; the client's own words go to ``detail`` for the log.
    """
    detail = f"{where}: {exc}"
    if isinstance(exc, TimeoutError):
        return perr.ProviderTimeout("The upstream model did not answer in time.", detail=detail)
    if isinstance(exc, ConnectError):
        return perr.ProviderUnavailable("The upstream model cannot be reached.", detail=detail)
    if isinstance(exc, ResponseTooLarge):
        error = perr.ProviderUpstreamError(
            f"The upstream model's response is larger than the gateway accepts ({exc.limit:,} bytes).",
            code="response_too_large",
            detail=detail,
        )
        error.retryable = False  # the same request would bring the same answer back
        return error
    return perr.ProviderUpstreamError("The connection to the upstream model failed.", detail=detail)
