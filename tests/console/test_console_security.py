"""The console's defences, over HTTP (no browser needed): every route without a session goes to
sign-in; a state-changing request without the session's CSRF token changes nothing; only admin
keys sign in, and failed sign-ins are limited; no page shows a stored key's secret; the cookie's
flags, the idle timeout, signing out and revoking the admin key end the session."""

from __future__ import annotations

import re
import sqlite3
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from gateway.app import create_app
from gateway.config.catalog import parse_catalog
from gateway.config.settings import Settings
from tests.console.conftest import admin_call
from tests.support.bedrock import bedrock_gateway
from tests.support.gateway import MASTER_KEY, RunningGateway, gateway_in_thread
from tests.support.tls import make_tls

CATALOG = "models:\n  echo:\n    deployments:\n      - provider: echo\n"


def _flatten(routes: list[Any]) -> Iterator[Any]:
    """Every route, through included routers (FastAPI keeps an included router as one entry)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        yield from _flatten(list(inner.routes)) if inner is not None else [route]


def _console_routes() -> list[tuple[str, str]]:
    """(method, path) of every console route, enumerated from the app itself, parameters filled in."""
    app = create_app(Settings(), parse_catalog(CATALOG, "t.yaml"), MASTER_KEY)
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/console")
    found = []
    for route in _flatten(mount.routes):
        if isinstance(route, APIRoute) and route.path not in ("/", "/sign-in", "/{rest:path}"):
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, "/console" + re.sub(r"\{[^}]+\}", "x", route.path)))
    return found


ROUTES = _console_routes()
CHANGES = [(method, path) for method, path in ROUTES if method != "GET"]


def _client(gateway: RunningGateway) -> httpx.Client:
    return httpx.Client(base_url=gateway.base_url, follow_redirects=False, timeout=10)


def _sign_in(client: httpx.Client, key: str) -> httpx.Response:
    form = client.get("/console/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    return client.post("/console/sign-in", data={"csrf_token": token.group(1), "key": key})


def _csrf(client: httpx.Client) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/keys").text)
    assert found is not None
    return found.group(1)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with gateway_in_thread(CATALOG, tmp_path_factory.mktemp("security")) as running:
        yield running


@pytest.fixture()
def signed_in(gateway: RunningGateway) -> Iterator[httpx.Client]:
    with _client(gateway) as client:
        assert _sign_in(client, gateway.master_key).status_code == 303
        yield client


def test_the_routes_enumerated_include_every_page_and_action() -> None:
    assert ("GET", "/console/overview") in ROUTES and ("POST", "/console/keys/x/revoke") in ROUTES
    assert len(CHANGES) >= 10


@pytest.mark.parametrize(("method", "path"), [*ROUTES, ("GET", "/console/no-such-page"), ("POST", "/console/x/y")])
def test_every_console_route_without_a_session_goes_to_sign_in(gateway: RunningGateway, method: str, path: str) -> None:
    with _client(gateway) as client:
        response = client.request(method, path, data={"csrf_token": "x"})
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"].startswith("/console/sign-in")


def test_the_consoles_root_leads_to_sign_in(gateway: RunningGateway) -> None:
    with httpx.Client(base_url=gateway.base_url, timeout=10, follow_redirects=True) as client:
        response = client.get("/console")
    assert response.url.path == "/console/sign-in" and response.status_code == 200


def test_an_htmx_request_without_a_session_is_sent_to_sign_in_by_header(gateway: RunningGateway) -> None:
    with _client(gateway) as client:
        response = client.get("/console/keys", headers={"hx-request": "true"})
    assert response.status_code == 401 and response.headers["hx-redirect"].startswith("/console/sign-in")


@pytest.mark.parametrize(("method", "path"), CHANGES)
@pytest.mark.parametrize("token", [None, "forged-token-0123456789"])
def test_a_change_without_the_sessions_csrf_token_is_refused(
    signed_in: httpx.Client, method: str, path: str, token: str | None
) -> None:
    data = {"csrf_token": token} if token else {}
    headers = {"x-csrf-token": token} if token else {}
    response = signed_in.request(method, path, data=data, headers=headers)
    assert response.status_code == 403, response.text[:300]
    assert "security token" in response.text


def test_a_refused_change_changes_nothing(gateway: RunningGateway, signed_in: httpx.Client) -> None:
    created = admin_call(gateway, "POST", "/admin/keys", json={"name": "victim"}).json()
    before = admin_call(gateway, "GET", "/admin/audit").json()["rows"]
    response = signed_in.post(f"/console/keys/{created['id']}/revoke", data={"csrf_token": "guess"})
    assert response.status_code == 403
    assert admin_call(gateway, "GET", f"/admin/keys/{created['id']}").json()["revoked"] is False
    assert admin_call(gateway, "GET", "/admin/audit").json()["rows"] == before
    accepted = signed_in.post(f"/console/keys/{created['id']}/revoke", data={"csrf_token": _csrf(signed_in)})
    assert accepted.status_code == 303
    assert admin_call(gateway, "GET", f"/admin/keys/{created['id']}").json()["revoked"] is True


def test_a_sign_in_form_not_from_the_sign_in_page_is_refused(gateway: RunningGateway) -> None:
    with _client(gateway) as client:
        response = client.post("/console/sign-in", data={"csrf_token": "made-up", "key": gateway.master_key})
    assert response.status_code == 403 and "strata_console=" not in response.headers.get("set-cookie", "")


def test_a_key_that_is_not_an_admins_cannot_sign_in(gateway: RunningGateway) -> None:
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "plain"}).json()["key"]
    with _client(gateway) as client:
        response = _sign_in(client, key)
        assert response.status_code == 403 and "not an admin key" in response.text
        assert "strata_console=" not in response.headers.get("set-cookie", "")
        assert client.get("/console/overview").status_code == 303


def test_an_admin_key_signs_in_and_its_session_ends_when_it_is_revoked(gateway: RunningGateway) -> None:
    created = admin_call(gateway, "POST", "/admin/keys", json={"name": "ops", "is_admin": True}).json()
    with _client(gateway) as client:
        assert _sign_in(client, created["key"]).status_code == 303
        page = client.get("/console/overview")
        assert page.status_code == 200 and created["id"] in page.text
        admin_call(gateway, "POST", f"/admin/keys/{created['id']}/revoke").raise_for_status()
        assert client.get("/console/overview").status_code == 303


def test_failed_sign_ins_are_limited_per_address(tmp_path: Path) -> None:
    with gateway_in_thread(CATALOG, tmp_path) as gateway, _client(gateway) as client:
        for _ in range(5):
            assert _sign_in(client, "sk-wrong").status_code == 401
        refused = _sign_in(client, gateway.master_key)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in refused.text


def test_behind_a_trusted_proxy_failed_sign_ins_count_per_forwarded_address(tmp_path: Path) -> None:
    """Behind a proxy every browser arrives from the proxy's address: one stranger's five wrong keys
    locked every admin out. With the proxy trusted, the limit is the caller's own."""
    with gateway_in_thread(CATALOG, tmp_path, forwarded_allow_ips="*") as gateway:
        with _client(gateway) as stranger:
            stranger.headers["x-forwarded-for"] = "203.0.113.7"
            for _ in range(5):
                assert _sign_in(stranger, "sk-wrong").status_code == 401
            assert _sign_in(stranger, gateway.master_key).status_code == 429
        with _client(gateway) as admin:
            admin.headers["x-forwarded-for"] = "198.51.100.20"
            assert _sign_in(admin, gateway.master_key).status_code == 303


