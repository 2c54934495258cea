"""Where the upstream client sends requests: the Host header and connection target, internationalised names in
their A-label form (no DNS needed: these are the bytes that go on the wire)."""

from __future__ import annotations

import pytest

from providers.transport.origin import Origin, a_label


def test_an_internationalised_name_goes_on_the_wire_as_its_a_label() -> None:
    origin = Origin.parse("https://bücher.example:8443/v1")
    assert origin.host == "xn--bcher-kva.example"  # what DNS, TLS SNI and the certificate check see
    assert origin.host_line() == b"host: xn--bcher-kva.example:8443\r\n"
    assert origin.address == "xn--bcher-kva.example:8443"
    assert origin.absolute() == b"https://xn--bcher-kva.example:8443"


def test_names_are_encoded_per_idna_2008_not_2003() -> None:
    """IDNA 2003 (Python's own codec) maps ß to ss: a different host."""
    assert a_label("faß.de") == "xn--fa-hia.de"
    assert Origin.parse("https://BÜCHER.example").host_line() == b"host: xn--bcher-kva.example\r\n"


@pytest.mark.parametrize(
    ("url", "host_line", "address"),
    [
        ("https://api.openai.com/v1", b"host: api.openai.com\r\n", "api.openai.com:443"),
        ("http://vllm.internal:80", b"host: vllm.internal\r\n", "vllm.internal:80"),
        ("http://vllm.internal:8000/v1", b"host: vllm.internal:8000\r\n", "vllm.internal:8000"),
        ("http://127.0.0.1:9000", b"host: 127.0.0.1:9000\r\n", "127.0.0.1:9000"),
        ("http://[::1]:8080", b"host: [::1]:8080\r\n", "[::1]:8080"),
        ("https://[2001:db8::1]", b"host: [2001:db8::1]\r\n", "[2001:db8::1]:443"),
    ],
)
def test_the_host_line_leaves_out_the_default_port_and_brackets_ipv6(url: str, host_line: bytes, address: str) -> None:
    origin = Origin.parse(url)
    assert (origin.host_line(), origin.address) == (host_line, address)


@pytest.mark.parametrize("url", ["ftp://example.com", "http://", "https://☃.example", "example.com"])
def test_what_is_not_an_http_origin_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        Origin.parse(url)
