"""No secret ever leaves where it belongs. Unique secrets are planted (the upstream's API key, the
master key, the sealing key, virtual keys), traffic runs with failures of every kind (wrong keys,
an upstream refusing the gateway's key and quoting it back, upstream errors, broken streams,
SigV4 and bearer calls), then every log line, every response (but the one that creates a key,
which shows it once) and every database row is scanned for them."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import httpx
import openai
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import openai_deployment
from tests.support.bedrock import client_config
from tests.support.gateway import free_port, wait_until_ready

USER = [{"role": "user", "content": "Say hello."}]


class Recorder:
    """Every response the test saw (status, headers, body), for the final scan."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, response: httpx.Response) -> httpx.Response:
        response.read()
        self.seen.append(f"{response.status_code} {dict(response.headers)} {response.text}")
        return response


def test_no_secret_appears_in_logs_responses_or_the_database(upstream: FakeUpstream, tmp_path: Path) -> None:
    planted = {
        "upstream": "sk-upstream-" + secrets.token_hex(16),
        "master": "sk-master-" + secrets.token_hex(16),
        "sealing": "sealing-" + secrets.token_hex(24),
    }
    models = {
        "gpt": [openai_deployment(upstream.url, "fine-up")],
        "refused": [openai_deployment(upstream.url, "refused-up")],
        "broken": [openai_deployment(upstream.url, "broken-up")],
        "cut": [openai_deployment(upstream.url, "cut-up")],
    }
    routing = {"retries": {"attempts": 1}}
    catalog = {"models": {name: {"deployments": pool, "routing": routing} for name, pool in models.items()}}
    (tmp_path / "strata.yaml").write_text(yaml.safe_dump(catalog))
    env = {
        "STRATA_MASTER_KEY": planted["master"],
        "STRATA_SECRET_KEY": planted["sealing"],
        "FAKE_KEY": planted["upstream"],
        "STRATA_LOG_LEVEL": "debug",
        "STRATA_DATA_DIR": str(tmp_path / "data"),
        "STRATA_USAGE_FLUSH_INTERVAL_S": "0.05",
    }
    # A careless upstream quotes the key it refused back, as some do.
    upstream.set_behaviour("refused-up", status=401, error_message=f"Incorrect API key provided: {planted['upstream']}")
    upstream.set_behaviour("broken-up", status=500, error_message="internal trouble")
    upstream.set_behaviour("cut-up", drop_after_chunks=2, chunk_count=5)
    record = Recorder()
    log_file = tmp_path / "gateway.log"
    with _serve(tmp_path / "strata.yaml", env, log_file) as base:
        admin = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {planted['master']}"})
        created = admin.post("/admin/keys", json={"name": "app"})  # the one response that shows a key
        assert created.status_code == 201, created.text
        virtual = created.json()
        planted["virtual"] = virtual["key"]
        revoked = admin.post("/admin/keys", json={"name": "old"}).json()
        planted["revoked"] = revoked["key"]
        record(admin.post(f"/admin/keys/{revoked['id']}/revoke"))
        _traffic(base, planted, virtual["id"], record)
        for path in ("/admin/keys", "/admin/usage/records", "/admin/deployments", "/health/ready"):
            record(admin.get(path))
        record(admin.get("/health/ready"))
        admin.close()
    logs = log_file.read_text(errors="replace")
    assert "request" in logs and "deployment failed" in logs, "the logs were captured (debug level)"
    rows = _database_rows(tmp_path / "data" / "strata.db")
    assert len(rows) > 20
    places = {"logs": logs, "responses": "\n".join(record.seen), "database": "\n".join(rows)}
    leaks = [(what, where) for what, secret in planted.items() for where, text in places.items() if secret in text]
    assert leaks == []


def _traffic(base: str, planted: dict[str, str], key_id: str, record: Recorder) -> None:
    with httpx.Client(base_url=base, timeout=10) as http:
        for key in (planted["virtual"], planted["master"], planted["revoked"], "sk-wrong-" + planted["virtual"][-8:]):
            headers = {"Authorization": f"Bearer {key}"}
            for model in ("gpt", "refused", "broken", "cut"):
                body: dict[str, Any] = {"model": model, "messages": USER}
                record(http.post("/v1/chat/completions", json=body, headers=headers))
                record(http.post("/v1/chat/completions", json={**body, "stream": True}, headers=headers))
            record(http.get("/v1/models", headers=headers))
            record(http.post("/v1/chat/completions", content=b"{not json", headers=headers))
    client = openai.OpenAI(base_url=f"{base}/v1", api_key=planted["virtual"], max_retries=0)
    for model in ("refused", "broken"):
        try:
            client.chat.completions.create(model=model, messages=USER)  # type: ignore[arg-type]
        except openai.APIStatusError as error:
            record(error.response)
    client.close()
    for secret in (planted["virtual"], "not-the-secret-" + planted["virtual"][-8:]):
        runtime = boto3.client(
            "bedrock-runtime",
            endpoint_url=base,
            region_name="us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=client_config(),
        )
        for model in ("gpt", "refused"):
            try:
                answer = runtime.converse(modelId=model, messages=[{"role": "user", "content": [{"text": "hi"}]}])
                record.seen.append(str(answer))
            except botocore.exceptions.ClientError as error:
                record.seen.append(str(error.response))
        runtime.close()


@contextmanager
def _serve(config: Path, env: dict[str, str], log_file: Path) -> Iterator[str]:
    """`strata serve` with everything it prints going to ``log_file``, stopped with SIGTERM."""
    port = free_port()
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config), "--port", str(port)],
            cwd=config.parent,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(f"http://127.0.0.1:{port}", process=process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def _database_rows(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [line for line in conn.iterdump()]
