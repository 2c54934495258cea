"""Which proxy, if any, carries requests to an origin: HTTPS_PROXY, HTTP_PROXY and NO_PROXY.

Read once (providers/http.py reads them when it is created), decided once per origin, never per
request. The usual semantics of curl, requests and httpx:
- ``https_proxy`` serves https:// upstreams (through a CONNECT tunnel), ``http_proxy`` http://
  ones (absolute-form targets); the lower-case name wins over the upper-case one, and
  ``HTTP_PROXY`` is ignored when ``REQUEST_METHOD`` is set (a CGI environment: "httpoxy").
- A proxy is an ``http://`` URL, the scheme optional; ``user:password@`` in it becomes a
  ``Proxy-Authorization: Basic`` header. Proxies spoken to over TLS, or SOCKS, are refused.
- ``no_proxy`` is a comma-separated list: ``*`` (no proxy at all), host names matching the host
  or any subdomain (``example.com``, ``.example.com`` and ``*.example.com`` all match
  ``api.example.com``), IP addresses, CIDR ranges (``10.0.0.0/8``), each with an optional
  ``:port`` that must then match too.
"""

from __future__ import annotations

import base64
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from providers.transport.origin import Origin, a_label

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Proxy:
    """An HTTP proxy: where to connect, and the Proxy-Authorization header line (b"" when none)."""

    host: str
    port: int
    authorization: bytes = b""

    @classmethod
    def parse(cls, url: str) -> Proxy:
        """ValueError for a URL that is not an http:// proxy."""
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme != "http" or not parts.hostname:
            shown = f"{parts.scheme}://{parts.hostname or ''}"  # never the credentials
            raise ValueError(f"unsupported proxy {shown!r}: only http:// proxies are supported")
        authorization = b""
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            authorization = b"proxy-authorization: Basic " + base64.b64encode(credentials) + b"\r\n"
        return cls(a_label(parts.hostname), parts.port or 80, authorization)


@dataclass(frozen=True, slots=True)
class _Exclusion:
    """One NO_PROXY entry: a name (matching subdomains too) or an IP network, and maybe a port."""

    name: str
    network: IPNetwork | None
    port: int | None

    @classmethod
    def parse(cls, entry: str) -> _Exclusion:
        name, port = _split_port(entry)
        name = name.lstrip("*").lstrip(".")
        try:
            network: IPNetwork | None = ipaddress.ip_network(name, strict=False)
        except ValueError:
            network = None
            try:
                name = a_label(name)
            except ValueError:
                pass  # not a valid name: compared as written, so it matches nothing surprising
        return cls(name, network, port)

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            try:
                return ipaddress.ip_address(host) in self.network
            except ValueError:
                return False
        return host == self.name or host.endswith(f".{self.name}")


def _split_port(entry: str) -> tuple[str, int | None]:
    """``host:port``, ``[v6]:port``, ``[v6]``, or a bare host / IPv6 address / network without a port."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, colon, port = entry.rpartition(":")
    if colon and ":" not in host and port.isdigit():
        return host, int(port)
    return entry, None


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """The proxies for http:// and https:// upstreams and the hosts that bypass them."""

    http: Proxy | None = None
    https: Proxy | None = None
    no_proxy: str = ""
    _bypass_all: bool = field(init=False, default=False, repr=False)
    _exclusions: tuple[_Exclusion, ...] = field(init=False, default=(), repr=False)

    def __post_init__(self) -> None:
        entries = [entry.strip().lower() for entry in self.no_proxy.split(",")]
        entries = [entry for entry in entries if entry]
        object.__setattr__(self, "_bypass_all", "*" in entries)
        object.__setattr__(self, "_exclusions", tuple(_Exclusion.parse(e) for e in entries if e != "*"))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ProxyConfig:
        """The proxies the environment names (``os.environ`` when not given); ValueError if unusable."""
        env = os.environ if environ is None else environ
        http = _variable(env, "http_proxy", trust_upper="REQUEST_METHOD" not in env)
        https = _variable(env, "https_proxy")
        return cls(
            http=Proxy.parse(http) if http else None,
            https=Proxy.parse(https) if https else None,
            no_proxy=_variable(env, "no_proxy"),
        )

    def for_origin(self, origin: Origin) -> Proxy | None:
        """The proxy to reach ``origin`` through, or None to connect directly."""
        proxy = self.https if origin.secure else self.http
        if proxy is None or self.bypasses(origin.host, origin.port):
            return None
        return proxy

    def bypasses(self, host: str, port: int) -> bool:
        """Whether NO_PROXY sends ``host`` (an A-label or IP address) on ``port`` around the proxy."""
        host = host.lower().rstrip(".")
        return self._bypass_all or any(exclusion.matches(host, port) for exclusion in self._exclusions)


def _variable(environ: Mapping[str, str], name: str, trust_upper: bool = True) -> str:
    """The lower-case variable when it is set (even empty), else the upper-case one."""
    if name in environ:
        return environ[name].strip()
    return environ.get(name.upper(), "").strip() if trust_upper else ""
