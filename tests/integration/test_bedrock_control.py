"""ListFoundationModels / GetFoundationModel: Strata's catalog through boto3's `bedrock` client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON
from tests.support.bedrock import bedrock_catalog, bedrock_gateway, isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway

ALL = ["acme.chat-v1:0", "emb-test", "gpt-down", "gpt-slow", "gpt-test", "org/model-a"]


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("bedrock-control")
    with bedrock_gateway(bedrock_catalog(upstream_server.url), folder, ENVIRON) as running:
        yield running


@pytest.fixture(scope="module")
def control(gateway: RunningGateway) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        client = sigv4_client("bedrock", gateway)
        yield client
        client.close()


def ids(response: dict[str, Any]) -> list[str]:
    return sorted(m["modelId"] for m in response["modelSummaries"])


def test_every_model_is_listed_as_a_foundation_model_summary(control: Any) -> None:
    summaries = {m["modelId"]: m for m in control.list_foundation_models()["modelSummaries"]}

    assert sorted(summaries) == ALL
    assert summaries["gpt-test"] == {
        "modelArn": "arn:aws:bedrock:us-east-1::foundation-model/gpt-test",
        "modelId": "gpt-test",
        "modelName": "gpt-test",
        "providerName": "OpenAI-compatible",
        "inputModalities": ["TEXT"],
        "outputModalities": ["TEXT"],
        "responseStreamingSupported": True,
        "customizationsSupported": [],
        "inferenceTypesSupported": ["ON_DEMAND"],
        "modelLifecycle": {"status": "ACTIVE"},
    }
    assert summaries["emb-test"]["outputModalities"] == ["TEXT", "EMBEDDING"]
    assert summaries["org/model-a"]["providerName"] == "org"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"byProvider": "org"}, ["org/model-a"]),
        ({"byProvider": "ORG"}, ["org/model-a"]),
        ({"byOutputModality": "EMBEDDING"}, ["emb-test"]),
        ({"byInferenceType": "ON_DEMAND"}, ALL),
        ({"byInferenceType": "PROVISIONED"}, []),
        ({"byCustomizationType": "FINE_TUNING"}, []),
    ],
)
def test_filters(control: Any, filters: dict[str, str], expected: list[str]) -> None:
    assert ids(control.list_foundation_models(**filters)) == expected


def test_an_unknown_filter_value_is_a_validation_error(control: Any) -> None:
    with pytest.raises(control.exceptions.ValidationException):
        control.list_foundation_models(byOutputModality="SMELL")


@pytest.mark.parametrize("identifier", ["org/model-a", "arn:aws:bedrock:us-east-1::foundation-model/org/model-a"])
def test_one_model_by_name_or_arn(control: Any, identifier: str) -> None:
    details = control.get_foundation_model(modelIdentifier=identifier)["modelDetails"]

    assert details["modelId"] == "org/model-a"
    assert details["modelArn"] == "arn:aws:bedrock:us-east-1::foundation-model/org/model-a"


def test_an_unknown_model_is_resource_not_found(control: Any) -> None:
    with pytest.raises(control.exceptions.ResourceNotFoundException):
        control.get_foundation_model(modelIdentifier="no-such-model")


def test_arns_are_in_the_region_the_caller_signed_for(gateway: RunningGateway, control: Any) -> None:
    with closing(sigv4_client("bedrock", gateway, region_name="eu-west-3")) as regional:
        arns = {m["modelArn"] for m in regional.list_foundation_models()["modelSummaries"]}
    assert "arn:aws:bedrock:eu-west-3::foundation-model/gpt-test" in arns


def test_the_control_plane_checks_signatures_too(gateway: RunningGateway, control: Any) -> None:
    with closing(sigv4_client("bedrock", gateway, secret="sk-wrong")) as wrong:
        with pytest.raises(wrong.exceptions.AccessDeniedException):
            wrong.list_foundation_models()
