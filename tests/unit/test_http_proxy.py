"""HTTPS_PROXY / HTTP_PROXY / NO_PROXY: which proxy an origin goes through, and the bytes the proxy sees,
against a real recording proxy in the test and a scripted origin behind it."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
import uvloop

from providers.http import HttpClients
from providers.transport import ConnectError, ConnectionPool, Proxy, ProxyConfig, ProxyError
from providers.transport.origin import Origin
from tests.support.scripted_http import RecordingProxy, ScriptedServer, always_ok, post
from tests.support.tls import TLSFiles, make_tls

T = TypeVar("T")
LOOPS = [pytest.param(asyncio.new_event_loop, id="asyncio"), pytest.param(uvloop.new_event_loop, id="uvloop")]

# --- reading the environment ------------------------------------------------------------------


def test_no_variables_no_proxy() -> None:
    config = ProxyConfig.from_environ({})
    assert (config.http, config.https) == (None, None)


def test_lower_case_names_win_and_an_empty_one_turns_the_proxy_off() -> None:
    env = {"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2", "http_proxy": "", "HTTP_PROXY": "x:3"}
    config = ProxyConfig.from_environ(env)
    assert config.https == Proxy("lower", 1) and config.http is None
    assert ProxyConfig.from_environ({"HTTPS_PROXY": "http://upper:2"}).https == Proxy("upper", 2)


def test_upper_case_http_proxy_is_ignored_in_a_cgi_environment() -> None:
    """httpoxy: a client's ``Proxy:`` header becomes HTTP_PROXY under CGI."""
    assert ProxyConfig.from_environ({"HTTP_PROXY": "http://evil:1", "REQUEST_METHOD": "GET"}).http is None
    assert ProxyConfig.from_environ({"http_proxy": "http://ok:1", "REQUEST_METHOD": "GET"}).http == Proxy("ok", 1)


def test_proxy_urls_may_omit_the_scheme_and_carry_credentials() -> None:
    assert Proxy.parse("proxy.corp:3128") == Proxy("proxy.corp", 3128)
    assert Proxy.parse("http://proxy.corp") == Proxy("proxy.corp", 80)
    credentials = base64.b64encode(b"svc:p@ss:word").decode()
    assert Proxy.parse("http://svc:p%40ss%3Aword@proxy.corp:8080").authorization == (
        f"proxy-authorization: Basic {credentials}\r\n".encode()
    )


@pytest.mark.parametrize("url", ["https://proxy.corp:443", "socks5://proxy.corp:1080", "http://"])
def test_proxies_this_client_cannot_speak_to_are_refused_rather_than_bypassed(url: str) -> None:
    with pytest.raises(ValueError):
        ProxyConfig.from_environ({"HTTPS_PROXY": url})


def test_http_clients_read_the_environment_once_when_created(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    clients = HttpClients()
    monkeypatch.delenv("HTTPS_PROXY")
    pool = clients.pool_for("https://api.example.com/v1")
    assert isinstance(pool, ConnectionPool) and pool.proxy == Proxy("proxy.corp", 3128)
    assert isinstance(plain := HttpClients().pool_for("https://api.example.com"), ConnectionPool)
    assert plain.proxy is None


# --- NO_PROXY ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "bypassed"),
    [
        ("*", "api.example.com", 443, True),
        ("", "example.com", 443, False),
        ("example.com", "example.com", 443, True),
        ("example.com", "api.example.com", 443, True),
        ("example.com", "badexample.com", 443, False),
        (".example.com", "api.example.com", 443, True),
        ("*.example.com", "api.example.com", 443, True),
        (" Example.COM , other.org", "api.example.com", 443, True),
        ("example.com", "example.com.", 443, True),
        ("example.com:8443", "api.example.com", 8443, True),
        ("example.com:8443", "api.example.com", 443, False),
        ("localhost,127.0.0.1", "127.0.0.1", 80, True),
        ("127.0.0.1", "127.0.0.10", 80, False),
        ("10.0.0.0/8", "10.1.2.3", 80, True),
        ("10.0.0.0/8", "11.1.2.3", 80, False),
        ("10.0.0.0/8", "ten.example", 80, False),
        ("::1", "::1", 80, True),
        ("[::1]:8080", "::1", 8080, True),
        ("[::1]:8080", "::1", 80, False),
        ("fd00::/8", "fd12::1", 443, True),
        ("bücher.example", "xn--bcher-kva.example", 443, True),
    ],
)
def test_no_proxy_entries(no_proxy: str, host: str, port: int, bypassed: bool) -> None:
    assert ProxyConfig(no_proxy=no_proxy).bypasses(host, port) is bypassed


def test_each_scheme_has_its_own_proxy_and_no_proxy_applies_to_both() -> None:
    config = ProxyConfig(http=Proxy("plain", 1), https=Proxy("tls", 2), no_proxy="internal")
    assert config.for_origin(Origin.parse("http://api.example.com")) == Proxy("plain", 1)
    assert config.for_origin(Origin.parse("https://api.example.com")) == Proxy("tls", 2)
    assert config.for_origin(Origin.parse("https://vllm.internal:8000")) is None


# --- through a real proxy ---------------------------------------------------------------------


