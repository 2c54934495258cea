"""A guardrail's tags through boto3's unmodified `bedrock` client, on SQLite and PostgreSQL:
TagResource adds and overwrites, UntagResource removes, ListTagsForResource lists; UpdateGuardrail
keeps them; other resources, unknown guardrails and the config's guardrails answer as Bedrock would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest

from tests.integration.admin_helpers import Store, created, stores
from tests.integration.guardrail_api_helpers import MESSAGES, WORDS, control_client, create, guardrail_gateway
from tests.support.bedrock import sigv4_client
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    yield from stores(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture(scope="module")
def gateway(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from guardrail_gateway(store, tmp_path_factory.mktemp("gateway"))


@pytest.fixture(scope="module")
def control(gateway: RunningGateway) -> Iterator[Any]:
    yield from control_client(gateway)


def _tags(control: Any, arn: str) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in control.list_tags_for_resource(resourceARN=arn)["tags"]}


def test_tags_are_added_overwritten_removed_and_kept_by_an_update(control: Any) -> None:
    made = create(control, tags=[{"key": "team", "value": "payments"}])
    arn = made["guardrailArn"]
    assert _tags(control, arn) == {"team": "payments"}

    control.tag_resource(resourceARN=arn, tags=[{"key": "team", "value": "risk"}, {"key": "env", "value": "prod"}])
    assert _tags(control, arn) == {"team": "risk", "env": "prod"}

    control.untag_resource(resourceARN=arn, tagKeys=["team", "never-set"])
    assert _tags(control, arn) == {"env": "prod"}

    got = control.get_guardrail(guardrailIdentifier=made["guardrailId"])
    control.update_guardrail(guardrailIdentifier=made["guardrailId"], name=got["name"], **MESSAGES, **WORDS)
    assert _tags(control, arn) == {"env": "prod"}
    assert control.get_guardrail(guardrailIdentifier=made["guardrailId"])["updatedAt"] > got["updatedAt"]


def test_tagging_what_is_no_guardrail_or_no_longer_one_is_resource_not_found(control: Any) -> None:
    made = create(control)
    control.delete_guardrail(guardrailIdentifier=made["guardrailId"])
    other = "arn:aws:bedrock:us-east-1:000000000000:custom-model/imported/abcdefabcdef"
    for arn in (made["guardrailArn"], other):
        with pytest.raises(control.exceptions.ResourceNotFoundException):
            control.tag_resource(resourceARN=arn, tags=[{"key": "a", "value": "b"}])
        with pytest.raises(control.exceptions.ResourceNotFoundException):
            control.list_tags_for_resource(resourceARN=arn)


def test_more_than_two_hundred_tags_or_a_bad_key_is_a_validation_exception(control: Any) -> None:
    arn = create(control, tags=[{"key": f"k{i}", "value": "v"} for i in range(150)])["guardrailArn"]
    with pytest.raises(control.exceptions.ValidationException):
        control.tag_resource(resourceARN=arn, tags=[{"key": f"n{i}", "value": "v"} for i in range(60)])
    with pytest.raises(control.exceptions.ValidationException):
        control.tag_resource(resourceARN=arn, tags=[{"key": "bad*key", "value": "v"}])
    assert len(_tags(control, arn)) == 150


def test_a_config_guardrails_tags_are_the_configs_and_a_plain_key_may_not_tag(
    gateway: RunningGateway, control: Any
) -> None:
    arn = control.get_guardrail(guardrailIdentifier="no-foo")["guardrailArn"]
    assert _tags(control, arn) == {}
    with pytest.raises(control.exceptions.ConflictException):
        control.tag_resource(resourceARN=arn, tags=[{"key": "a", "value": "b"}])
    caller = created(gateway, "/keys", {"name": "tagger"})
    with closing(sigv4_client("bedrock", gateway, key_id=caller["id"], secret=caller["key"])) as plain:
        with pytest.raises(plain.exceptions.AccessDeniedException):
            plain.list_tags_for_resource(resourceARN=arn)
