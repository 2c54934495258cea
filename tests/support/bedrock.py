"""Helpers for the Bedrock-surface tests: a gateway (HTTP or HTTPS) and real boto3 clients for it.

The clients are plain ``boto3.client("bedrock-runtime" | "bedrock", endpoint_url=...)``; only
retries are turned off (so an error test sees one request) and the timeouts shortened. SigV4
clients sign with key id ``master`` and the master key as secret; bearer clients take the key
from ``AWS_BEARER_TOKEN_BEDROCK``, exactly as boto3 users set them up.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import httpx
import uvicorn
from botocore.config import Config
from botocore.eventstream import EventStream
from botocore.parsers import EventStreamJSONParser

from gateway.app import StrataApp, create_app
from gateway.config.catalog import parse_catalog
from gateway.config.settings import Settings
from tests.support.gateway import MASTER_KEY, RunningGateway, free_port
from tests.support.tls import TLSFiles

REGION = "us-east-1"
BEARER_ENV = "AWS_BEARER_TOKEN_BEDROCK"
_AWS_ENV = (
    BEARER_ENV,
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_AUTH_SCHEME_PREFERENCE",
)


def client_config() -> Config:
    return Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15)


def isolate_aws_environment(monkeypatch: Any) -> None:
    """No credentials, profiles or config files from the machine running the tests."""
    for name in _AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def sigv4_client(
    service: str,
    gateway: RunningGateway,
    key_id: str = "master",
    secret: str = MASTER_KEY,
    validate: bool = True,
    **options: Any,
) -> Any:
    """A boto3 client that signs with SigV4 (what the default credential chain does). ``validate``:
    False turns botocore's own parameter checks off, so the gateway gets what the caller wrote."""
    options.setdefault("region_name", REGION)
    config = client_config() if validate else client_config().merge(Config(parameter_validation=False))
    return boto3.client(
        service,
        endpoint_url=gateway.base_url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=config,
        **options,
    )


def bearer_client(service: str, gateway: RunningGateway, ca: Path) -> Any:
    """A boto3 client that sends ``Authorization: Bearer`` (``AWS_BEARER_TOKEN_BEDROCK`` must be set)."""
    assert os.environ.get(BEARER_ENV), f"set {BEARER_ENV} first"
    return boto3.client(
        service, endpoint_url=gateway.base_url, region_name=REGION, config=client_config(), verify=str(ca)
    )


@contextmanager
def serve_app(app: StrataApp, tls: TLSFiles | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread (over TLS when given); yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        loop="asyncio",
        http="httptools",
        log_level="warning",
        access_log=False,
        lifespan="on",
        ssl_certfile=str(tls.cert) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
        # A TLS connection that a client left open (a caught botocore error keeps its socket
        # alive until the cyclic GC runs) holds up a graceful stop; a test server need not wait.
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    base_url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, ssl.create_default_context(cafile=str(tls.ca)) if tls else True, thread)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _wait_ready(base_url: str, verify: ssl.SSLContext | bool, thread: threading.Thread) -> None:
    with httpx.Client(verify=verify, timeout=1) as client:
        for _ in range(600):
            if not thread.is_alive():
                raise RuntimeError("the gateway thread stopped before it was ready")
            try:
                if client.get(f"{base_url}/health/live").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            threading.Event().wait(0.05)
    raise TimeoutError(f"gateway at {base_url} not ready")


@contextmanager
def bedrock_gateway(
    config_yaml: str,
    tmp_path: Path,
    environ: dict[str, str],
    tls: TLSFiles | None = None,
    prepare: Callable[[StrataApp], None] | None = None,
) -> Iterator[RunningGateway]:
    """The real app over the given catalog; ``prepare`` may swap in fakes through its typed state."""
    catalog = parse_catalog(config_yaml, "test.yaml", environ=environ)
    app = create_app(Settings(data_dir=tmp_path / "data", log_level="warning"), catalog, MASTER_KEY)
    if prepare is not None:
        prepare(app)
    with serve_app(app, tls) as base_url:
        yield RunningGateway(base_url)


class _RawBody:
    """What botocore's EventStream reads from: a body that yields byte chunks."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def stream(self) -> Iterator[bytes]:
        yield from self._chunks

    def close(self) -> None:
        pass


def event_stream(operation: str, frames: list[bytes]) -> EventStream:
    """Frames as botocore parses a ConverseStream / InvokeModelWithResponseStream response body."""
    model = botocore.session.get_session().get_service_model("bedrock-runtime")
    output = model.operation_model(operation).output_shape
    assert output is not None
    member = "stream" if operation == "ConverseStream" else "body"
    return EventStream(_RawBody(frames), output.members[member], EventStreamJSONParser(), operation)


def parse_events(operation: str, frames: list[bytes]) -> list[dict[str, Any]]:
    return list(event_stream(operation, frames))


def bedrock_catalog(api_base: str) -> str:
    """Models for the Bedrock tests: names with '/', ':' and '.', an embedder, a slow and a dead one."""
    from tests.integration.conftest import catalog_yaml, closed_port_url, openai_deployment

    return catalog_yaml(
        {
            "gpt-test": [openai_deployment(api_base)],
            "org/model-a": [openai_deployment(api_base, "model-a")],
            "acme.chat-v1:0": [openai_deployment(api_base, "acme-chat", vision=True)],  # takes images
            "emb-test": [openai_deployment(api_base, "fake-embed", embeddings=True)],
            "gpt-slow": [openai_deployment(api_base, "slow-model", timeouts={"connect": 1, "read": 0.5, "total": 5})],
            "gpt-down": [openai_deployment(closed_port_url())],
        }
    )
