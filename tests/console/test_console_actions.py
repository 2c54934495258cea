"""Console actions over HTTP, as a form posts them: moving a key to another team, deleting a team
only once its keys are revoked, refusing bad input with a sentence, and recording each change in
the audit log under the signed-in admin with ``via: console``."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.console.conftest import admin_call
from tests.support.gateway import RunningGateway, gateway_in_thread

CATALOG = "models:\n  echo:\n    deployments:\n      - provider: echo\n"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with gateway_in_thread(CATALOG, tmp_path_factory.mktemp("actions")) as running:
        yield running


@pytest.fixture()
def console(gateway: RunningGateway) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=gateway.base_url, follow_redirects=False, timeout=10) as client:
        form = client.get("/console/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        client.post("/console/sign-in", data={"csrf_token": token.group(1), "key": gateway.master_key})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/keys").text)
        assert csrf is not None
        yield client, csrf.group(1)


def test_a_key_moves_to_another_team_from_its_page(gateway: RunningGateway, console: tuple[httpx.Client, str]) -> None:
    client, csrf = console
    first = admin_call(gateway, "POST", "/admin/teams", json={"name": "first"}).json()
    second = admin_call(gateway, "POST", "/admin/teams", json={"name": "second"}).json()
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "mover", "team_id": first["id"]}).json()
    form = {"csrf_token": csrf, "name": "mover", "team_id": second["id"], "models_mode": "all", "rpm": "30"}
    answer = client.post(f"/console/keys/{key['id']}", data=form)
    assert answer.status_code == 303 and answer.headers["location"].endswith("done=updated")
    moved = admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()
    assert moved["team_id"] == second["id"] and moved["limits"]["rpm"] == 30
    entry = admin_call(gateway, "GET", "/admin/audit", params={"target_id": key["id"], "action": "update"}).json()
    assert entry["rows"][0]["via"] == "console" and entry["rows"][0]["details"]["team_id"] == second["id"]


def test_a_team_is_deleted_only_once_its_keys_are_revoked(
    gateway: RunningGateway, console: tuple[httpx.Client, str]
) -> None:
    client, csrf = console
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": "doomed"}).json()
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "member", "team_id": team["id"]}).json()
    refused = client.post(f"/console/teams/{team['id']}/delete", data={"csrf_token": csrf})
    assert refused.status_code == 409 and "still has active keys" in refused.text
    client.post(f"/console/keys/{key['id']}/revoke", data={"csrf_token": csrf})
    deleted = client.post(f"/console/teams/{team['id']}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 303 and deleted.headers["location"].endswith("done=deleted")
    assert admin_call(gateway, "GET", f"/admin/teams/{team['id']}").status_code == 404
    assert admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()["team_id"] is None


def test_a_deleted_key_is_gone_and_its_page_says_so(gateway: RunningGateway, console: tuple[httpx.Client, str]) -> None:
    client, csrf = console
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "brief"}).json()
    assert client.post(f"/console/keys/{key['id']}/delete", data={"csrf_token": csrf}).status_code == 303
    gone = client.get(f"/console/keys/{key['id']}")
    assert gone.status_code == 404 and "There is no key" in gone.text


@pytest.mark.parametrize(
    ("form", "sentence"),
    [
        ({"name": ""}, "Name"),
        ({"name": "x", "rpm": "-3"}, "Requests per minute"),
        ({"name": "x", "models_mode": "some", "allowed_models": "nope"}, "models that do not exist: nope"),
        ({"name": "x", "guardrails": "missing-guardrail"}, "guardrails that do not exist"),
        ({"name": "x", "team_id": "team_gone"}, "No team"),
    ],
)
def test_bad_input_is_refused_with_a_sentence_and_creates_nothing(
    gateway: RunningGateway, console: tuple[httpx.Client, str], form: dict[str, str], sentence: str
) -> None:
    client, csrf = console
    before = len(admin_call(gateway, "GET", "/admin/keys").json())
    answer = client.post("/console/keys", data={"csrf_token": csrf, "models_mode": "all", **form})
    assert answer.status_code == 400 and sentence in answer.text, answer.text[-1500:]
    assert "Traceback" not in answer.text and 'class="error"' in answer.text
    assert len(admin_call(gateway, "GET", "/admin/keys").json()) == before


def test_a_guardrail_definition_that_is_not_json_is_refused_with_a_sentence(console: tuple[httpx.Client, str]) -> None:
    client, csrf = console
    answer = client.post("/console/guardrails", data={"csrf_token": csrf, "definition": "{not json"})
    assert answer.status_code == 400 and "The definition is not JSON" in answer.text
    assert ">{not json</textarea>" in answer.text, "what was typed comes back"


def test_the_playground_refuses_an_unknown_model_in_a_sentence(console: tuple[httpx.Client, str]) -> None:
    client, csrf = console
    body = {"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}
    answer = client.post("/console/playground/chat", json=body, headers={"x-csrf-token": csrf})
    assert answer.status_code == 404 and "does not exist" in answer.json()["error"]


def test_a_finished_playground_stream_logs_no_error(
    console: tuple[httpx.Client, str], caplog: pytest.LogCaptureFixture
) -> None:
    client, csrf = console
    caplog.set_level(logging.INFO, logger="strata")
    body = {"model": "echo", "messages": [{"role": "user", "content": "hello there"}]}
    answer = client.post("/console/playground/chat", json=body, headers={"x-csrf-token": csrf})
    assert answer.status_code == 200 and "hello" in answer.text
    client.get("/console/keys")  # the stream's end has been handled by the time the next request is
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors


@pytest.mark.parametrize("status", ["ok", "error"])
def test_the_usage_pages_status_filter_answers_for_both_choices(console: tuple[httpx.Client, str], status: str) -> None:
    client, csrf = console
    client.post(
        "/console/playground/chat",
        json={"model": "echo", "messages": [{"role": "user", "content": "count me"}]},
        headers={"x-csrf-token": csrf},
    )
    page = client.get("/console/usage", params={"status": status})
    assert page.status_code == 200, page.text[:300]
    export = client.get("/console/usage.csv", params={"status": status})
    assert export.status_code == 200 and export.text.splitlines()[0]


def test_only_these_models_with_none_ticked_is_refused_in_a_sentence(console: tuple[httpx.Client, str]) -> None:
    client, csrf = console
    form = {"csrf_token": csrf, "name": "nothing-allowed", "models_mode": "only"}
    answer = client.post("/console/keys", data=form)
    assert answer.status_code == 400 and "Tick at least one model" in answer.text
    assert 'value="nothing-allowed"' in answer.text, "what was typed comes back"


def test_a_refused_team_comes_back_with_what_was_typed(console: tuple[httpx.Client, str]) -> None:
    client, csrf = console
    form = {"csrf_token": csrf, "name": "twice", "rpm": "42", "tags": "blue, green"}
    assert client.post("/console/teams", data=form).status_code == 303
    again = client.post("/console/teams", data=form)
    assert again.status_code == 409 and 'role="alert"' in again.text
    assert 'value="twice"' in again.text and 'value="42"' in again.text and "blue, green" in again.text


def test_a_new_keys_secret_is_shown_once_and_a_reload_creates_no_second_key(
    gateway: RunningGateway, console: tuple[httpx.Client, str]
) -> None:
    client, csrf = console
    before = len(admin_call(gateway, "GET", "/admin/keys").json())
    created = client.post("/console/keys", data={"csrf_token": csrf, "name": "once", "models_mode": "all"})
    assert created.status_code == 303 and created.headers["location"].endswith("/created")
    shown = client.get(created.headers["location"])
    assert shown.status_code == 200 and "sk-" in shown.text and shown.headers["cache-control"] == "no-store"
    again = client.get(created.headers["location"])  # the browser's reload
    assert again.status_code == 303 and again.headers["location"].endswith("done=shown")
    assert "sk-" not in again.text
    assert len(admin_call(gateway, "GET", "/admin/keys").json()) == before + 1
