"""A refused edit, as a form posts it: the key, team and guardrail pages come back with the refusal's
status, the reason at the top as the create pages show it, and the form as it was typed (not the
stored values), and nothing is changed; a valid edit still redirects to the page with "saved"."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from tests.console.conftest import admin_call
from tests.support.gateway import RunningGateway, gateway_in_thread

CATALOG = "models:\n" + "".join(
    f"  {name}:\n    deployments:\n      - provider: echo\n" for name in ("echo", "echo-two")
)
ALERT = re.compile(r'<p class="error" role="alert">([^<]*)</p>')


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with gateway_in_thread(CATALOG, tmp_path_factory.mktemp("edit-refusals")) as running:
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


class Controls(HTMLParser):
    """A page's form controls: inputs by id (value, checked), radios by (name, value), textareas' text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.radios: dict[tuple[str, str], bool] = {}
        self.checked_boxes: dict[str, list[str]] = {}
        self.textareas: dict[str, str] = {}
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input":
            if found.get("id"):
                self.inputs[str(found["id"])] = found
            if found.get("type") == "radio":
                self.radios[(str(found.get("name")), str(found.get("value")))] = "checked" in found
            if found.get("type") == "checkbox" and "checked" in found:
                self.checked_boxes.setdefault(str(found.get("name")), []).append(str(found.get("value")))
        elif tag == "textarea":
            self._textarea = str(found.get("id"))
            self.textareas[self._textarea] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.textareas[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None

    def value(self, element_id: str) -> str | None:
        return self.inputs[element_id].get("value")


def _refused(answer: httpx.Response, status: int, sentence: str) -> Controls:
    """The page again: the status, the reason in the create pages' markup, and its edit form."""
    assert answer.status_code == status, ALERT.findall(answer.text)
    assert "Traceback" not in answer.text
    alerts = ALERT.findall(answer.text)
    assert len(alerts) == 1 and sentence in alerts[0], alerts
    return Controls(answer.text)


KEY_REFUSALS = [
    ({"models_mode": "some"}, "Tick at least one model"),
    ({"models_mode": "all", "rpm": "-3"}, "Requests per minute"),
    ({"models_mode": "all", "alert_webhook": "ftp://hooks.example.com/x"}, "must be an http:// or https://"),
    ({"models_mode": "all", "guardrails": "missing-guardrail"}, "guardrails that do not exist"),
    ({"models_mode": "all", "alert_rate_usd_per_hour": "ten"}, "USD per hour: &#39;ten&#39; is not a number"),
]


@pytest.mark.parametrize(("change", "sentence"), KEY_REFUSALS)
def test_a_refused_key_edit_comes_back_with_what_was_typed(
    gateway: RunningGateway, console: tuple[httpx.Client, str], change: dict[str, str], sentence: str
) -> None:
    client, csrf = console
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "kept", "limits": {"rpm": 10}}).json()
    typed = {"name": "renamed", "team_id": "", "rpm": "77", "alert_thresholds": "50%, 0.8", "guardrails": ""}
    answer = client.post(f"/console/keys/{key['id']}", data={"csrf_token": csrf, **typed, **change})
    form = _refused(answer, 400, sentence)
    expected = {**typed, **change}
    assert form.value("edit-name") == "renamed" and form.value("edit-rpm") == expected["rpm"]
    assert form.value("edit-alert_thresholds") == "50%, 0.8"
    assert form.value("edit-alert_webhook") == expected.get("alert_webhook", "")
    assert form.value("edit-guardrails") == expected["guardrails"]
    some = expected["models_mode"] == "some"  # "Only these" with none ticked keeps its choice
    assert form.radios[("models_mode", "some")] is some and form.radios[("models_mode", "all")] is not some
    assert "allowed_models" not in form.checked_boxes
    stored = admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()
    assert stored["name"] == "kept" and stored["limits"]["rpm"] == 10, "a refused edit changes nothing"


def test_a_refused_key_edit_keeps_the_models_ticked_and_a_valid_one_still_redirects(
    gateway: RunningGateway, console: tuple[httpx.Client, str]
) -> None:
    client, csrf = console
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "ticked"}).json()
    form = {"csrf_token": csrf, "name": "ticked", "models_mode": "some", "allowed_models": "echo-two"}
    refused = client.post(f"/console/keys/{key['id']}", data=form | {"tpm": "-1"})
    controls = _refused(refused, 400, "Tokens per minute")
    assert controls.radios[("models_mode", "some")] and controls.checked_boxes["allowed_models"] == ["echo-two"]
    saved = client.post(f"/console/keys/{key['id']}", data=form | {"tpm": "500"})
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"/keys/{key['id']}?done=updated")
    stored = admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()
    assert stored["allowed_models"] == ["echo-two"] and stored["limits"]["tpm"] == 500
    shown = client.get(saved.headers["location"])
    assert shown.status_code == 200 and "The key was saved" in shown.text and not ALERT.findall(shown.text)
    assert Controls(shown.text).value("edit-tpm") == "500"


