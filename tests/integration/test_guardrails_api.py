"""Guardrails as Bedrock's control plane serves them, through boto3's unmodified `bedrock` client:
create, read, list, update, version and delete, on SQLite and PostgreSQL; the key and team APIs
naming them; and a change made on one gateway seen by another's compiled copy."""

from __future__ import annotations

import asyncio
import gc
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from botocore.config import Config
from sqlalchemy import text

from gateway.db import migrate
from gateway.db.session import make_engine
from gateway.lifespan import AppState
from tests.integration.admin_helpers import Store, admin, created, stores
from tests.integration.conftest import StartGateway, require_redis, require_service
from tests.support import postgres
from tests.support.bedrock import (
    BEARER_ENV,
    REGION,
    bearer_client,
    bedrock_gateway,
    client_config,
    isolate_aws_environment,
    sigv4_client,
)
from tests.support.gateway import MASTER_KEY, RunningGateway, gateway_in_thread
from tests.support.tls import make_tls

T = TypeVar("T")

CONFIG = """
models:
  echo:
    deployments: [{provider: echo}]
    guardrails: ["no-foo:1"]
guardrails:
  no-foo:
    description: declared in the config
    wordPolicyConfig: {wordsConfig: [{text: foo}]}
    blockedInputMessaging: "No foo."
    blockedOutputsMessaging: "No foo."
"""
MESSAGES = {"blockedInputMessaging": "Blocked on the way in.", "blockedOutputsMessaging": "Blocked on the way out."}
WORDS = {
    "wordPolicyConfig": {"wordsConfig": [{"text": "forbidden"}], "managedWordListsConfig": [{"type": "PROFANITY"}]}
}
PII = {
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}, {"type": "NAME", "action": "BLOCK"}],
        "regexesConfig": [{"name": "ticket", "pattern": r"TCK-\d{6}", "action": "ANONYMIZE"}],
    }
}
TOPICS = {
    "topicPolicyConfig": {
        "topicsConfig": [
            {"name": "Investments", "definition": "Advice on investing.", "examples": ["Buy what?"], "type": "DENY"}
        ]
    }
}
CONTENT = {
    "contentPolicyConfig": {
        "filtersConfig": [
            {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "MEDIUM"},
            {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
        ]
    }
}
GROUNDING = {
    "contextualGroundingPolicyConfig": {
        "filtersConfig": [{"type": "GROUNDING", "threshold": 0.75}, {"type": "RELEVANCE", "threshold": 0.5}]
    }
}
GET_NAMES = {
    "topicPolicyConfig": ("topicPolicy", {"topicsConfig": "topics"}),
    "contentPolicyConfig": ("contentPolicy", {"filtersConfig": "filters"}),
    "wordPolicyConfig": ("wordPolicy", {"wordsConfig": "words", "managedWordListsConfig": "managedWordLists"}),
    "sensitiveInformationPolicyConfig": (
        "sensitiveInformationPolicy",
        {"piiEntitiesConfig": "piiEntities", "regexesConfig": "regexes"},
    ),
    "contextualGroundingPolicyConfig": ("contextualGroundingPolicy", {"filtersConfig": "filters"}),
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    yield from stores(request.param, tmp_path_factory.mktemp("guardrails"))


@pytest.fixture(scope="module")
def gateway(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with gateway_in_thread(CONFIG, tmp_path_factory.mktemp("gateway"), environ={}, **store.settings) as running:
        yield running


@pytest.fixture(scope="module")
def control(gateway: RunningGateway) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        client = sigv4_client("bedrock", gateway)
        yield client
        client.close()


def unique(prefix: str = "g") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def create(control: Any, policies: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    body = {"name": unique(), **MESSAGES, **(WORDS if policies is None else policies), **fields}
    made: dict[str, Any] = control.create_guardrail(**body)
    return made


def words_of(got: dict[str, Any]) -> list[str]:
    return [w["text"] for w in got["wordPolicy"]["words"]]


def on_gateway(gateway: RunningGateway, make: Callable[[AppState], Awaitable[T]]) -> T:
    """Run a coroutine on the gateway's own event loop, with its state (e.g. to ask its registry)."""
    assert gateway.server is not None
    state: AppState = gateway.server.config.app.state.strata
    loop = gateway.server.servers[0].get_loop()
    return asyncio.run_coroutine_threadsafe(make(state), loop).result(timeout=15)


# ---------------------------------------------------------------------------- create, get, list


@pytest.mark.parametrize(
    "policies",
    [WORDS, PII, TOPICS, CONTENT, GROUNDING, {**WORDS, **PII, **TOPICS, **CONTENT, **GROUNDING}],
    ids=["words", "pii-and-regexes", "topics", "content", "grounding", "every-policy"],
)
def test_a_guardrail_reads_back_in_getguardrails_shape(control: Any, policies: dict[str, Any]) -> None:
    made = create(control, policies, description="for the test")

    got = control.get_guardrail(guardrailIdentifier=made["guardrailId"])

    assert made["version"] == "DRAFT" and made["guardrailArn"].endswith(f":guardrail/{made['guardrailId']}")
    assert made["guardrailArn"].startswith(f"arn:aws:bedrock:{REGION}:000000000000:")
    assert got["guardrailId"] == made["guardrailId"] and got["version"] == "DRAFT"
    assert got["description"] == "for the test"
    assert got["blockedInputMessaging"] == MESSAGES["blockedInputMessaging"]
    assert got["createdAt"] == made["createdAt"] == got["updatedAt"]
    assert got["status"] == "READY"  # every policy compiles (unsupported PII types are reasons, not failures)
    for config_name, config in policies.items():
        get_name, lists = GET_NAMES[config_name]
        for config_list, get_list in lists.items():
            sent, shown = config[config_list], got[get_name][get_list]
            assert len(shown) == len(sent)
            for given, returned in zip(sent, shown, strict=True):
                assert returned | given == returned, "every field sent comes back as sent"


def test_a_guardrail_that_compiles_is_ready(control: Any) -> None:
    got = control.get_guardrail(guardrailIdentifier=create(control, WORDS)["guardrailId"])

    assert (got["status"], got["statusReasons"]) == ("READY", [])


def test_pii_types_nothing_here_can_detect_are_listed_in_the_status_reasons(control: Any) -> None:
    got = control.get_guardrail(guardrailIdentifier=create(control, PII)["guardrailId"])

    assert got["status"] == "READY"
    assert any(reason.startswith("NAME:") for reason in got["statusReasons"])
    assert not any(reason.startswith("EMAIL:") for reason in got["statusReasons"])


def test_the_arn_works_wherever_the_id_does(gateway: RunningGateway, control: Any) -> None:
    made = create(control)
    arn = made["guardrailArn"]

    assert control.get_guardrail(guardrailIdentifier=arn)["guardrailId"] == made["guardrailId"]
    control.update_guardrail(guardrailIdentifier=arn, name=unique(), **MESSAGES, **WORDS)
    assert control.create_guardrail_version(guardrailIdentifier=arn)["version"] == "1"
    assert len(control.list_guardrails(guardrailIdentifier=arn)["guardrails"]) == 2
    with closing(sigv4_client("bedrock", gateway, region_name="eu-west-3")) as regional:
        got = regional.get_guardrail(guardrailIdentifier=arn, guardrailVersion="1")
    assert got["guardrailArn"] == arn.replace(REGION, "eu-west-3")
    control.delete_guardrail(guardrailIdentifier=arn)
    with pytest.raises(control.exceptions.ResourceNotFoundException):
        control.get_guardrail(guardrailIdentifier=made["guardrailId"])


def test_versions_snapshot_the_draft_and_keep_it_through_updates(control: Any) -> None:
    made = create(control, {"wordPolicyConfig": {"wordsConfig": [{"text": "alpha"}]}})
    gid = made["guardrailId"]

    assert control.create_guardrail_version(guardrailIdentifier=gid, description="first")["version"] == "1"
    updated = control.update_guardrail(
        guardrailIdentifier=gid, name=unique(), **MESSAGES, wordPolicyConfig={"wordsConfig": [{"text": "beta"}]}
    )
    assert control.create_guardrail_version(guardrailIdentifier=gid)["version"] == "2"

    one = control.get_guardrail(guardrailIdentifier=gid, guardrailVersion="1")
    two = control.get_guardrail(guardrailIdentifier=gid, guardrailVersion="2")
    draft = control.get_guardrail(guardrailIdentifier=gid)
    assert (words_of(one), words_of(two), words_of(draft)) == (["alpha"], ["beta"], ["beta"])
    assert (one["version"], one["description"], one["status"]) == ("1", "first", "READY")
    assert updated["version"] == "DRAFT" and draft["updatedAt"] == updated["updatedAt"] > draft["createdAt"]


def test_list_pages_through_a_guardrails_versions(control: Any) -> None:
    gid = create(control)["guardrailId"]
    for _ in range(3):
        control.create_guardrail_version(guardrailIdentifier=gid)

    first = control.list_guardrails(guardrailIdentifier=gid, maxResults=2)
    second = control.list_guardrails(guardrailIdentifier=gid, maxResults=2, nextToken=first["nextToken"])
    pages = control.get_paginator("list_guardrails").paginate(guardrailIdentifier=gid, PaginationConfig={"PageSize": 1})

    assert [g["version"] for g in first["guardrails"]] == ["DRAFT", "1"]
    assert [g["version"] for g in second["guardrails"]] == ["2", "3"] and "nextToken" not in second
    assert [g["version"] for page in pages for g in page["guardrails"]] == ["DRAFT", "1", "2", "3"]
    assert {g["id"] for g in first["guardrails"]} == {gid}


def test_list_without_an_identifier_shows_every_guardrails_draft_once(control: Any) -> None:
    ours = [create(control)["guardrailId"] for _ in range(3)]
    control.create_guardrail_version(guardrailIdentifier=ours[0])

    seen = []
    token: dict[str, str] = {}
    while True:
        page = control.list_guardrails(maxResults=1, **token)
        seen += page["guardrails"]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}

    ids = [g["id"] for g in seen]
    assert len(ids) == len(set(ids)) and {g["version"] for g in seen} == {"DRAFT"}
    assert ids[0] == "no-foo", "the config's guardrails come first"
    assert [i for i in ids if i in ours] == ours, "oldest first"


def test_a_bad_next_token_or_max_results_is_a_validation_error(control: Any) -> None:
    with pytest.raises(control.exceptions.ValidationException, match="nextToken"):
        control.list_guardrails(nextToken="%%%")
    with pytest.raises(control.exceptions.ValidationException, match="maxResults"):
        control.list_guardrails(maxResults=1001)


def test_create_is_idempotent_for_one_client_request_token(control: Any) -> None:
    token = uuid.uuid4().hex
    name = unique()

    first = create(control, name=name, clientRequestToken=token)
    again = create(control, name=name, clientRequestToken=token)
    with pytest.raises(control.exceptions.ConflictException, match="clientRequestToken"):
        create(control, name=unique(), clientRequestToken=token)

    assert again["guardrailId"] == first["guardrailId"] and again["createdAt"] == first["createdAt"]
    version_token = uuid.uuid4().hex
    gid = first["guardrailId"]
    one = control.create_guardrail_version(guardrailIdentifier=gid, clientRequestToken=version_token)
    again_one = control.create_guardrail_version(guardrailIdentifier=gid, clientRequestToken=version_token)
    assert (again_one["guardrailId"], again_one["version"]) == (gid, one["version"]) == (gid, "1")
    assert control.create_guardrail_version(guardrailIdentifier=gid)["version"] == "2"


# ---------------------------------------------------------------------------- delete


def test_deleting_a_version_then_the_whole_guardrail(control: Any) -> None:
    gid = create(control)["guardrailId"]
    control.create_guardrail_version(guardrailIdentifier=gid)
    control.create_guardrail_version(guardrailIdentifier=gid)

    control.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="2")
    with pytest.raises(control.exceptions.ResourceNotFoundException):
        control.get_guardrail(guardrailIdentifier=gid, guardrailVersion="2")
    assert control.create_guardrail_version(guardrailIdentifier=gid)["version"] == "3", "a number is never reused"
    assert control.get_guardrail(guardrailIdentifier=gid, guardrailVersion="1")["version"] == "1"

    control.delete_guardrail(guardrailIdentifier=gid)
    for version in ("DRAFT", "1", "3"):
        with pytest.raises(control.exceptions.ResourceNotFoundException):
            control.get_guardrail(guardrailIdentifier=gid, guardrailVersion=version)
    assert gid not in {g["id"] for g in control.list_guardrails(maxResults=1000)["guardrails"]}


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_guardrail(guardrailIdentifier="nosuchguardrail"),
        lambda c: c.get_guardrail(guardrailIdentifier="no-foo", guardrailVersion="2"),
        lambda c: c.list_guardrails(guardrailIdentifier="arn:aws:bedrock:us-east-1:000000000000:guardrail/nosuch"),
        lambda c: c.update_guardrail(guardrailIdentifier="nosuchguardrail", name="x", **MESSAGES, **WORDS),
        lambda c: c.create_guardrail_version(guardrailIdentifier="nosuchguardrail"),
        lambda c: c.delete_guardrail(guardrailIdentifier="nosuchguardrail"),
    ],
    ids=["get", "get-version", "list", "update", "version", "delete"],
)
def test_an_unknown_guardrail_or_version_is_resource_not_found(control: Any, call: Callable[[Any], Any]) -> None:
    with pytest.raises(control.exceptions.ResourceNotFoundException) as caught:
        call(control)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_deleting_what_a_key_or_team_uses_is_resource_in_use(gateway: RunningGateway, control: Any) -> None:
    gid = create(control)["guardrailId"]
    control.create_guardrail_version(guardrailIdentifier=gid)
    control.create_guardrail_version(guardrailIdentifier=gid)
    key = created(gateway, "/keys", {"name": "guarded", "guardrails": [f"{gid}:1"]})
    team = created(gateway, "/teams", {"name": unique("team"), "guardrails": [gid]})

    with pytest.raises(control.exceptions.ResourceInUseException, match=f"key {key['id']}"):
        control.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="1")
    with pytest.raises(control.exceptions.ResourceInUseException, match=f"team {team['id']}"):
        control.delete_guardrail(guardrailIdentifier=gid)
    control.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="2")  # nobody names version 2

    admin(gateway, "POST", f"/keys/{key['id']}/revoke").raise_for_status()
    admin(gateway, "PATCH", f"/teams/{team['id']}", json={"guardrails": []}).raise_for_status()
    control.delete_guardrail(guardrailIdentifier=gid)


