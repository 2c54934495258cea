"""Guardrails through unmodified boto3: what Bedrock's CreateGuardrail, UpdateGuardrail,
CreateGuardrailVersion and ApplyGuardrail refuse is refused (a ValidationException naming the field),
and what ApplyGuardrail takes (an image on its own) is answered."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON
from tests.support.bedrock import (
    bedrock_catalog,
    bedrock_gateway,
    isolate_aws_environment,
    sigv4_client,
)
from tests.support.gateway import RunningGateway

MESSAGES = {"blockedInputMessaging": "Blocked on the way in.", "blockedOutputsMessaging": "Blocked on the way out."}
WORDS = {"wordPolicyConfig": {"wordsConfig": [{"text": "forbidden"}]}}
PNG = b"\x89PNG\r\n\x1a\n not really a png"


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("bedrock-validation-guardrails")
    with bedrock_gateway(bedrock_catalog(upstream_server.url), folder, ENVIRON) as running:
        yield running


@pytest.fixture(scope="module")
def clients(gateway: RunningGateway) -> Iterator[tuple[Any, Any]]:
    """The ``bedrock`` control-plane client and a ``bedrock-runtime`` one without botocore's own checks."""
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        control = sigv4_client("bedrock", gateway)
        runtime = sigv4_client("bedrock-runtime", gateway, validate=False)
        yield control, runtime
        control.close()
        runtime.close()


@pytest.fixture(scope="module")
def guardrail_id(clients: tuple[Any, Any]) -> str:
    created: dict[str, Any] = clients[0].create_guardrail(name=unique(), **MESSAGES, **WORDS)
    return str(created["guardrailId"])


def unique() -> str:
    return f"v-{uuid.uuid4().hex[:12]}"


def refused(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("ValidationException", 400)
    message: str = response["Error"]["Message"]
    return message


TOPIC = {"name": "Investments", "definition": "Advice on investing.", "type": "DENY"}
POLICIES_BEDROCK_REFUSES = [
    ({"topicPolicyConfig": {"topicsConfig": [{**TOPIC, "examples": ["a" * 101]}]}}, "examples"),
    (
        {
            "contextualGroundingPolicyConfig": {
                "filtersConfig": [{"type": "GROUNDING", "threshold": 0.5}, {"type": "GROUNDING", "threshold": 0.6}]
            }
        },
        "contextualGroundingPolicyConfig.filtersConfig",
    ),
]
POLICY_IDS = ["topic-example-101", "two-grounding-filters"]


@pytest.mark.parametrize(("policies", "field"), POLICIES_BEDROCK_REFUSES, ids=POLICY_IDS)
def test_create_guardrail_refuses_what_bedrock_refuses(
    clients: tuple[Any, Any], policies: dict[str, Any], field: str
) -> None:
    control = clients[0]

    message = refused(lambda: control.create_guardrail(name=unique(), **MESSAGES, **policies))

    assert field in message


@pytest.mark.parametrize(("policies", "field"), POLICIES_BEDROCK_REFUSES, ids=POLICY_IDS)
def test_update_guardrail_refuses_what_bedrock_refuses(
    clients: tuple[Any, Any], guardrail_id: str, policies: dict[str, Any], field: str
) -> None:
    control = clients[0]

    message = refused(
        lambda: control.update_guardrail(guardrailIdentifier=guardrail_id, name=unique(), **MESSAGES, **policies)
    )

    assert field in message


def test_a_client_request_token_outside_bedrocks_pattern_is_refused(
    clients: tuple[Any, Any], guardrail_id: str
) -> None:
    control = clients[0]

    created = refused(lambda: control.create_guardrail(name=unique(), clientRequestToken="-bad-", **MESSAGES, **WORDS))
    versioned = refused(
        lambda: control.create_guardrail_version(guardrailIdentifier=guardrail_id, clientRequestToken="bad token")
    )

    assert "clientRequestToken" in created and "clientRequestToken" in versioned


def test_apply_guardrail_answers_for_an_image_on_its_own(clients: tuple[Any, Any], guardrail_id: str) -> None:
    runtime = clients[1]
    image = {"image": {"format": "png", "source": {"bytes": PNG}}}

    answer = runtime.apply_guardrail(
        guardrailIdentifier=guardrail_id, guardrailVersion="DRAFT", source="INPUT", content=[image, image]
    )

    assert answer["action"] == "NONE"
    assert answer["outputs"] == []
    assert answer["guardrailCoverage"] == {
        "textCharacters": {"guarded": 0, "total": 0},
        "images": {"guarded": 0, "total": 2},
    }


def test_apply_guardrail_refuses_a_block_with_both_text_and_an_image(
    clients: tuple[Any, Any], guardrail_id: str
) -> None:
    runtime = clients[1]
    both = {"text": {"text": "forbidden"}, "image": {"format": "png", "source": {"bytes": PNG}}}

    message = refused(
        lambda: runtime.apply_guardrail(
            guardrailIdentifier=guardrail_id, guardrailVersion="DRAFT", source="INPUT", content=[both]
        )
    )

    assert "content[0]" in message and "exactly one" in message
