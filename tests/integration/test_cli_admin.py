"""The `strata` command administering a running gateway, run as the installed script in a subprocess:
tables for people, --json for scripts, exit codes 0 / 1 (one line on stderr) / 2, completion
scripts, the benchmark runner, and the server-side checks of `config check` and `serve`."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.client_helpers import BLOCKED, GUARDRAIL, client_gateway
from tests.integration.conftest import closed_port_url
from tests.support.gateway import RunningGateway
from tests.support.require import require_tool

SCRIPT = Path(sys.executable).with_name("strata")


def strata(
    *args: str, gateway: RunningGateway | None = None, key: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed `strata` script, with STRATA_BASE_URL / STRATA_API_KEY set for ``gateway``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    if gateway is not None:
        env |= {"STRATA_BASE_URL": gateway.base_url, "STRATA_API_KEY": key or gateway.master_key}
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "gateway.cli"]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, input=stdin, timeout=60)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def failed(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """A failure: the exit code, and exactly one line on stderr (no traceback)."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    if code == 1:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr.strip()


def rows(table: str) -> list[list[str]]:
    return [line.split() for line in table.strip().splitlines()]


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with client_gateway(upstream_server, tmp_path_factory.mktemp("cli-admin")) as running:
        yield running


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------- runtime commands


def test_models_list_is_a_table_and_json(gateway: RunningGateway) -> None:
    table = ok(strata("models", "list", gateway=gateway))
    assert rows(table)[0] == ["MODEL", "CAPABILITIES", "DESCRIPTION"]
    assert {"echo", "gpt-test", "emb-test"} <= {row[0] for row in rows(table)[1:]}
    listed = json.loads(ok(strata("models", "list", "--json", gateway=gateway)))
    assert {m["id"] for m in listed} == {row[0] for row in rows(table)[1:]}


def test_invoke_streams_the_answer_to_the_terminal(gateway: RunningGateway) -> None:
    assert ok(strata("invoke", "echo", "streamed to the terminal", gateway=gateway)) == "streamed to the terminal\n"
    assert ok(strata("invoke", "echo", "-", "--no-stream", gateway=gateway, stdin="from stdin")) == "from stdin\n"
    whole = json.loads(ok(strata("invoke", "echo", "as json", "--json", gateway=gateway)))
    assert whole["choices"][0]["message"]["content"] == "as json"


def test_invoke_of_a_blocked_prompt_shows_the_message_then_fails(gateway: RunningGateway) -> None:
    result = strata("invoke", "guarded", "foo", gateway=gateway)
    assert result.stdout == BLOCKED + "\n"
    assert "guardrail blocked" in failed(result)


def test_embed_prints_vectors(gateway: RunningGateway) -> None:
    table = rows(ok(strata("embed", "emb-test", "first", "second", gateway=gateway)))
    assert table[0] == ["INPUT", "DIMENSIONS", "VECTOR"] and [r[0] for r in table[1:]] == ["0", "1"]
    found = json.loads(ok(strata("embed", "emb-test", "one", "--json", gateway=gateway)))
    assert len(found["data"]) == 1


# ---------------------------------------------------------------- keys and teams


def test_keys_create_show_list_revoke_delete(gateway: RunningGateway) -> None:
    name = unique("cli-key")
    created = json.loads(
        ok(
            strata(
                "keys",
                "create",
                name,
                "--rpm",
                "5",
                "--models",
                "echo,gpt-test",
                "--tag",
                "ci",
                "--json",
                gateway=gateway,
            )
        )
    )
    assert created["key"].startswith("sk-") and created["limits"]["rpm"] == 5
    assert created["allowed_models"] == ["echo", "gpt-test"] and created["tags"] == ["ci"]
    key_id = created["id"]
    assert ok(strata("invoke", "echo", "the new key works", gateway=gateway, key=created["key"])).strip()

    listed = rows(ok(strata("keys", "list", gateway=gateway)))
    assert listed[0][:3] == ["ID", "NAME", "TEAM"] and [key_id, name] in [r[:2] for r in listed]
    shown = ok(strata("keys", "show", key_id, gateway=gateway))
    assert f"name            {name}" in shown and "rpm=5" in shown and "sk-" not in shown

    updated = ok(strata("keys", "update", key_id, "--tpm", "900", gateway=gateway))
    assert "rpm=5 tpm=900" in updated, "the limits given change, the others stay"

    assert ok(strata("keys", "revoke", key_id, gateway=gateway)).strip() == f"revoked {key_id} ({name})"
    assert "the gateway refused the key" in failed(strata("models", "list", gateway=gateway, key=created["key"]))
    assert json.loads(ok(strata("keys", "delete", key_id, "--json", gateway=gateway))) == {"deleted": key_id}
    assert failed(strata("keys", "show", key_id, gateway=gateway)) == f"strata: error: No key '{key_id}'. (HTTP 404)"


