"""A NUL character (\\x00, %00) in an id in the path, a query filter or a name is refused with a
400 in a sentence (the admin API's JSON error, the console's page), never a 500: PostgreSQL
refuses NUL in text, SQLite would store it, and both answer the same. The usage CSV export is
refused before its body starts, not broken mid-stream."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.gateway import MASTER_KEY, RunningGateway, gateway_in_thread
from tests.support.postgres import migrated_database

CATALOG = "models:\n  echo:\n    deployments:\n      - provider: echo\n"
HEADERS = {"Authorization": f"Bearer {MASTER_KEY}"}
CONSOLE_PAGES = [
    "/console/keys/%00",
    "/console/teams/%00",
    "/console/guardrails/%00",
    "/console/keys?team=%00",
    "/console/keys?q=a%00",
    "/console/usage?key=%00",
    "/console/usage?model=a%00",
    "/console/usage?team=%00",
    "/console/usage.csv?key=%00",
    "/console/audit?actor=%00",
    "/console/audit?target_id=%00",
    "/console/alerts?scope=%00",
]
CONSOLE_FORMS = [
    ("/console/keys", {"name": "a\x00b"}),
    ("/console/teams", {"name": "a\x00b"}),
    ("/console/teams", {"name": "t", "tags": "a\x00b"}),
    ("/console/keys", {"name": "k", "team_id": "a\x00b"}),
    ("/console/keys", {"name": "k", "guardrails": "a\x00b"}),
    ("/console/alerts/%00/redeliver", {}),
    ("/console/guardrails/zz%00/publish", {"description": "x"}),
]
ADMIN_READS = [
    ("/admin/keys/%00", "key_id"),
    ("/admin/teams/%00", "team_id"),
    ("/admin/keys?team_id=%00", "team_id"),
    ("/admin/usage/records?key_id=%00", "key_id"),
    ("/admin/usage/totals?model=a%00b", "model"),
    ("/admin/audit?actor=%00", "actor"),
    ("/admin/alerts?scope_id=%00", "scope_id"),
]
ADMIN_WRITES = [
    ("POST", "/admin/keys", {"name": "a\x00b"}),
    ("POST", "/admin/teams", {"name": "t", "tags": ["a\x00b"]}),
    ("POST", "/admin/keys", {"name": "k", "alerts": {"thresholds": [0.5], "webhook_url": "http://h/\x00"}}),
    ("PATCH", "/admin/keys/%00", {"name": "k"}),
    ("DELETE", "/admin/teams/%00", None),
]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder = tmp_path_factory.mktemp("nul")
    if request.param == "sqlite":
        with gateway_in_thread(CATALOG, Path(folder)) as running:
            yield running
        return
    with migrated_database("strata_nul") as url, gateway_in_thread(CATALOG, Path(folder), database_url=url) as running:
        yield running


@pytest.fixture(scope="module")
def console(gateway: RunningGateway) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=gateway.base_url, follow_redirects=False, timeout=10) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/sign-in").text)
        assert token is not None
        client.post("/console/sign-in", data={"csrf_token": token.group(1), "key": gateway.master_key})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/keys").text)
        assert csrf is not None
        yield client, csrf.group(1)


def _sentence(page: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)<', page, re.S)
    return found.group(1) if found else ""


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_a_nul_in_a_console_address_is_a_400_page_with_a_sentence(console: tuple[httpx.Client, str], path: str) -> None:
    client, _ = console
    answer = client.get(path)
    assert answer.status_code == 400, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    assert "NUL" in _sentence(answer.text)


@pytest.mark.parametrize(("path", "form"), CONSOLE_FORMS)
def test_a_nul_typed_into_a_console_form_is_a_400_page_with_a_sentence(
    console: tuple[httpx.Client, str], path: str, form: dict[str, str]
) -> None:
    client, csrf = console
    answer = client.post(path, data={"csrf_token": csrf, **form})
    assert answer.status_code == 400, answer.text[:300]
    assert "NUL" in _sentence(answer.text)


def test_a_nul_in_the_admin_key_at_sign_in_is_refused_not_a_server_error(gateway: RunningGateway) -> None:
    with httpx.Client(base_url=gateway.base_url, timeout=10) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/sign-in").text)
        assert token is not None
        answer = client.post("/console/sign-in", data={"csrf_token": token.group(1), "key": "sk-\x00abc"})
    assert answer.status_code == 400


@pytest.mark.parametrize(("path", "param"), ADMIN_READS)
def test_a_nul_in_an_admin_api_address_is_a_400_in_its_json_error_shape_naming_where(
    gateway: RunningGateway, path: str, param: str
) -> None:
    answer = httpx.get(f"{gateway.base_url}{path}", headers=HEADERS, timeout=10)
    assert answer.status_code == 400, answer.text
    assert "NUL" in answer.json()["error"]["message"] and answer.json()["error"]["param"] == param


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_WRITES)
def test_a_nul_in_an_admin_api_body_or_id_is_a_400_in_its_json_error_shape(
    gateway: RunningGateway, method: str, path: str, body: object
) -> None:
    answer = httpx.request(method, f"{gateway.base_url}{path}", headers=HEADERS, json=body, timeout=10)
    assert answer.status_code == 400, answer.text
    assert "NUL" in answer.json()["error"]["message"]


def test_without_a_nul_the_same_requests_still_work(gateway: RunningGateway, console: tuple[httpx.Client, str]) -> None:
    client, csrf = console
    assert httpx.get(f"{gateway.base_url}/admin/keys/nope", headers=HEADERS, timeout=10).status_code == 404
    assert client.get("/console/usage.csv?key=x").status_code == 200
    assert client.get("/console/usage?model=%2500").status_code == 200
    assert client.post("/console/teams", data={"csrf_token": csrf, "name": "plain \\u0000 text"}).status_code == 303
    body = {"name": "escaped \\u0000 backslash"}
    assert httpx.post(f"{gateway.base_url}/admin/teams", headers=HEADERS, json=body, timeout=10).status_code == 201
