"""A TLS connection to an https:// upstream through an HTTP proxy: CONNECT, then TLS inside the tunnel."""

from __future__ import annotations

import asyncio
import ssl

from providers.transport.errors import ProtocolError, ProxyError
from providers.transport.origin import Origin
from providers.transport.proxy import Proxy

_MAX_HEAD = 1 << 16


class _ConnectReply(asyncio.Protocol):
    """Collects the proxy's answer to CONNECT: a status line and headers, no body."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.head: asyncio.Future[bytes] = loop.create_future()
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        if self.head.done():
            return
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end >= 0 and end + 4 < len(self.buffer):
            self.head.set_exception(ProtocolError("the proxy sent bytes after its answer to CONNECT"))
        elif end >= 0:
            self.head.set_result(bytes(self.buffer[:end]))
        elif len(self.buffer) > _MAX_HEAD:
            self.head.set_exception(ProtocolError("the proxy's answer to CONNECT is too long"))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.head.done():
            self.head.set_exception(ProxyError("the proxy closed the connection before answering CONNECT"))


def connect_request(origin: Origin, proxy: Proxy) -> bytes:
    address = origin.address.encode("ascii")
    return b"CONNECT %s HTTP/1.1\r\nhost: %s\r\n%s\r\n" % (address, address, proxy.authorization)


def _check_reply(head: bytes, origin: Origin) -> None:
    status_line = head.split(b"\r\n", 1)[0]
    version, _, rest = status_line.partition(b" ")
    code = rest[:3]
    if not version.startswith(b"HTTP/1.") or not code.isdigit():
        raise ProtocolError(f"the proxy answered CONNECT with {status_line[:100]!r}")
    if not 200 <= int(code) < 300:
        reason = status_line.decode("latin-1")[:200]
        raise ProxyError(f"the proxy refused to open a tunnel to {origin.address}: {reason}")


async def open_tunnel(
    proxy: Proxy, origin: Origin, context: ssl.SSLContext, protocol: asyncio.Protocol
) -> asyncio.Transport:
    """TLS to ``origin`` through ``proxy``, handed to ``protocol``; the caller bounds the time it takes."""
    loop = asyncio.get_running_loop()
    raw, reply = await loop.create_connection(lambda: _ConnectReply(loop), proxy.host, proxy.port)
    try:
        raw.write(connect_request(origin, proxy))
        _check_reply(await reply.head, origin)
        secure = await loop.start_tls(raw, protocol, context, server_hostname=origin.host)
    except BaseException:
        raw.abort()
        raise
    if secure is None:  # typeshed allows it for a transport closed meanwhile
        raise ProxyError(f"the tunnel to {origin.address} closed during the TLS handshake")
    protocol.connection_made(secure)  # start_tls switches the protocol over without calling it
    return secure
