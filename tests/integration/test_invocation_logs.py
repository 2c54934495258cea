"""Model invocation logs: a record per model call with its metadata, the prompt and completion only
where enabled (a catalog model's `log_bodies`, or the setting naming a model, key or team), written
off the request path to JSON-lines files (rotated by size) or to the database, entries past the
retention deleted, and bodies never in the ordinary logs."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread


def _catalog(api_base: str) -> str:
    return yaml.safe_dump(
        {
            "models": {
                "gpt-logged": {"deployments": [openai_deployment(api_base)], "log_bodies": True},
                "gpt-quiet": {"deployments": [openai_deployment(api_base)]},
                "emb-test": {"deployments": [openai_deployment(api_base, "fake-embed", embeddings=True)]},
            }
        }
    )


def _client(gateway: RunningGateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0)


def _until(read: Callable[[], list[dict[str, Any]]], count: int, seconds: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = read()
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{count} records expected, found {len(read())}")


def _file_records(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for path in sorted(folder.glob("invocations*.jsonl")) for line in path.read_text().splitlines()
    ]


def test_file_records_keep_bodies_only_where_enabled_and_never_in_the_logs(
    upstream: FakeUpstream, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "invocations"
    secret, quiet, streamed = (f"marker-{uuid.uuid4().hex}" for _ in range(3))
    settings = {"invocation_logs": "file", "invocation_log_dir": folder, "log_level": "debug"}
    with (
        gateway_in_thread(_catalog(upstream.url), tmp_path, environ=ENVIRON, **settings) as gateway,
        _client(gateway) as client,
    ):
        logged = client.chat.completions.with_raw_response.create(
            model="gpt-logged", messages=[{"role": "user", "content": f"repeat {secret}"}]
        )
        client.chat.completions.create(model="gpt-quiet", messages=[{"role": "user", "content": f"repeat {quiet}"}])
        text = "".join(
            chunk.choices[0].delta.content or ""
            for chunk in client.chat.completions.create(
                model="gpt-logged", messages=[{"role": "user", "content": f"repeat {streamed}"}], stream=True
            )
            if chunk.choices
        )
        client.embeddings.create(model="emb-test", input=quiet)
        records = _until(lambda: _file_records(folder), 4)

    by_model = {r["model"]: r for r in records if not r["stream"]}
    first = by_model["gpt-logged"]
    assert first["request_id"] == logged.headers["x-request-id"]
    assert first["key_id"] == "master" and first["status"] == 200 and first["provider"] == "openai"
    assert first["prompt_tokens"] > 0 and first["latency_ms"] > 0
    assert secret in first["request_body"]["messages"][0]["content"]
    assert first["response_body"]["choices"][0]["message"]["content"] == logged.parse().choices[0].message.content
    (stream,) = [r for r in records if r["stream"]]
    assert streamed in stream["request_body"]["messages"][0]["content"] and stream["response_body"]["text"] == text
    for unlogged in (by_model["gpt-quiet"], by_model["emb-test"]):
        assert unlogged["request_body"] is None and unlogged["response_body"] is None
        assert unlogged["status"] == 200
    assert by_model["emb-test"]["operation"] == "embeddings"
    assert quiet not in json.dumps(records), "no body of a model not enabled, anywhere in the records"

    output = capfd.readouterr()
    assert "gpt-logged" in output.err, "the gateway did log these calls (access log)"
    for marker in (secret, quiet, streamed):
        assert marker not in output.err and marker not in output.out


def test_files_rotate_by_size_and_old_ones_are_deleted(upstream: FakeUpstream, tmp_path: Path) -> None:
    folder = tmp_path / "invocations"
    folder.mkdir()
    old = folder / "invocations-20200101T000000000000-1.jsonl"
    old.write_text('{"id": "old"}\n')
    long_ago = time.time() - 40 * 86400
    os.utime(old, (long_ago, long_ago))
    settings = {"invocation_logs": "file", "invocation_log_dir": folder, "invocation_log_max_bytes": 2048}
    with (
        gateway_in_thread(_catalog(upstream.url), tmp_path, environ=ENVIRON, **settings) as gateway,
        _client(gateway) as client,
    ):
        for _ in range(12):  # each record with its bodies is about 1.2 KB
            client.chat.completions.create(model="gpt-logged", messages=[{"role": "user", "content": "x" * 200}])
        records = _until(lambda: [r for r in _file_records(folder) if r["id"] != "old"], 12)
        # the sweep of files past the retention runs after a rotation, on its own: waited for
        _until(lambda: [] if old.exists() else [{}], 1)
    assert not old.exists(), "a rotated file past the retention (30 days) is deleted"
    assert len(records) == 12
    rotated = list(folder.glob("invocations-*.jsonl"))
    assert len(rotated) == 11, "a record of 1.2 KB and the next would pass 2 KB: a file each"
    for path in [*rotated, folder / "invocations.jsonl"]:
        assert path.stat().st_size <= 2048 and len(path.read_text().splitlines()) == 1


def _rows(data_dir: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(data_dir / "strata.db") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT * FROM invocation_logs ORDER BY ts")]


def test_database_records_bodies_for_a_key_named_in_the_setting_and_expire_old_rows(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    marker = f"marker-{uuid.uuid4().hex}"
    settings = {"invocation_logs": "database", "invocation_log_bodies": "key:master", "data_dir": data_dir}
    with (
        gateway_in_thread(_catalog(upstream.url), tmp_path, environ=ENVIRON, **settings) as gateway,
        _client(gateway) as client,
    ):
        client.chat.completions.create(model="gpt-quiet", messages=[{"role": "user", "content": marker}])
        (row,) = _until(lambda: _rows(data_dir), 1)
    assert row["model"] == "gpt-quiet" and row["key_id"] == "master" and row["status"] == 200
    assert marker in json.loads(row["request_body"])["messages"][0]["content"]
    assert json.loads(row["response_body"])["choices"][0]["message"]["content"]

    with sqlite3.connect(data_dir / "strata.db") as conn:  # an entry from long ago
        conn.execute(
            "INSERT INTO invocation_logs (id, request_id, ts, surface, operation, stream, status, latency_ms,"
            " attempts, prompt_tokens, completion_tokens, cached_tokens)"
            " VALUES ('old', 'old', '2001-01-01 00:00:00.000000', 'openai', 'chat', 0, 200, 1.0, 1, 1, 1, 0)"
        )
    with gateway_in_thread(_catalog(upstream.url), tmp_path, environ=ENVIRON, **settings):
        deadline = time.monotonic() + 10
        while "old" in {r["id"] for r in _rows(data_dir)} and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [r["id"] for r in _rows(data_dir)] == [row["id"]], "the entry past the retention is deleted"


def test_invocation_logs_are_off_by_default(upstream: FakeUpstream, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with (
        gateway_in_thread(_catalog(upstream.url), tmp_path, environ=ENVIRON, data_dir=data_dir) as gateway,
        _client(gateway) as client,
    ):
        client.chat.completions.create(model="gpt-logged", messages=[{"role": "user", "content": "hello"}])
        time.sleep(1.5)
    assert _rows(data_dir) == []
    assert not list(tmp_path.rglob("invocations*.jsonl"))