def test_keys_create_prints_the_secret_once_for_people(gateway: RunningGateway) -> None:
    result = strata("keys", "create", unique("human"), "--model-limit", "echo:rpm=3,tpm=100", gateway=gateway)
    out = ok(result)
    assert "key  sk-" in out and "echo=rpm=3 tpm=100" in out
    assert "shown this once" in result.stderr


def test_teams_create_list_update_delete(gateway: RunningGateway) -> None:
    name = unique("cli-team")
    team = json.loads(ok(strata("teams", "create", name, "--tpm", "1000", "--json", gateway=gateway)))
    assert team["limits"]["tpm"] == 1000
    assert [team["id"], name] in [r[:2] for r in rows(ok(strata("teams", "list", gateway=gateway)))]
    assert "rpm=7 tpm=1000" in ok(strata("teams", "update", team["id"], "--rpm", "7", gateway=gateway))
    assert failed(strata("teams", "create", name, gateway=gateway)).endswith("(HTTP 409)")
    ok(strata("teams", "delete", team["id"], gateway=gateway))


# ---------------------------------------------------------------- guardrails, deployments, usage


def test_guardrails_list_show_apply(gateway: RunningGateway, tmp_path: Path) -> None:
    listed = rows(ok(strata("guardrails", "list", gateway=gateway)))
    assert listed[0][:4] == ["ID", "NAME", "VERSION", "STATUS"] and [GUARDRAIL, GUARDRAIL, "DRAFT", "READY"] in [
        r[:4] for r in listed
    ]
    shown = ok(strata("guardrails", "show", GUARDRAIL, gateway=gateway))
    assert f"blockedInputMessaging    {BLOCKED}" in shown and "wordPolicy" in shown
    applied = ok(strata("guardrails", "apply", GUARDRAIL, "some foo", gateway=gateway))
    assert "BLOCKED" in applied and BLOCKED in applied
    passed = json.loads(ok(strata("guardrails", "apply", GUARDRAIL, "all clear", "--json", gateway=gateway)))
    assert passed["blocked"] is False

    definition = tmp_path / "g.json"
    body = {"name": unique("cli-g"), "blockedInputMessaging": "no", "blockedOutputsMessaging": "no"}
    definition.write_text(json.dumps({**body, "wordPolicyConfig": {"wordsConfig": [{"text": "zap"}]}}))
    created = json.loads(ok(strata("guardrails", "create", str(definition), "--json", gateway=gateway)))
    gid = created["guardrailId"]
    assert ok(strata("guardrails", "version", gid, gateway=gateway)).strip() == f"{gid}: version 1"
    ok(strata("guardrails", "delete", gid, "--version", "1", gateway=gateway))
    ok(strata("guardrails", "delete", gid, gateway=gateway))
    assert "(HTTP 404)" in failed(strata("guardrails", "show", gid, gateway=gateway))


def test_deployments_list_and_reset(gateway: RunningGateway) -> None:
    table = rows(ok(strata("deployments", "list", gateway=gateway)))
    assert table[0][:3] == ["MODEL", "DEPLOYMENT", "STATE"]
    assert ["echo", "echo/0", "healthy"] in [r[:3] for r in table]
    assert ok(strata("deployments", "reset", "echo/0", gateway=gateway)).strip() == "back in rotation: echo/0"
    assert "echo/0" in json.loads(ok(strata("deployments", "reset", "--json", gateway=gateway)))["reset"]