# ---------------------------------------------------------------------------- refusals


@pytest.fixture(scope="module")
def unchecked(gateway: RunningGateway) -> Iterator[Any]:
    """A client that sends what it is given (botocore checks minimum lengths and required fields
    itself): what the gateway answers a hand-made request with."""
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        config = client_config().merge(Config(parameter_validation=False))
        client = boto3.client(
            "bedrock",
            endpoint_url=gateway.base_url,
            region_name=REGION,
            aws_access_key_id="master",
            aws_secret_access_key=MASTER_KEY,
            config=config,
        )
        yield client
        client.close()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"sensitiveInformationPolicyConfig": {"regexesConfig": [{"name": "r", "pattern": "(", "action": "BLOCK"}]}},
            "sensitiveInformationPolicyConfig.regexesConfig[0].pattern",
        ),
        (
            {"sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "SSN", "action": "BLOCK"}]}},
            "sensitiveInformationPolicyConfig.piiEntitiesConfig[0].type",
        ),
        ({"wordPolicyConfig": {"wordsConfig": []}}, "wordPolicyConfig.wordsConfig"),
        (
            {
                "contentPolicyConfig": {
                    "filtersConfig": [{"type": "HATE", "inputStrength": "MAX", "outputStrength": "LOW"}]
                }
            },
            "contentPolicyConfig.filtersConfig[0].inputStrength",
        ),
        (
            {
                "contentPolicyConfig": {
                    "filtersConfig": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "LOW"}]
                }
            },
            "contentPolicyConfig.filtersConfig[0]",
        ),
        ({"name": "n" * 51}, "name"),
        ({"kmsKeyId": "arn:aws:kms:us-east-1:000000000000:key/k"}, "kmsKeyId"),
        ({"blockedOutputsMessaging": ""}, "blockedOutputsMessaging"),
    ],
    ids=["regex", "pii-type", "no-words", "strength", "prompt-attack-output", "long-name", "kms", "empty-message"],
)
def test_a_bad_definition_is_a_validation_exception_naming_the_field(
    unchecked: Any, change: dict[str, Any], field: str
) -> None:
    body = {"name": unique(), **MESSAGES, **WORDS, **change}

    with pytest.raises(unchecked.exceptions.ValidationException) as created_:
        unchecked.create_guardrail(**body)
    gid = create_plain(unchecked)
    with pytest.raises(unchecked.exceptions.ValidationException) as updated:
        unchecked.update_guardrail(guardrailIdentifier=gid, **{k: v for k, v in body.items()})

    for caught in (created_, updated):
        assert f"'{field}'" in str(caught.value)
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def create_plain(control: Any) -> str:
    gid: str = create(control)["guardrailId"]
    return gid


