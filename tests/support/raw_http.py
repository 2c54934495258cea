"""HTTP/1.1 spoken by hand over a socket, for what no client library sends: bytes trickled in,
malformed requests, connections that never speak, more connections than a server allows.

    with RawConnection(gateway.base_url) as conn:
        conn.send(b"GET /health/live HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        response = conn.response()          # status, lower-cased headers, body
        assert conn.closed_within(2.0)      # the server hung up (EOF or reset) in time
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import orjson


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def status_code(self) -> int:  # as httpx names it, for the shared assertions
        return self.status

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return orjson.loads(self.body)


class ServerClosed(Exception):
    """The server closed the connection before a whole response arrived."""


class RawConnection:
    def __init__(self, base_url: str, timeout: float = 3.0) -> None:
        url = urlsplit(base_url)
        self.sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=timeout)
        self.timeout = timeout
        self._buffer = b""

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def trickle(self, data: bytes, gap_s: float, stop_after_s: float) -> bool:
        """Send ``data`` a byte every ``gap_s``; stop early if the server answers or hangs up (True).
        False when ``stop_after_s`` passed with the server still listening."""
        deadline = time.monotonic() + stop_after_s
        for byte in data:
            try:
                self.sock.sendall(bytes([byte]))
            except OSError:
                return True
            if self._readable(min(gap_s, max(deadline - time.monotonic(), 0.0))):
                return True
            if time.monotonic() >= deadline:
                return False
        return False

    def response(self) -> RawResponse:
        """The next whole response (framed by Content-Length); ServerClosed if the server hung up first."""
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        head, _, rest = self._buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            self._fill()
            rest = self._buffer.partition(b"\r\n\r\n")[2]
        self._buffer = rest[length:]
        return RawResponse(int(status_line.split(" ")[1]), headers, rest[:length])

    def has_data(self) -> bool:
        """Bytes arrived that no response() has read yet."""
        return bool(self._buffer)

    def closed_within(self, seconds: float) -> bool:
        """The server closed the connection (EOF or reset) within ``seconds``, sending nothing more."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                return False
            except ConnectionResetError:
                return True
            finally:
                self.sock.settimeout(self.timeout)
            if not data:
                return True
            self._buffer += data
        return False

    def _fill(self) -> None:
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            raise ServerClosed(f"closed with {self._buffer[:200]!r} received")
        self._buffer += data

    def _readable(self, wait_s: float) -> bool:
        """Something (or EOF) arrived within ``wait_s``; kept for response()."""
        self.sock.settimeout(max(wait_s, 0.001))
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(self.timeout)
        self._buffer += data
        return True