def test_usage_by_model_is_a_table_with_totals(gateway: RunningGateway) -> None:
    key = json.loads(ok(strata("keys", "create", unique("usage"), "--json", gateway=gateway)))
    for model in ("gpt-test", "gpt-test", "echo"):
        ok(strata("invoke", model, "count me", "--no-stream", gateway=gateway, key=key["key"]))
    deadline = time.monotonic() + 10
    while True:
        found = json.loads(ok(strata("usage", "--by", "model", "--key", key["id"], "--json", gateway=gateway)))
        if (found["total"] or {}).get("requests") == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert {r["group"]: r["requests"] for r in found["rows"]} == {"gpt-test": 2, "echo": 1}
    table = rows(ok(strata("usage", "--by", "model", "--since", "7d", "--key", key["id"], gateway=gateway)))
    assert table[0][0] == "Usage" and table[1][:3] == ["MODEL", "REQUESTS", "ERRORS"]
    assert {r[0]: r[1] for r in table[2:4]} == {"gpt-test": "2", "echo": "1"}
    assert table[-1][:2] == ["TOTAL", "3"] and set(table[-2][0]) == {"-"}


# ---------------------------------------------------------------- exit codes


def test_bad_flags_and_commands_are_usage_errors(gateway: RunningGateway) -> None:
    assert "invalid choice" in failed(strata("keys", "lst", gateway=gateway), code=2)
    assert "unrecognized arguments: --frobnicate" in failed(strata("keys", "list", "--frobnicate", gateway=gateway), 2)
    assert "invalid choice: 'week'" in failed(strata("usage", "--by", "week", gateway=gateway), code=2)
    assert failed(strata("usage", "--since", "yesterday", gateway=gateway), code=2) == (
        "strata: --since 'yesterday': write 7d, 2w or a day (YYYY-MM-DD)"
    )
    assert failed(strata("keys", "list"), code=2) == "strata: no API key: pass --api-key or set STRATA_API_KEY"
    assert failed(strata("models"), code=2).endswith("the following arguments are required: COMMAND")


def test_an_unreachable_gateway_is_one_line_and_exit_1() -> None:
    base = closed_port_url().removesuffix("/v1")
    message = failed(strata("keys", "list", "--base-url", base, "--api-key", "sk-x"))
    assert message.startswith(f"strata: error: Cannot reach the gateway at {base}")


def test_a_refused_key_and_a_non_admin_key_exit_1(gateway: RunningGateway) -> None:
    refused = failed(strata("keys", "list", gateway=gateway, key="sk-wrong"))
    assert refused == "strata: error: the gateway refused the key: Incorrect API key provided. (HTTP 401)"
    plain = json.loads(ok(strata("keys", "create", unique("plain"), "--json", gateway=gateway)))
    denied = failed(strata("usage", gateway=gateway, key=plain["key"]))
    assert denied.startswith("strata: error: not allowed with this key:") and denied.endswith("(HTTP 403)")


def test_options_work_before_or_after_the_command(gateway: RunningGateway) -> None:
    before = ok(strata("--base-url", gateway.base_url, "--api-key", gateway.master_key, "--json", "teams", "list"))
    after = ok(strata("teams", "list", "--base-url", gateway.base_url, "--api-key", gateway.master_key, "--json"))
    assert json.loads(before) == json.loads(after)


# ---------------------------------------------------------------- completion


def _bash_complete(script: str, words: Sequence[str]) -> list[str]:
    line = " ".join(words)
    probe = f'{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _strata; printf "%s\\n" "${{COMPREPLY[@]}}"'
    result = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_walks_the_command_tree() -> None:
    script = ok(strata("completion", "bash"))
    assert "complete -F _strata strata" in script
    assert {"keys", "teams", "usage", "invoke", "serve", "completion"} <= set(_bash_complete(script, ["strata", "''"]))
    assert _bash_complete(script, ["strata", "ke"]) == ["keys"]
    assert set(_bash_complete(script, ["strata", "keys", "''"])) >= {"create", "list", "show", "revoke", "delete"}
    assert "--rpm" in _bash_complete(script, ["strata", "keys", "create", "--r"])
    assert _bash_complete(script, ["strata", "usage", "--by", "''"]) == ["model", "key", "team", "day"]


