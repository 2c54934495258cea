"""What the guardrails control plane refuses, in Bedrock's error shapes through boto3's unmodified
`bedrock` client: bad definitions (naming the field), taken names, changes to the config's
guardrails, callers that are not admins and operations Strata does not serve; and bearer keys,
which may manage guardrails too."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.integration.admin_helpers import Store, created, stores
from tests.integration.guardrail_api_helpers import (
    CONFIG,
    MESSAGES,
    WORDS,
    control_client,
    create,
    create_plain,
    guardrail_gateway,
    unique,
    words_of,
)
from tests.support.bedrock import (
    BEARER_ENV,
    REGION,
    bearer_client,
    bedrock_gateway,
    client_config,
    isolate_aws_environment,
    sigv4_client,
)
from tests.support.gateway import MASTER_KEY, RunningGateway
from tests.support.tls import make_tls


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    yield from stores(request.param, tmp_path_factory.mktemp("guardrails"))


@pytest.fixture(scope="module")
def gateway(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from guardrail_gateway(store, tmp_path_factory.mktemp("gateway"))


@pytest.fixture(scope="module")
def control(gateway: RunningGateway) -> Iterator[Any]:
    yield from control_client(gateway)


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