def test_no_page_shows_a_stored_keys_secret(gateway: RunningGateway, signed_in: httpx.Client) -> None:
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": "secretive"}).json()
    created = admin_call(gateway, "POST", "/admin/keys", json={"name": "hidden", "team_id": team["id"]}).json()
    key_id, secret = created["id"], created["key"]
    pages = [path.replace("/x", f"/{key_id}") for method, path in ROUTES if method == "GET" and "{" not in path]
    pages += [f"/console/keys/{key_id}", f"/console/teams/{team['id']}", f"/console/audit?target_id={key_id}"]
    for path in pages:
        response = signed_in.get(path)  # a new key's page redirects once its secret was shown
        assert response.status_code in (200, 303, 404), (path, response.status_code)
        assert secret not in response.text and secret[10:30] not in response.text, f"{path} shows the secret"


def test_the_session_cookie_is_httponly_strict_and_scoped_to_the_console(gateway: RunningGateway) -> None:
    with _client(gateway) as client:
        cookie = _sign_in(client, gateway.master_key).headers["set-cookie"]
    session = next(part for part in cookie.split(", strata") if part.startswith("strata_console="))
    flags = {flag.strip().lower() for flag in session.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/console"} <= flags
    assert "secure" not in flags  # plain HTTP here: a Secure cookie would never come back


def test_over_https_the_session_cookie_is_secure(tmp_path: Path) -> None:
    tls = make_tls(tmp_path / "tls")
    with bedrock_gateway(CATALOG, tmp_path, {}, tls=tls) as gateway:
        verify = ssl.create_default_context(cafile=str(tls.ca))
        with httpx.Client(base_url=gateway.base_url, verify=verify, timeout=10, follow_redirects=False) as client:
            cookie = _sign_in(client, MASTER_KEY).headers["set-cookie"]
    session = cookie.split("strata_console=", 1)[1].split(", strata")[0].lower()
    assert "secure" in session and "httponly" in session and "samesite=strict" in session


def test_pages_carry_the_security_headers(signed_in: httpx.Client) -> None:
    response = signed_in.get("/console/overview")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_an_idle_session_ends(gateway: RunningGateway, signed_in: httpx.Client) -> None:
    assert signed_in.get("/console/overview").status_code == 200
    with sqlite3.connect(Path(gateway.data_dir) / "strata.db") as conn:
        conn.execute("UPDATE console_sessions SET last_seen_at = '2000-01-01 00:00:00.000000'")
    assert signed_in.get("/console/overview").status_code == 303


def test_signing_out_ends_the_session(signed_in: httpx.Client) -> None:
    token = _csrf(signed_in)
    cookie = signed_in.cookies.get("strata_console")
    assert signed_in.post("/console/sign-out", data={"csrf_token": token}).status_code == 303
    with httpx.Client(base_url=str(signed_in.base_url), cookies={"strata_console": cookie or ""}) as replay:
        assert replay.get("/console/overview", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "wanted",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "/elsewhere", "/console/../../v1/models"],
)
def test_signing_in_never_leads_to_another_site(gateway: RunningGateway, wanted: str) -> None:
    with _client(gateway) as client:
        form = client.get("/console/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        data = {"csrf_token": token.group(1), "key": gateway.master_key, "next": wanted}
        response = client.post("/console/sign-in", data=data)
    assert response.headers["location"] == "/console/overview"
