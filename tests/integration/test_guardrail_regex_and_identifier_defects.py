"""What a boto3 caller saw go wrong with custom regexes and guardrail identifiers: a catastrophic
regex froze every other request, a regex in the ``regex`` module's own syntax was never run, and the
ARN GetGuardrail returns for a config guardrail was refused by the calls that use guardrails."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.admin_helpers import Store, stores
from tests.integration.guardrail_api_helpers import MESSAGES, control_client, guardrail_gateway, unique
from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    yield from stores("sqlite", tmp_path_factory.mktemp("guardrails"))


@pytest.fixture(scope="module")
def gateway(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from guardrail_gateway(store, tmp_path_factory.mktemp("gateway"))


@pytest.fixture(scope="module")
def control(gateway: RunningGateway) -> Iterator[Any]:
    yield from control_client(gateway)


@pytest.fixture(scope="module")
def runtime(gateway: RunningGateway) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        client = sigv4_client("bedrock-runtime", gateway)
        yield client
        client.close()


def _regex_guardrail(control: Any, pattern: str) -> str:
    made = control.create_guardrail(
        name=unique(),
        **MESSAGES,
        sensitiveInformationPolicyConfig={"regexesConfig": [{"name": "r", "pattern": pattern, "action": "BLOCK"}]},
    )
    gid: str = made["guardrailId"]
    return gid


def _apply(runtime: Any, gid: str, texts: list[str]) -> dict[str, Any]:
    answer: dict[str, Any] = runtime.apply_guardrail(
        guardrailIdentifier=gid,
        guardrailVersion="DRAFT",
        source="INPUT",
        content=[{"text": {"text": text}} for text in texts],
    )
    return answer


def test_a_catastrophic_regex_does_not_freeze_other_requests(
    gateway: RunningGateway, control: Any, runtime: Any
) -> None:
    gid = _regex_guardrail(control, r"(a|aa)+$")
    latencies: list[float] = []
    done = threading.Event()

    def probe() -> None:
        with httpx.Client() as client:
            while not done.is_set():
                started = time.perf_counter()
                client.get(f"{gateway.base_url}/health/live", timeout=60)
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        started = time.perf_counter()
        answer = _apply(runtime, gid, ["a" * 40 + "!"] * 40)
        took = time.perf_counter() - started
    finally:
        done.set()
        prober.join()
    assert answer["action"] == "GUARDRAIL_INTERVENED", "a regex that runs out of time counts as matched"
    assert took < 3, f"the regex's time limit holds for the whole call, not per text ({took:.1f} s)"
    assert latencies and max(latencies) < 1, f"/health/live waited {max(latencies):.2f} s behind the regex"


def test_a_fuzzy_regex_in_the_regex_modules_syntax_blocks_what_it_matches(control: Any, runtime: Any) -> None:
    gid = _regex_guardrail(control, r"(?:password){e<=1}")

    assert _apply(runtime, gid, ["my passwerd is hunter2"])["action"] == "GUARDRAIL_INTERVENED"
    assert _apply(runtime, gid, ["nothing to see"])["action"] == "NONE"


def test_the_arn_get_guardrail_returns_for_a_config_guardrail_is_accepted_by_every_call(
    control: Any, runtime: Any
) -> None:
    arn = control.get_guardrail(guardrailIdentifier="no-foo")["guardrailArn"]
    assert arn.endswith(":guardrail/no-foo")

    applied = runtime.apply_guardrail(
        guardrailIdentifier=arn, guardrailVersion="1", source="INPUT", content=[{"text": {"text": "foo"}}]
    )
    conversed = runtime.converse(
        modelId="echo",
        messages=[{"role": "user", "content": [{"text": "foo"}]}],
        guardrailConfig={"guardrailIdentifier": arn, "guardrailVersion": "1"},
    )
    invoked = runtime.invoke_model(
        modelId="echo", body=json.dumps({"inputText": "foo"}), guardrailIdentifier=arn, guardrailVersion="1"
    )

    assert applied["action"] == "GUARDRAIL_INTERVENED"
    assert conversed["stopReason"] == "guardrail_intervened"
    assert "No foo." in invoked["body"].read().decode()


def test_create_guardrail_version_refuses_a_reused_token_with_another_description(control: Any) -> None:
    gid = _regex_guardrail(control, r"TCK-\d{6}")
    first = control.create_guardrail_version(guardrailIdentifier=gid, description="one", clientRequestToken="t-1")
    again = control.create_guardrail_version(guardrailIdentifier=gid, description="one", clientRequestToken="t-1")
    assert again["version"] == first["version"], "the same request again: the same version"

    with pytest.raises(control.exceptions.ConflictException, match="clientRequestToken"):
        control.create_guardrail_version(guardrailIdentifier=gid, description="two", clientRequestToken="t-1")