@pytest.mark.parametrize(
    ("name", "status", "sentence"),
    [("taken-name", 409, "exists already"), ("fine-name", 400, "Requests per minute")],
)
def test_a_refused_team_edit_comes_back_with_what_was_typed(
    gateway: RunningGateway, console: tuple[httpx.Client, str], name: str, status: int, sentence: str
) -> None:
    client, csrf = console
    admin_call(gateway, "POST", "/admin/teams", json={"name": "taken-name"})  # a 409 the second time: fine
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": f"team-{status}", "limits": {"rpm": 5}}).json()
    typed = {
        "name": name,
        "rpm": "42" if status == 409 else "-3",
        "budget_usd_day": "2.50",
        "tags": "blue, green",
        "guardrails": "",
        "alert_thresholds": "90%",
        "alert_rate_multiplier": "3",
        "alert_rate_window": "30",
    }
    answer = client.post(f"/console/teams/{team['id']}", data={"csrf_token": csrf, **typed})
    form = _refused(answer, status, sentence)
    assert form.value("edit-name") == name and form.value("edit-rpm") == typed["rpm"]
    assert form.value("edit-budget_usd_day") == "2.50" and form.value("edit-tags") == "blue, green"
    assert form.value("edit-alert_thresholds") == "90%" and form.value("edit-alert_rate_multiplier") == "3"
    assert form.value("edit-alert_rate_window") == "30"
    stored = admin_call(gateway, "GET", f"/admin/teams/{team['id']}").json()
    assert stored["name"] == f"team-{status}" and stored["limits"]["rpm"] == 5, "a refused edit changes nothing"

    saved = client.post(
        f"/console/teams/{team['id']}", data={"csrf_token": csrf, **typed, "name": f"saved-{status}", "rpm": "9"}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"/teams/{team['id']}?done=updated")
    assert admin_call(gateway, "GET", f"/admin/teams/{team['id']}").json()["limits"]["rpm"] == 9
    shown = client.get(saved.headers["location"])
    assert shown.status_code == 200 and "The team was saved" in shown.text and not ALERT.findall(shown.text)
    assert Controls(shown.text).value("edit-name") == f"saved-{status}"


def _guardrail(client: httpx.Client, csrf: str, name: str) -> str:
    definition = {
        "name": name,
        "wordPolicyConfig": {"wordsConfig": [{"text": "forbidden"}]},
        "blockedInputMessaging": "No.",
        "blockedOutputsMessaging": "No.",
    }
    created = client.post("/console/guardrails", data={"csrf_token": csrf, "definition": json.dumps(definition)})
    assert created.status_code == 303, created.text[-1500:]
    return created.headers["location"].split("/guardrails/", 1)[1].split("?", 1)[0]


def _definition(name: str, pii: str = "EMAIL") -> str:
    return json.dumps(
        {
            "name": name,
            "sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": pii, "action": "ANONYMIZE"}]},
            "blockedInputMessaging": "Typed, not stored.",
            "blockedOutputsMessaging": "No.",
        },
        indent=1,
    )


@pytest.mark.parametrize(
    ("original", "typed", "status", "sentence"),
    [
        ("not-json", "{not json <b>", 400, "The definition is not JSON"),
        ("unknown-pii", _definition("edited", pii="SHOE_SIZE"), 400, "not one Strata can enforce"),
        ("name-taken", _definition("other-guardrail"), 409, "exists already"),
    ],
)
def test_a_refused_guardrail_draft_comes_back_with_the_definition_as_typed(
    console: tuple[httpx.Client, str], original: str, typed: str, status: int, sentence: str
) -> None:
    client, csrf = console
    gid = _guardrail(client, csrf, original)
    if status == 409:
        _guardrail(client, csrf, "other-guardrail")
    stored = Controls(client.get(f"/console/guardrails/{gid}").text).textareas["definition"]
    answer = client.post(f"/console/guardrails/{gid}", data={"csrf_token": csrf, "definition": typed})
    form = _refused(answer, status, sentence)
    assert form.textareas["definition"] == typed, "the definition comes back as typed"
    again = Controls(client.get(f"/console/guardrails/{gid}").text).textareas["definition"]
    assert again == stored, "a refused save changes nothing"

    saved = client.post(
        f"/console/guardrails/{gid}", data={"csrf_token": csrf, "definition": _definition(f"saved-{gid}")}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"/guardrails/{gid}?done=saved")
    assert "Typed, not stored." in client.get(saved.headers["location"]).text
