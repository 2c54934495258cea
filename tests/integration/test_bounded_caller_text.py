"""What a caller sends is bounded where it is kept or echoed: Converse's requestMetadata within
Bedrock's own limits (16 entries of 256 characters; it lands in every usage record), and an unknown
model's name cut short in the 404 (and so in traces and logs)."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.support.gateway import RunningGateway

HELLO = [{"role": "user", "content": [{"text": "hi"}]}]


@pytest.mark.parametrize(
    "metadata",
    [
        {f"k{i}": "v" for i in range(17)},
        {"team": "v" * 257},
        {"k" * 257: "v"},
    ],
    ids=["17 entries", "a 257-character value", "a 257-character key"],
)
def test_request_metadata_past_bedrock_s_limits_is_a_validation_exception(
    shared_gateway: RunningGateway, upstream: FakeUpstream, metadata: dict[str, str]
) -> None:
    response = httpx.post(
        f"{shared_gateway.base_url}/model/gpt-test/converse",
        json={"messages": HELLO, "requestMetadata": metadata},
        headers=shared_gateway.headers(),
    )
    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"].startswith("ValidationException")
    assert upstream.requests() == []


def test_request_metadata_within_the_limits_is_taken(shared_gateway: RunningGateway, upstream: FakeUpstream) -> None:
    metadata = {f"k{i}": "v" * 256 for i in range(16)}
    response = httpx.post(
        f"{shared_gateway.base_url}/model/gpt-test/converse",
        json={"messages": HELLO, "requestMetadata": metadata},
        headers=shared_gateway.headers(),
    )
    assert response.status_code == 200, response.text


def test_an_unknown_model_s_name_is_cut_short_in_the_404(shared_gateway: RunningGateway) -> None:
    response = httpx.post(
        f"{shared_gateway.openai_base}/chat/completions",
        json={"model": "m" * 100_000, "messages": [{"role": "user", "content": "hi"}]},
        headers=shared_gateway.headers(),
    )
    assert response.status_code == 404
    assert len(response.text) < 1000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/" + "p" * 5_000),
        ("GET", "/admin/keys/" + "k" * 5_000),
        ("GET", "/admin/teams/" + "t" * 5_000),
        ("DELETE", "/admin/keys/" + "k" * 5_000),
    ],
    ids=["an unknown path", "an unknown key", "an unknown team", "deleting an unknown key"],
)
def test_an_unknown_path_key_or_team_is_cut_short_in_the_404(
    shared_gateway: RunningGateway, method: str, path: str
) -> None:
    response = httpx.request(method, f"{shared_gateway.base_url}{path}", headers=shared_gateway.headers())
    assert response.status_code == 404
    assert len(response.text) < 1000
