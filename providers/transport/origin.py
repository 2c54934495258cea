"""Where requests go: scheme, host and port, with the host in its ASCII (A-label) form for the wire.

An internationalised name (``bücher.example``) goes on the wire, in DNS, in TLS SNI and in
certificate checks as its A-label (``xn--bcher-kva.example``), encoded per IDNA 2008 with the
UTS 46 mapping, as browsers and curl do.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import idna


def a_label(host: str) -> str:
    """The host as sent on the wire: ASCII names as they are, others IDNA-encoded (ValueError if invalid)."""
    if host.isascii():
        return host
    return idna.encode(host, uts46=True).decode("ascii")


@dataclass(frozen=True, slots=True)
class Origin:
    """One origin; ``host`` is the A-label (or the IP address, IPv6 without brackets)."""

    scheme: str
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Origin:
        """The origin of an http(s) URL (its path is ignored); ValueError for anything else."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {url!r}")
        default = 443 if parts.scheme == "https" else 80
        return cls(parts.scheme, a_label(parts.hostname), parts.port or default)

    @property
    def secure(self) -> bool:
        return self.scheme == "https"

    @property
    def address(self) -> str:
        """``host:port`` always, IPv6 in brackets: a CONNECT request's target."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def authority(self) -> str:
        """What the Host header says: ``host`` alone on the scheme's default port, else ``host:port``."""
        if self.port == (443 if self.secure else 80):
            return f"[{self.host}]" if ":" in self.host else self.host
        return self.address

    def host_line(self) -> bytes:
        return f"host: {self.authority}\r\n".encode("ascii")

    def absolute(self) -> bytes:
        """The prefix of an absolute-form target (what an HTTP proxy is sent)."""
        return f"{self.scheme}://{self.authority}".encode("ascii")
