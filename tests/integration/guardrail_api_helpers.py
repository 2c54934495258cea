"""Helpers shared by the guardrail control-plane tests (test_guardrails_api_*.py): the config and its
guardrail, policy bodies, creating guardrails through boto3, and a gateway with a client on each store."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from gateway.lifespan import AppState
from tests.integration.admin_helpers import Store
from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread

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


def unique(prefix: str = "g") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def create(control: Any, policies: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    body = {"name": unique(), **MESSAGES, **(WORDS if policies is None else policies), **fields}
    made: dict[str, Any] = control.create_guardrail(**body)
    return made


def create_plain(control: Any) -> str:
    gid: str = create(control)["guardrailId"]
    return gid


def words_of(got: dict[str, Any]) -> list[str]:
    return [w["text"] for w in got["wordPolicy"]["words"]]


def on_gateway(gateway: RunningGateway, make: Callable[[AppState], Awaitable[T]]) -> T:
    """Run a coroutine on the gateway's own event loop, with its state (e.g. to ask its registry)."""
    assert gateway.server is not None
    state: AppState = gateway.server.config.app.state.strata
    loop = gateway.server.servers[0].get_loop()
    return asyncio.run_coroutine_threadsafe(make(state), loop).result(timeout=15)


def guardrail_gateway(store: Store, folder: Path) -> Iterator[RunningGateway]:
    """A gateway over CONFIG on ``store`` (the body of each test module's `gateway` fixture)."""
    with gateway_in_thread(CONFIG, folder, environ={}, **store.settings) as running:
        yield running


def control_client(gateway: RunningGateway) -> Iterator[Any]:
    """boto3's `bedrock` client signed with the master key, with no AWS settings from the shell."""
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        client = sigv4_client("bedrock", gateway)
        yield client
        client.close()
