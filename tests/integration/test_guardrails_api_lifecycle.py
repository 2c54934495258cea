"""Guardrails as Bedrock's control plane serves them, through boto3's unmodified `bedrock` client,
on SQLite and PostgreSQL: create, read, list, update, version and delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.models import Guardrail
from tests.integration.admin_helpers import Store, admin, created, stores
from tests.integration.guardrail_api_helpers import (
    MESSAGES,
    WORDS,
    control_client,
    create,
    guardrail_gateway,
    unique,
    words_of,
)
from tests.support.bedrock import REGION, sigv4_client
from tests.support.gateway import RunningGateway

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
    yield from guardrail_gateway(store, tmp_path_factory.mktemp("gateway"))


@pytest.fixture(scope="module")
def control(gateway: RunningGateway) -> Iterator[Any]:
    yield from control_client(gateway)


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


def test_an_update_that_loses_a_race_with_a_delete_is_resource_not_found(
    control: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DeleteGuardrail that commits between UpdateGuardrail's read and its write: the update
    found nothing to write, which is ResourceNotFoundException, not a 500."""
    gid = create(control)["guardrailId"]
    read = AsyncSession.get

    async def read_then_deleted(self: AsyncSession, entity: Any, ident: Any, *args: Any, **kwargs: Any) -> Any:
        row = await read(self, entity, ident, *args, **kwargs)
        if entity is Guardrail and ident == gid:
            gone = delete(Guardrail).where(Guardrail.id == gid).execution_options(synchronize_session=False)
            await self.execute(gone)  # behind the session's back, as another process would
        return row

    monkeypatch.setattr(AsyncSession, "get", read_then_deleted)
    with pytest.raises(control.exceptions.ResourceNotFoundException):
        control.update_guardrail(guardrailIdentifier=gid, name=unique(), **MESSAGES, **WORDS)


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