def test_zsh_completion_loads_and_offers_the_commands(tmp_path: Path) -> None:
    require_tool("zsh", "the zsh completion script is run by zsh itself")
    (tmp_path / "_strata").write_text(ok(strata("completion", "zsh")), encoding="utf-8")
    probe = f"""
        fpath=({tmp_path} $fpath); autoload -Uz compinit; compinit -u -D
        compadd() {{ shift $(( ${{@[(i)--]}} )); print -l -- "$@"; }}
        _describe() {{ :; }}
        words=(strata keys ''); CURRENT=3; autoload -Uz _strata; _strata
        print -- ---
        words=(strata usage --by ''); CURRENT=4; _strata
    """
    result = subprocess.run(["zsh", "-f", "-c", probe], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    commands, choices = result.stdout.split("---\n")
    assert {"create", "list", "revoke", "delete"} <= set(commands.split())
    assert choices.split() == ["model", "key", "team", "day"]


# ---------------------------------------------------------------- bench


def _bench_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bench"
    folder.mkdir()
    (folder / "fast_one.py").write_text(
        '"""A fast benchmark."""\nimport sys\nprint("args:", sys.argv[1:])\n'
        'parser_flags = ("--seconds", "--no-write")\n',
        encoding="utf-8",
    )
    (folder / "broken_one.py").write_text('"""Fails."""\nraise SystemExit(3)\n', encoding="utf-8")
    (folder / "harness.py").write_text('"""A helper, not a benchmark."""\n', encoding="utf-8")
    return folder


def test_bench_runs_the_scripts_with_a_progress_bar(tmp_path: Path) -> None:
    folder = _bench_dir(tmp_path)
    listed = ok(strata("bench", "--list", "--bench-dir", str(folder)))
    assert "fast_one" in listed and "A fast benchmark." in listed and "harness" not in listed
    result = strata("bench", "fast_one", "--seconds", "2", "--rounds", "4", "--bench-dir", str(folder))
    out = ok(result)
    assert "[------------------------] 0/1 fast_one" in result.stderr
    assert "[########################] 1/1 done" in result.stderr
    [summary] = [r for r in rows(out) if r[0] == "fast_one"]
    assert summary[1] == "ok"
    log = Path(summary[-1]).read_text(encoding="utf-8")
    assert log.strip() == "args: ['--seconds', '2.0', '--no-write']", "--rounds goes only to scripts that take it"


def test_bench_reports_a_failing_script_and_exits_1(tmp_path: Path) -> None:
    result = strata("bench", "fast_one", "broken_one", "--bench-dir", str(_bench_dir(tmp_path)))
    assert result.returncode == 1
    results = {r[0]: r[1:3] for r in rows(result.stdout)[1:]}
    assert results == {"fast_one": ["ok", results["fast_one"][1]], "broken_one": ["failed", "(3)"]}


def test_bench_without_its_folder_says_where_it_lives(tmp_path: Path) -> None:
    message = failed(strata("bench", "--bench-dir", str(tmp_path / "nowhere")))
    assert "no benchmark suite at" in message and "not its package" in message
    assert "no benchmark named nope" in failed(strata("bench", "nope", "--bench-dir", str(_bench_dir(tmp_path))))


# ---------------------------------------------------------------- config check and serve


def test_config_check_names_a_missing_local_model_folder(tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    config = tmp_path / "strata.yaml"
    config.write_text(
        "models:\n"
        f"  present: {{deployments: [{{provider: local, path: {tmp_path / 'here'}}}]}}\n"
        f"  absent: {{deployments: [{{provider: local, path: {tmp_path / 'gone'}}}]}}\n"
        "  pkg: {deployments: [{provider: local, path: 'package:no_such_models_pkg/model'}]}\n"
        f"  demo: {{deployments: [{{provider: local, demo: true, path: {tmp_path / 'built-later'}}}]}}\n",
        encoding="utf-8",
    )
    result = strata("config", "check", str(config))
    assert result.returncode == 1 and "OK" not in result.stdout
    assert result.stderr.splitlines() == [
        f"{config}: models.absent.deployments[0].path: {tmp_path / 'gone'}: no such model directory",
        f"{config}: models.pkg.deployments[0].path: the package 'no_such_models_pkg' is not installed",
    ]


def test_serve_refuses_a_busy_port_before_loading_anything(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
        result = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"strata: cannot listen on 127.0.0.1:{port}: Address already in use")
    assert not (tmp_path / ".strata").exists(), "no key, database or demo model was made first"
    assert time.monotonic() - started < 30
