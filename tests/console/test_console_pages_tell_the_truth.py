"""Console pages say what is so: an expired key is labelled expired (not active), a guardrail's
versions are the ones that exist after one is deleted and the Publish button names the number it
creates, a guardrail's tags (which UpdateGuardrail cannot change) are shown read-only and an edit
to them is refused in a sentence rather than dropped, and a definition nested too deep is a 400
sentence, not a server error."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.console.conftest import admin_call
from tests.support.bedrock import sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread

CATALOG = "models:\n  echo:\n    deployments:\n      - provider: echo\n"
DEFINITION = {
    "name": "g",
    "blockedInputMessaging": "b",
    "blockedOutputsMessaging": "b",
    "wordPolicyConfig": {"wordsConfig": [{"text": "q"}]},
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with gateway_in_thread(CATALOG, tmp_path_factory.mktemp("truth")) as running:
        yield running


@pytest.fixture()
def console(gateway: RunningGateway) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=gateway.base_url, follow_redirects=False, timeout=10) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/sign-in").text)
        assert token is not None
        client.post("/console/sign-in", data={"csrf_token": token.group(1), "key": gateway.master_key})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/keys").text)
        assert csrf is not None
        yield client, csrf.group(1)


def _states(page: str) -> list[str]:
    return re.findall(r'class="state [^"]*">([^<]*)<', page)


def test_an_expired_key_is_labelled_expired_in_the_list_on_its_page_and_on_its_team(
    gateway: RunningGateway, console: tuple[httpx.Client, str]
) -> None:
    client, _ = console
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": "expiring"}).json()
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).isoformat()
    body = {"name": "short-lived", "expires_at": soon, "team_id": team["id"]}
    expired = admin_call(gateway, "POST", "/admin/keys", json=body).json()
    revoked = admin_call(gateway, "POST", "/admin/keys", json={"name": "gone", "team_id": team["id"]}).json()
    admin_call(gateway, "POST", f"/admin/keys/{revoked['id']}/revoke")
    live = admin_call(gateway, "POST", "/admin/keys", json={"name": "live", "team_id": team["id"]}).json()
    time.sleep(1.5)
    listing = client.get("/console/keys", params={"revoked": "1"}).text
    for key, state in ((expired, "expired"), (revoked, "revoked"), (live, "active")):
        row = re.search(rf'<tr>\s*<td><a href="/console/keys/{key["id"]}">.*?</tr>', listing, re.S)
        assert row is not None and _states(row.group(0)) == [state]
        assert _states(client.get(f"/console/keys/{key['id']}").text) == [state]
    on_team = client.get(f"/console/teams/{team['id']}").text
    assert sorted(_states(on_team)) == ["active", "expired", "revoked"]


def _guardrail(client: httpx.Client, csrf: str, **extra: object) -> str:
    answer = client.post("/console/guardrails", data={"csrf_token": csrf, "definition": json.dumps(DEFINITION | extra)})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].split("/guardrails/", 1)[1].split("?", 1)[0]


def test_after_a_version_is_deleted_the_console_shows_the_real_versions_and_next_number(
    gateway: RunningGateway, console: tuple[httpx.Client, str]
) -> None:
    client, csrf = console
    gid = _guardrail(client, csrf, name="versions")
    bedrock = sigv4_client("bedrock", gateway)
    for _ in range(4):
        bedrock.create_guardrail_version(guardrailIdentifier=gid)
    bedrock.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="2")
    listing = html.unescape(client.get("/console/guardrails").text)
    row = re.search(rf'<a href="/console/guardrails/{gid}">.*?</tr>', listing, re.S)
    assert row is not None and "<td>DRAFT, 1, 3–4</td>" in row.group(0)
    page = client.get(f"/console/guardrails/{gid}").text
    assert re.findall(r"Publish version (\d+)", page) == ["5"]
    assert "versions: DRAFT, 1, 3, 4" in page
    assert client.post(f"/console/guardrails/{gid}/publish", data={"csrf_token": csrf}).status_code == 303
    versions = [v["version"] for v in bedrock.list_guardrails(guardrailIdentifier=gid)["guardrails"]]
    assert versions == ["DRAFT", "1", "3", "4", "5"]
    bedrock.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="5")
    assert re.findall(r"Publish version (\d+)", client.get(f"/console/guardrails/{gid}").text) == ["6"]


def _editor(client: httpx.Client, gid: str) -> tuple[str, str]:
    page = client.get(f"/console/guardrails/{gid}").text
    box = re.search(r'<textarea[^>]*name="definition"[^>]*>(.*?)</textarea>', page, re.S)
    assert box is not None
    return page, html.unescape(box.group(1))


def test_a_guardrails_tags_are_shown_read_only_and_an_edit_to_them_is_refused_in_a_sentence(
    gateway: RunningGateway, console: tuple[httpx.Client, str]
) -> None:
    client, csrf = console
    gid = _guardrail(client, csrf, name="tagged", tags=[{"key": "env", "value": "prod"}])
    page, box = _editor(client, gid)
    assert "tags" not in json.loads(box)
    assert "env" in page and "prod" in page and "not here" in page
    edited = json.loads(box) | {"tags": [{"key": "env", "value": "dev"}]}
    refused = client.post(f"/console/guardrails/{gid}", data={"csrf_token": csrf, "definition": json.dumps(edited)})
    assert refused.status_code == 400
    assert "Tags cannot be changed" in html.unescape(refused.text)
    same = json.loads(box) | {"tags": [{"key": "env", "value": "prod"}], "description": "kept"}
    saved = client.post(f"/console/guardrails/{gid}", data={"csrf_token": csrf, "definition": json.dumps(same)})
    assert saved.status_code == 303
    renamed = json.loads(box) | {"description": "no tags typed"}
    saved = client.post(f"/console/guardrails/{gid}", data={"csrf_token": csrf, "definition": json.dumps(renamed)})
    assert saved.status_code == 303
    stored = sigv4_client("bedrock", gateway).get_guardrail(guardrailIdentifier=gid)
    assert stored["description"] == "no tags typed"
    assert "prod" in client.get(f"/console/guardrails/{gid}").text


@pytest.mark.parametrize("deep", ["[" * 2000 + "]" * 2000, '{"name":' + "[" * 50_000])
def test_a_guardrail_definition_nested_too_deep_is_refused_in_a_sentence_on_create_and_save(
    console: tuple[httpx.Client, str], deep: str
) -> None:
    client, csrf = console
    created = client.post("/console/guardrails", data={"csrf_token": csrf, "definition": deep})
    assert created.status_code == 400 and "nested too deep" in created.text
    gid = _guardrail(client, csrf, name=f"deep{len(deep)}")
    saved = client.post(f"/console/guardrails/{gid}", data={"csrf_token": csrf, "definition": deep})
    assert saved.status_code == 400 and "nested too deep" in saved.text