def test_a_name_taken_is_a_conflict(control: Any) -> None:
    taken = create(control)
    other = create(control)

    for call in (
        lambda: create(control, name=taken_name(control, taken)),
        lambda: create(control, name="no-foo"),
        lambda: control.update_guardrail(
            guardrailIdentifier=other["guardrailId"], name=taken_name(control, taken), **MESSAGES, **WORDS
        ),
    ):
        with pytest.raises(control.exceptions.ConflictException) as caught:
            call()
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400  # as botocore's model says


def taken_name(control: Any, made: dict[str, Any]) -> str:
    name: str = control.get_guardrail(guardrailIdentifier=made["guardrailId"])["name"]
    return name


def test_a_config_guardrail_is_listed_and_read_but_never_changed_here(control: Any) -> None:
    draft = control.get_guardrail(guardrailIdentifier="no-foo")
    one = control.get_guardrail(guardrailIdentifier="no-foo", guardrailVersion="1")

    assert (draft["name"], draft["description"], words_of(draft), draft["status"]) == (
        "no-foo",
        "declared in the config",
        ["foo"],
        "READY",
    )
    assert one["version"] == "1" and words_of(one) == ["foo"]
    assert [g["version"] for g in control.list_guardrails(guardrailIdentifier="no-foo")["guardrails"]] == ["DRAFT", "1"]
    for call in (
        lambda: control.update_guardrail(guardrailIdentifier="no-foo", name="no-foo", **MESSAGES, **WORDS),
        lambda: control.delete_guardrail(guardrailIdentifier="no-foo"),
        lambda: control.create_guardrail_version(guardrailIdentifier="no-foo"),
    ):
        with pytest.raises(control.exceptions.ConflictException, match="config"):
            call()


