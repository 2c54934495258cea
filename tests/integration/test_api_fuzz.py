"""Schemathesis against a running gateway's own OpenAPI schema: no server errors, nothing outside the schema.

Every operation in ``/openapi.json`` is called with the master key, with data schemathesis derives
from the schema (its coverage, fuzzing and stateful phases: valid and invalid bodies, boundary
values, wrong types, sequences of admin calls), and each response must be no 5xx, a documented
status and content type, and a body that matches the schema. Model calls mostly name models that
exist (the fake upstream, the echo provider), so that fuzzed bodies get past "no such model" into
translation and the upstream. Bounded for CI: a fixed seed, deterministic generation, no
shrinking, and a time budget that the fuzzing rounds fill (45 s; every operation's coverage cases
come first). Nothing is excluded: the master key cannot be revoked through the API, and no model
in this catalog is slow.

Before the fixes that came with this test, the same run found 20 server errors in 3,909 cases
(integers wider than 64 bits, a count-tokens body that was not ASCII) and about 180 responses
outside the schema (errors undocumented, SSE events described as a plain string).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory
from schemathesis.engine import events, from_schema

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, catalog_yaml, openai_deployment
from tests.support.gateway import MASTER_KEY, RunningGateway, gateway_in_thread

SEED = 20_260_101
MAX_SECONDS = 45  # the whole run; fuzzing repeats (deterministically) until it is spent
FUZZED_EXAMPLES = 6  # per operation and fuzzing round
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")
UNKNOWN = "no-such-model"
CHAT_MODELS = ("gpt-test", "echo", "gpt-test", UNKNOWN)
CHAT_PATHS = ("/v1/chat/completions", "/v1/messages", "/v1/messages/count_tokens", "/v1/responses", "/v1/completions")
EMBEDDING_MODELS = ("emb-test", "echo", "emb-test", UNKNOWN)
BEDROCK_MODELS = ("gpt-test", "emb-test", "echo", UNKNOWN)
MAX_DIMENSIONS = 256  # the fake upstream computes every vector it returns


@dataclass
class Run:
    """What one schemathesis run did: cases per phase, failures (each with a curl line), errors."""

    phases: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "max-time": MAX_SECONDS,
            "workers": 1,
            "headers": {"Authorization": f"Bearer {MASTER_KEY}"},
            "generation": {"max-examples": FUZZED_EXAMPLES, "deterministic": True, "no-shrink": True},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "request-timeout": 10,
        }
    )


def _aim() -> Any:
    """A ``before_call`` hook (it sees the cases of every phase): model calls name existing models,
    a few an unknown one; ``dimensions`` stays small enough for the fake upstream to compute (the
    gateway passes it on as is)."""
    chat, embedding, bedrock = (itertools.cycle(m) for m in (CHAT_MODELS, EMBEDDING_MODELS, BEDROCK_MODELS))

    def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        body = case.body if isinstance(case.body, dict) else {}
        if case.path_parameters and "modelId" in case.path_parameters:
            case.path_parameters["modelId"] = next(bedrock)
        elif body and case.operation.path in CHAT_PATHS:
            body["model"] = next(chat)
        elif body and case.operation.path == "/v1/embeddings":
            body["model"] = next(embedding)
        if isinstance(body.get("dimensions"), int | float) and body["dimensions"] > MAX_DIMENSIONS:
            body["dimensions"] = MAX_DIMENSIONS

    return before_call


def run_schemathesis(url: str, path_regex: str | None = None) -> Run:
    """The operations of the schema at ``url`` (all, or those matching), through schemathesis's own
    engine (what its CLI runs)."""
    schema = schemathesis.openapi.from_url(url, config=_config())
    if path_regex is not None:
        schema = schema.include(path_regex=path_regex)
    aim = schemathesis.hook(_aim())  # ``before_call`` hooks are global: taken off again below
    run, started = Run(), time.monotonic()
    try:
        for event in from_schema(schema).execute():
            _record(run, event)
    finally:
        schemathesis.hooks.unregister(aim)
    run.seconds = time.monotonic() - started
    return run


def _record(run: Run, event: events.EngineEvent) -> None:
    if isinstance(event, events.ScenarioFinished):
        run.phases[str(event.phase)] += len(event.recorder.cases)
        run.failures += _failures(event.recorder)
    elif isinstance(event, events.NonFatalError):
        run.errors.append(f"{event.label}: {event.value!r}")
    elif isinstance(event, events.FatalError):
        raise event.exception


def _failures(recorder: Any) -> list[str]:
    found = []
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            if node.failure_info is not None:
                failure, response = node.failure_info.failure, recorder.find_response(case_id=case_id)
                answer = f"{response.status_code} {response.text[:300]}" if response is not None else "no response"
                found.append(f"{recorder.label}: {failure.title} ({answer})\n{node.failure_info.code_sample}")
    return found


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    catalog = catalog_yaml(
        {
            "gpt-test": [openai_deployment(upstream_server.url)],
            "emb-test": [openai_deployment(upstream_server.url, "fake-embed", embeddings=True)],
            "echo": [{"provider": "echo"}],
        },
        routing=NO_RETRIES,
    )
    folder: Path = tmp_path_factory.mktemp("fuzz")
    home = storage_directory()
    set_hypothesis_home_dir(str(folder / "hypothesis"))  # not a .hypothesis folder in the checkout
    try:
        with gateway_in_thread(catalog, folder, environ=ENVIRON) as running:
            yield running
    finally:
        set_hypothesis_home_dir(str(home))


def test_every_operation_answers_within_its_schema_and_never_with_a_server_error(gateway: RunningGateway) -> None:
    run = run_schemathesis(f"{gateway.base_url}/openapi.json")

    print(f"\nschemathesis: {run.phases.total()} cases in {run.seconds:.0f} s ({dict(run.phases)})")
    assert not run.errors, run.errors
    assert run.phases["coverage"] and run.phases["fuzzing"], run.phases
    assert not run.failures, "\n\n".join(sorted(set(run.failures)))
