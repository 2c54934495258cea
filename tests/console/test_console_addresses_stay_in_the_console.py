"""Addresses around the console: a missing static file is a plain 404 (with or without a session),
never a redirect loop through a sign-in page under /static; and signing in never lands outside
the console, however the ``next`` address is percent-encoded."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support.gateway import RunningGateway, gateway_in_thread

CATALOG = "models:\n  echo:\n    deployments:\n      - provider: echo\n"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with gateway_in_thread(CATALOG, tmp_path_factory.mktemp("addresses")) as running:
        yield running


def _client(gateway: RunningGateway) -> httpx.Client:
    return httpx.Client(base_url=gateway.base_url, follow_redirects=False, timeout=10)


@pytest.mark.parametrize("path", ["/console/static/missing.js", "/console/static/", "/console/static/a/b.css"])
def test_a_missing_static_file_without_a_session_is_a_plain_404(gateway: RunningGateway, path: str) -> None:
    with _client(gateway) as client:
        answer = client.get(path)
    assert answer.status_code == 404
    assert "location" not in answer.headers


def test_a_static_file_that_exists_is_served_without_a_session(gateway: RunningGateway) -> None:
    with _client(gateway) as client:
        assert client.get("/console/static/console.js").status_code == 200


def _signed_in_to(gateway: RunningGateway, wanted: str) -> str:
    with _client(gateway) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/sign-in").text)
        assert token is not None
        data = {"csrf_token": token.group(1), "key": gateway.master_key, "next": wanted}
        answer = client.post("/console/sign-in", data=data)
        assert answer.status_code == 303
        again = client.get("/console/sign-in", params={"next": wanted})
        assert again.headers["location"] == answer.headers["location"]
        return str(answer.headers["location"])


@pytest.mark.parametrize(
    "wanted",
    [
        "/console/%2e%2e/v1/models",
        "/console/%2E%2E/v1/models",
        "/console/%252e%252e/v1/models",
        "/console/%25252e%25252e/v1/models",
        "/console/.%2e/v1/models",
        "/console/%2e%2e%2fv1/models",
        "/console/%2f%2fevil.example/x",
        "/console/%5c%5cevil.example",
        "/console/keys/%2e%2e/%2e%2e/admin/keys",
    ],
)
def test_signing_in_with_an_encoded_way_out_of_the_console_lands_on_the_overview(
    gateway: RunningGateway, wanted: str
) -> None:
    assert _signed_in_to(gateway, wanted) == "/console/overview"


@pytest.mark.parametrize("wanted", ["/console/keys?q=a%20b", "/console/usage?model=x&status=error", "/console/teams"])
def test_signing_in_still_returns_to_the_console_page_asked_for(gateway: RunningGateway, wanted: str) -> None:
    assert _signed_in_to(gateway, wanted) == wanted