def test_a_key_that_is_not_an_admin_key_is_refused(gateway: RunningGateway, control: Any) -> None:
    caller = created(gateway, "/keys", {"name": "caller"})
    boss = created(gateway, "/keys", {"name": "boss", "is_admin": True})

    with closing(sigv4_client("bedrock", gateway, key_id=caller["id"], secret=caller["key"])) as plain:
        for call in (
            plain.list_guardrails,
            lambda: create(plain),
            lambda: plain.get_guardrail(guardrailIdentifier="no-foo"),
        ):
            with pytest.raises(plain.exceptions.AccessDeniedException) as caught:
                call()
            assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with closing(sigv4_client("bedrock", gateway, key_id=boss["id"], secret=boss["key"])) as admin_key:
        assert admin_key.get_guardrail(guardrailIdentifier=create(admin_key)["guardrailId"])["status"] == "READY"


def test_an_operation_strata_does_not_serve_answers_in_bedrocks_error_shape(control: Any) -> None:
    with pytest.raises(control.exceptions.ResourceNotFoundException):
        control.list_custom_models()
    with pytest.raises(control.exceptions.ResourceNotFoundException):
        control.get_inference_profile(inferenceProfileIdentifier="x")


def test_bearer_keys_manage_guardrails_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_aws_environment(monkeypatch)
    monkeypatch.setenv(BEARER_ENV, MASTER_KEY)
    tls = make_tls(tmp_path / "tls")
    with bedrock_gateway(CONFIG, tmp_path, {}, tls=tls) as running:
        with closing(bearer_client("bedrock", running, tls.ca)) as control:
            made = create(control)
            assert control.get_guardrail(guardrailIdentifier=made["guardrailId"])["status"] == "READY"
        gc.collect()  # a caught error's socket would otherwise hold up the TLS server's stop


