"""A model named outside printable ASCII (another script, an emoji, even a line break) is served
like any other: its name travels percent-encoded in x-strata-model, where it was a bare 500 (and,
with a line break, an empty reply)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import httpx
import openai
import pytest
import yaml

from tests.support.gateway import RunningGateway, gateway_in_thread

NAMES = ["modèle-ü😀", "line\nbreak"]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("names")
    catalog = yaml.safe_dump({"models": {name: {"deployments": [{"provider": "echo"}]} for name in NAMES}})
    with gateway_in_thread(catalog, folder) as running:
        yield running


@pytest.mark.parametrize("name", NAMES)
def test_a_model_named_outside_ascii_answers_and_names_itself_percent_encoded(
    gateway: RunningGateway, name: str
) -> None:
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        raw = client.chat.completions.with_raw_response.create(
            model=name, messages=[{"role": "user", "content": "hello"}]
        )
    assert raw.http_response.status_code == 200
    assert unquote(raw.headers["x-strata-model"]) == name
    assert raw.parse().choices[0].message.content == "hello"
    streamed = httpx.post(
        f"{gateway.openai_base}/chat/completions",
        json={"model": name, "messages": [{"role": "user", "content": "hi"}], "stream": True},
        headers=gateway.headers(),
        timeout=10,
    )
    assert streamed.status_code == 200 and streamed.text.rstrip().endswith("data: [DONE]")
