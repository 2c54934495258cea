"""Every route of the app, enumerated from the app itself (not a hand-kept list), refuses a caller
without a key, with a wrong key, a revoked key or an expired key; admin routes also refuse a key
that is not an admin's. Only the routes named in PUBLIC answer without a key."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from gateway.app import StrataApp, create_app
from gateway.config.catalog import parse_catalog
from gateway.config.settings import Settings
from tests.support.gateway import MASTER_KEY, free_port, wait_until_ready

CATALOG = "models:\n  echo:\n    deployments:\n      - provider: echo\n"
# The only routes anyone may call without a key: probes and the API's own description.
PUBLIC = {"/health/live", "/health/ready", "/openapi.json", "/docs", "/docs/oauth2-redirect"}


def _flatten(routes: list[Any]) -> Iterator[Any]:
    """Every route, through included routers (FastAPI keeps an included router as one entry)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flatten(list(inner.routes))
        else:
            yield route


def _routes(app: StrataApp) -> list[tuple[str, str, str]]:
    """(method, path with its parameters filled in, surface) for every route the app serves."""
    found: list[tuple[str, str, str]] = []
    for route in _flatten(list(app.routes)):
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None) or set()
        if path is None or path in PUBLIC:
            continue
        concrete = re.sub(r"\{[^}]+\}", "echo", path)
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            found.append((method, concrete, app.routes_table.match(method, concrete).surface))
    for asgi in app.routes_table.asgi.all():
        concrete = asgi.path.replace(f"{{{asgi.template.name}}}", "echo") if asgi.template else asgi.path
        found.append((asgi.method, concrete, asgi.surface))
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StrataApp, str]]:
    import asyncio
    import threading

    import uvicorn

    folder: Path = tmp_path_factory.mktemp("audit")
    app = create_app(Settings(data_dir=folder / "data"), parse_catalog(CATALOG), MASTER_KEY)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base)
        yield app, base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def keys(served: tuple[StrataApp, str]) -> dict[str, str]:
    _, base = served
    admin = {"Authorization": f"Bearer {MASTER_KEY}"}

    def create(**body: Any) -> dict[str, Any]:
        response = httpx.post(f"{base}/admin/keys", json={"name": "audit", **body}, headers=admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    revoked = create()
    assert httpx.post(f"{base}/admin/keys/{revoked['id']}/revoke", headers=admin).status_code == 200
    expiring = create(expires_in_days=1.5 / 86400)  # 1.5 seconds
    user = create()
    time.sleep(1.6)
    return {
        "wrong": "sk-strata_0123456789abcdef-not-a-real-key",
        "revoked": revoked["key"],
        "expired": expiring["key"],
        "user": user["key"],
    }


def test_the_app_has_the_routes_this_audit_expects_to_cover(served: tuple[StrataApp, str]) -> None:
    routes = _routes(served[0])
    surfaces = {surface for _, _, surface in routes}
    assert {"openai", "bedrock", "admin"} <= surfaces
    assert len(routes) >= 25, routes


def _call(base: str, method: str, path: str, key: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]} if method in ("POST", "PATCH") else None
    return httpx.request(method, base + path, headers=headers, json=body, timeout=10)


@pytest.mark.parametrize("who", ["none", "wrong", "revoked", "expired"])
def test_every_route_refuses_a_caller_without_a_valid_key(
    served: tuple[StrataApp, str], keys: dict[str, str], who: str
) -> None:
    app, base = served
    key = None if who == "none" else keys[who]
    let_in = []
    for method, path, surface in _routes(app):
        response = _call(base, method, path, key)
        refused = response.status_code == 401 or (surface == "bedrock" and response.status_code == 403)
        if not refused:
            let_in.append((method, path, response.status_code, response.text[:120]))
        else:
            assert "Traceback" not in response.text
    assert let_in == []


def test_every_admin_route_refuses_a_key_that_is_not_an_admins(
    served: tuple[StrataApp, str], keys: dict[str, str]
) -> None:
    app, base = served
    admin_routes = [(m, p) for m, p, surface in _routes(app) if surface == "admin"]
    assert len(admin_routes) >= 10
    let_in = [
        (method, path, response.status_code)
        for method, path in admin_routes
        if (response := _call(base, method, path, keys["user"])).status_code != 403
    ]
    assert let_in == []


def test_the_public_routes_are_only_probes_and_the_api_description(served: tuple[StrataApp, str]) -> None:
    app, base = served
    for path in ("/health/live", "/health/ready", "/openapi.json", "/docs"):
        assert httpx.get(base + path).status_code in (200, 503), path
    api_routes = [r for r in _flatten(list(app.routes)) if isinstance(r, APIRoute)]
    public = [r for r in api_routes if r.path in PUBLIC]
    assert sorted({r.path for r in public}) == ["/health/live", "/health/ready"]
    assert set().union(*(r.methods for r in public)) == {"GET", "HEAD"}  # probes read, never change