# ---------------------------------------------------------------------------- keys and teams


def test_keys_and_teams_name_guardrails_that_exist(gateway: RunningGateway, control: Any) -> None:
    gid = create(control)["guardrailId"]
    control.create_guardrail_version(guardrailIdentifier=gid)
    names = [gid, f"{gid}:1", f"{gid}:DRAFT", "no-foo:1", f"arn:aws:bedrock:{REGION}:000000000000:guardrail/{gid}"]

    team = created(gateway, "/teams", {"name": unique("team"), "guardrails": ["no-foo"]})
    key = created(gateway, "/keys", {"name": "guarded", "team_id": team["id"], "guardrails": names})

    assert key["guardrails"] == names and team["guardrails"] == ["no-foo"]
    principal = on_gateway(gateway, lambda state: state.key_directory.principal_for(key["key"]))
    assert principal.guardrails == tuple(names) and principal.team_guardrails == ("no-foo",)
    changed = admin(gateway, "PATCH", f"/teams/{team['id']}", json={"guardrails": [f"{gid}:1"]})
    assert changed.status_code == 200 and changed.json()["guardrails"] == [f"{gid}:1"]
    principal = on_gateway(gateway, lambda state: state.key_directory.principal_for(key["key"]))
    assert principal.team_guardrails == (f"{gid}:1",), "a team's change reaches its keys"