def through_proxy(
    action: Callable[[ScriptedServer, RecordingProxy], Awaitable[T]],
    tls: ssl.SSLContext | None = None,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    **proxy_options: Any,
) -> T:
    async def go() -> T:
        async with ScriptedServer(always_ok, tls) as server, RecordingProxy(server, **proxy_options) as proxy:
            return await action(server, proxy)

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(go())


def test_an_http_upstream_gets_absolute_form_targets_with_proxy_credentials_over_one_connection() -> None:
    async def action(server: ScriptedServer, proxy: RecordingProxy) -> tuple[list[bytes], list[bytes], int]:
        pool = ConnectionPool(server.origin, proxy=Proxy.parse(proxy.url.replace("://", "://svc:secret@")))
        try:
            bodies = [await (await post(pool)).read() for _ in range(2)]
        finally:
            pool.close()
        return bodies, proxy.heads, server.connections

    bodies, heads, connections = through_proxy(action)
    assert bodies == [b"{}", b"{}"] and len(heads) == 2 and connections == 1
    lines = heads[0].split(b"\r\n")
    port = lines[0].split(b":")[2].split(b"/")[0]
    assert lines[0] == b"POST http://127.0.0.1:%s/v1/x HTTP/1.1" % port
    assert b"host: 127.0.0.1:%s" % port in lines
    assert b"proxy-authorization: Basic " + base64.b64encode(b"svc:secret") in lines


def test_an_internationalised_http_upstream_is_named_by_its_a_label() -> None:
    async def action(server: ScriptedServer, proxy: RecordingProxy) -> list[bytes]:
        pool = ConnectionPool("http://bücher.example:8080", proxy=Proxy.parse(proxy.url))
        try:
            await (await post(pool)).read()
        finally:
            pool.close()
        return proxy.heads

    lines = through_proxy(action)[0].split(b"\r\n")
    assert lines[0] == b"POST http://xn--bcher-kva.example:8080/v1/x HTTP/1.1"
    assert b"host: xn--bcher-kva.example:8080" in lines


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls(tmp_path_factory.mktemp("tls"))


def server_context(files: TLSFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    return context


@pytest.mark.parametrize("loop_factory", LOOPS)
def test_an_https_upstream_is_reached_through_a_connect_tunnel_kept_alive(
    tls: TLSFiles, loop_factory: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    async def action(server: ScriptedServer, proxy: RecordingProxy) -> tuple[list[bytes], list[bytes], bytes, int]:
        trust = ssl.create_default_context(cafile=tls.ca)
        pool = ConnectionPool(server.origin, ssl_context=trust, proxy=Proxy.parse(proxy.url.replace("//", "//u:p@")))
        try:
            bodies = [await (await post(pool)).read() for _ in range(2)]
        finally:
            pool.close()
        return bodies, proxy.heads, server.requests[0], server.connections

    bodies, heads, request, connections = through_proxy(action, server_context(tls), loop_factory)
    assert bodies == [b"{}", b"{}"] and len(heads) == 1 and connections == 1
    lines = heads[0].split(b"\r\n")
    assert lines[0].startswith(b"CONNECT 127.0.0.1:") and lines[0].endswith(b" HTTP/1.1")
    assert b"proxy-authorization: Basic " + base64.b64encode(b"u:p") in lines
    assert request.startswith(b"POST /v1/x HTTP/1.1\r\n") and b"proxy-authorization" not in request


def test_a_tunnel_the_proxy_refuses_is_a_connect_error_saying_why(tls: TLSFiles) -> None:
    async def action(server: ScriptedServer, proxy: RecordingProxy) -> None:
        pool = ConnectionPool(server.origin, proxy=Proxy.parse(proxy.url))
        try:
            await post(pool)
        finally:
            pool.close()

    with pytest.raises(ProxyError, match="407 Proxy Authentication Required") as failure:
        through_proxy(action, server_context(tls), connect_answer=b"HTTP/1.1 407 Proxy Authentication Required")
    assert isinstance(failure.value, ConnectError)


def test_tls_through_the_tunnel_names_an_internationalised_host_by_its_a_label(tls: TLSFiles) -> None:
    """SNI (and so the certificate check) uses the A-label; this test's certificate is for 127.0.0.1 only."""
    seen: list[str | None] = []

    def record(sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        seen.append(name)

    context = server_context(tls)
    context.sni_callback = record

    async def action(server: ScriptedServer, proxy: RecordingProxy) -> None:
        trust = ssl.create_default_context(cafile=tls.ca)
        pool = ConnectionPool(f"https://bücher.example:{server.port}", ssl_context=trust, proxy=Proxy.parse(proxy.url))
        try:
            await post(pool)
        finally:
            pool.close()

    with pytest.raises(ConnectError, match="certificate"):
        through_proxy(action, context)
    assert seen == ["xn--bcher-kva.example"]


def test_no_proxy_sends_an_origin_around_the_proxy() -> None:
    async def action(server: ScriptedServer, proxy: RecordingProxy) -> tuple[bytes, list[bytes]]:
        clients = HttpClients(proxies=ProxyConfig(http=Proxy.parse(proxy.url), no_proxy="localhost,127.0.0.1"))
        try:
            pool = clients.pool_for(server.origin)
            assert isinstance(pool, ConnectionPool)
            return await (await post(pool)).read(), proxy.heads
        finally:
            await clients.aclose()

    assert through_proxy(action) == (b"{}", [])
