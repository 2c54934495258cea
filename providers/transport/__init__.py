"""Strata's own HTTP/1.1 client for upstream model APIs: asyncio protocols and httptools.

Why not aiohttp (or httpx): on the gateway's hot path aiohttp's client cost ~0.25 ms of CPU per
proxied call, a third of the gateway's whole budget (request object, header multidicts, cookie
handling, payload registry, per-chunk timeout rescheduling). Model APIs need little of that:
POST a JSON body, read a JSON body or a stream of SSE bytes. This client writes each request in
one call, parses the response with httptools (the C parser uvicorn uses), keeps connections per
origin, and bounds reads with one timer per request. bench/http_clients.py compares them.

Providers depend on the ``Transport`` and ``Response`` interface (base.py); ``ConnectionPool``
(pool.py) implements it.

What it does:
- Keep-alive: a connection goes back to its pool only after a complete response that allows
  keep-alive; a response abandoned half-read (cancelled, closed early, failed) closes its
  connection. A reused idle connection that the server closed just as it was reused (the
  keep-alive race: no response byte came back) is replaced by a fresh one once; nothing else is
  retried here.
- Timeouts: ``connect_timeout`` bounds waiting for a free connection under the cap, and
  separately opening one (proxy tunnel and TLS included); ``read_timeout`` bounds the first byte of the response and
  every gap between bytes after it (a reader slower than the upstream pauses the socket, and
  that silence is not the upstream's).
- A cap per origin (``max_connections``); requests beyond it wait for a connection.
- A maximum response body (``max_response_bytes``, 64 MiB by default), for whole bodies and
  for a stream's total; a larger one fails fast (at the head when content-length announces it).
- HTTPS_PROXY, HTTP_PROXY and NO_PROXY (proxy.py): absolute-form targets for http:// upstreams,
  CONNECT tunnels for https:// ones, Basic proxy credentials.
- TLS verified against the system trust store (and SSL_CERT_FILE); internationalised host names
  sent as their A-labels (Host, SNI, DNS).
- Bodies framed by content-length, by chunked encoding, or by the connection closing.

What it does not do:
- HTTP/2 or HTTP/3; HEAD requests (the parser would wait for the body the headers announce).
- Redirects, cookies, authentication other than the headers the caller sends.
- Compression negotiation: no accept-encoding is sent; a compressed body is passed on as it came.
- Trailers (ignored), repeated response headers (the first one of a name wins), request bodies
  streamed in pieces, ``Expect: 100-continue``.
- Proxies spoken to over TLS, SOCKS proxies, ALL_PROXY, proxy settings other than the
  environment's (or what HttpClients is given), and bypassing the proxy for loopback unless
  NO_PROXY says so.
- Retries beyond the keep-alive race: routing and fallbacks decide those.
"""

from providers.transport.base import Response, Transport
from providers.transport.errors import (
    ConnectError,
    ConnectTimeout,
    Disconnected,
    PoolTimeout,
    ProtocolError,
    ProxyError,
    ReadTimeout,
    ResponseTooLarge,
    UpstreamError,
)
from providers.transport.pool import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES,
    ConnectionPool,
    UpstreamResponse,
)
from providers.transport.proxy import Proxy, ProxyConfig

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionPool",
    "Disconnected",
    "PoolTimeout",
    "ProtocolError",
    "Proxy",
    "ProxyConfig",
    "ProxyError",
    "ReadTimeout",
    "Response",
    "ResponseTooLarge",
    "Transport",
    "UpstreamError",
    "UpstreamResponse",
]