@pytest.mark.parametrize(
    ("path", "entry"),
    [
        ("/keys", "nosuchguardrail"),
        ("/keys", "no-foo:2"),
        ("/keys", "GID:9"),
        ("/keys", "not a guardrail"),
        ("/teams", "nosuchguardrail"),
        ("/teams", "GID:9"),
    ],
)
def test_an_unknown_guardrail_or_version_in_a_key_or_team_is_a_400_naming_the_field(
    gateway: RunningGateway, control: Any, path: str, entry: str
) -> None:
    entry = entry.replace("GID", create_plain(control))
    body = {"name": unique("t"), "guardrails": [entry]}

    made = admin(gateway, "POST", path, json=body)
    existing = created(gateway, path, {"name": unique("t")})
    patched = admin(gateway, "PATCH", f"{path}/{existing['id']}", json={"guardrails": [entry]})

    for response in (made, patched):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["param"] == "guardrails"


# ---------------------------------------------------------------------------- several gateways


def _words_on(gateway: RunningGateway, gid: str) -> list[str]:
    async def ask(state: AppState) -> list[str]:
        compiled = await state.guardrails.get(gid, "DRAFT")
        config = compiled.definition.wordPolicyConfig
        assert config is not None and config.wordsConfig is not None
        return [w.text for w in config.wordsConfig]

    return on_gateway(gateway, ask)


