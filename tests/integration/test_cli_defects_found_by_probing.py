"""What a QA prober found wrong in the `strata` command, each as a user sees it: a key that may call
no model listed as "all", `--models ""` meaning opposite things on create and update, tracebacks
for a huge --since, a guardrail file holding a list, a garbled stream and a key no HTTP header can
carry, negative bench durations accepted, and "--timeout to wait longer" suggested when it was the
gateway's own deadline that cut a stream."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.client_helpers import client_gateway
from tests.integration.test_client_defects_found_by_probing import answer, socket_server
from tests.support.gateway import RunningGateway


def strata(
    *args: str, gateway: RunningGateway | None = None, key: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    if gateway is not None:
        env |= {"STRATA_BASE_URL": gateway.base_url, "STRATA_API_KEY": key or gateway.master_key}
    command = [sys.executable, "-m", "gateway.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def one_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    """A failure with this exit code and one line on stderr, never a traceback."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr.strip()


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with client_gateway(upstream_server, tmp_path_factory.mktemp("cli-probed")) as running:
        yield running


def created(gateway: RunningGateway, *flags: str) -> dict[str, object]:
    name = f"probed-{uuid.uuid4().hex[:8]}"
    made: dict[str, object] = json.loads(ok(strata("keys", "create", name, *flags, "--json", gateway=gateway)))
    return made


def models_cell(gateway: RunningGateway, key_id: object) -> str:
    listed = [line.split() for line in ok(strata("keys", "list", gateway=gateway)).splitlines()]
    row = next(r for r in listed if r[0] == key_id)  # ID NAME TEAM MODELS ...: each one word here
    return row[listed[0].index("MODELS")]


def shown_models(gateway: RunningGateway, key_id: object) -> str:
    shown = ok(strata("keys", "show", str(key_id), gateway=gateway))
    return next(line.split()[1] for line in shown.splitlines() if line.startswith("allowed_models"))


# ---------------------------------------------------------------- every model, or none


def test_a_key_that_may_call_no_model_is_listed_and_shown_as_none(gateway: RunningGateway) -> None:
    nothing = created(gateway, "--no-models")
    assert nothing["allowed_models"] == []
    assert models_cell(gateway, nothing["id"]) == "none"
    assert shown_models(gateway, nothing["id"]) == "none"
    every = created(gateway)
    assert every["allowed_models"] is None
    assert models_cell(gateway, every["id"]) == "all"
    assert shown_models(gateway, every["id"]) == "all"


def test_keys_update_switches_between_every_model_no_model_and_a_list(gateway: RunningGateway) -> None:
    key_id = str(created(gateway, "--models", "echo")["id"])
    assert shown_models(gateway, key_id) == "echo"
    ok(strata("keys", "update", key_id, "--no-models", gateway=gateway))
    assert shown_models(gateway, key_id) == "none"
    ok(strata("keys", "update", key_id, "--all-models", gateway=gateway))
    assert shown_models(gateway, key_id) == "all"


def test_an_empty_models_list_is_refused_the_same_on_create_and_update(gateway: RunningGateway) -> None:
    key_id = str(created(gateway, "--models", "echo")["id"])
    for command in (["keys", "create", "empty-models"], ["keys", "update", key_id]):
        said = one_line(strata(*command, "--models", " , ", gateway=gateway), 2)
        assert "--all-models" in said and "--no-models" in said
    assert shown_models(gateway, key_id) == "echo"


def test_models_flags_that_contradict_each_other_are_refused(gateway: RunningGateway) -> None:
    result = strata("keys", "create", "both", "--models", "echo", "--no-models", gateway=gateway)
    assert result.returncode == 2 and "not allowed with" in result.stderr


# ---------------------------------------------------------------- one line, exit 2


@pytest.mark.parametrize("flag,value", [("--since", "99999999d"), ("--until", "99999999d"), ("--since", "9999999w")])
def test_usage_with_a_window_past_the_calendar_is_one_line_and_exit_2(flag: str, value: str) -> None:
    said = one_line(strata("usage", flag, value, "--base-url", "http://127.0.0.1:1", "--api-key", "k"), 2)
    assert flag in said


def test_guardrails_create_from_a_file_holding_a_list_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "guardrail.json"
    path.write_text(json.dumps([{"name": "x"}]), encoding="utf-8")
    said = one_line(strata("guardrails", "create", str(path), "--base-url", "http://127.0.0.1:1", "--api-key", "k"), 2)
    assert "JSON object" in said


def test_a_key_no_http_header_can_carry_is_one_line_and_exit_2() -> None:
    said = one_line(
        strata("models", "list", "--base-url", "http://127.0.0.1:1", "--api-key", "sk-\u201cquoted\u201d"), 2
    )
    assert "API key" in said


@pytest.mark.parametrize("flags", [["--seconds", "-1"], ["--seconds", "0"], ["--rounds", "-3"], ["--rounds", "0"]])
def test_bench_with_a_duration_or_rounds_not_above_zero_is_exit_2(tmp_path: Path, flags: list[str]) -> None:
    (tmp_path / "tiny.py").write_text('"""Never run."""\nraise SystemExit(3)\n', encoding="utf-8")
    result = strata("bench", "tiny", *flags, "--bench-dir", str(tmp_path))
    assert result.returncode == 2 and "must be more than 0" in result.stderr, result.stderr


# ---------------------------------------------------------------- streams


def test_invoke_of_a_garbled_stream_is_one_line_and_exit_1() -> None:
    body = b"data: {not json}\n\ndata: [DONE]\n\n"
    with socket_server(lambda conn, n: conn.sendall(answer("200 OK", body, "text/event-stream"))) as (base, _):
        said = one_line(strata("invoke", "m", "x", "--base-url", base, "--api-key", "k"), 1)
    assert "Unexpected event" in said


def test_a_stream_cut_by_the_gateways_own_deadline_does_not_suggest_a_longer_timeout(
    gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("slow-model", content="one two three", chunk_delay_ms=1500)  # gpt-slow: read 0.5 s
    said = one_line(strata("invoke", "gpt-slow", "hi", gateway=gateway), 1)
    assert "--timeout" not in said


def test_a_stream_cut_by_the_clients_own_timeout_suggests_a_longer_one() -> None:
    def silent_after_headers(conn: socket.socket, n: int) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        time.sleep(4)

    with socket_server(silent_after_headers) as (base, _):
        said = one_line(strata("invoke", "m", "x", "--base-url", base, "--api-key", "k", "--timeout", "1"), 1)
    assert "--timeout to wait longer" in said