def _seen_within(gateway: RunningGateway, gid: str, expected: list[str], seconds: float) -> float:
    started = time.monotonic()
    while _words_on(gateway, gid) != expected:
        assert time.monotonic() - started < seconds, f"not seen within {seconds} s"
        time.sleep(0.02)
    return time.monotonic() - started


def _update_words(control: Any, gid: str, word: str) -> None:
    name = control.get_guardrail(guardrailIdentifier=gid)["name"]
    control.update_guardrail(
        guardrailIdentifier=gid, name=name, **MESSAGES, wordPolicyConfig={"wordsConfig": [{"text": word}]}
    )


def test_with_redis_an_update_on_one_gateway_is_seen_by_anothers_registry_within_a_second(
    start_gateway: StartGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis_url = require_redis("redis://127.0.0.1:6379/11")
    ok, why = postgres.available()
    require_service("PostgreSQL", ok, why)
    isolate_aws_environment(monkeypatch)
    with postgres.scratch_database("strata_guardrails") as name:
        url = postgres.sqlalchemy_url(name)
        asyncio.run(postgres.migrate_to_head(url))
        shared = {"database_url": url, "redis_url": redis_url, "data_dir": tmp_path / "shared"}  # one secret key
        first, second = start_gateway(CONFIG, {}, **shared), start_gateway(CONFIG, {}, **shared)
        on_gateway(second, _long_ttl)  # so that only the announcement can explain seeing it in time
        with closing(sigv4_client("bedrock", first)) as control:
            gid = create(control, {"wordPolicyConfig": {"wordsConfig": [{"text": "alpha"}]}})["guardrailId"]
            assert _words_on(second, gid) == ["alpha"]
            _update_words(control, gid, "beta")
            _seen_within(second, gid, ["beta"], 1.0)
            control.delete_guardrail(guardrailIdentifier=gid)
        deadline = time.monotonic() + 1.0
        while True:
            try:
                _words_on(second, gid)
            except Exception as exc:  # GuardrailNotFound, raised on the gateway's loop
                assert type(exc).__name__ == "GuardrailNotFound"
                break
            assert time.monotonic() < deadline, "a deleted guardrail kept being served"
            time.sleep(0.02)


async def _long_ttl(state: AppState) -> None:
    state.guardrails.draft_ttl_s = 300


def test_without_redis_an_update_is_seen_by_another_gateway_within_a_few_seconds(
    start_gateway: StartGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_aws_environment(monkeypatch)
    shared = {"data_dir": tmp_path / "shared"}
    first, second = start_gateway(CONFIG, {}, **shared), start_gateway(CONFIG, {}, **shared)
    with closing(sigv4_client("bedrock", first)) as control:
        gid = create(control, {"wordPolicyConfig": {"wordsConfig": [{"text": "alpha"}]}})["guardrailId"]
        assert _words_on(second, gid) == ["alpha"]
        _update_words(control, gid, "beta")
        _seen_within(second, gid, ["beta"], 5.0)


def test_teams_from_before_guardrails_have_none_after_the_upgrade(store: Store) -> None:
    """Migration 0004 on a database with teams in it (the module's store is at head: a fresh one)."""

    async def main(url: str) -> list[Any]:
        engine = make_engine(url)
        try:
            await migrate.upgrade(engine, url, "0003")
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO teams (id, name, limits, tags, created_at, updated_at) "
                        "VALUES ('team_old', 'old', '{}', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    )
                )
            await migrate.upgrade(engine, url)
            async with engine.connect() as conn:
                rows = list((await conn.execute(text("SELECT id, guardrails FROM teams"))).all())
            await migrate.downgrade(engine, url, "0003")
            return rows
        finally:
            await engine.dispose()

    if store.kind == "sqlite":
        rows = asyncio.run(main(f"sqlite+aiosqlite:///{store.data_dir.parent / 'upgrade.db'}"))
    else:
        with postgres.scratch_database("strata_upgrade") as name:
            rows = asyncio.run(main(postgres.sqlalchemy_url(name)))
    assert [(team, g if isinstance(g, list) else json.loads(g)) for team, g in rows] == [("team_old", [])]
