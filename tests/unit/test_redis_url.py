"""STRATA_REDIS_URL is read one way by every Redis user: the database in the path or in ?db=."""

from __future__ import annotations

import pytest

from gateway.config.errors import ConfigError
from gateway.config.loading import load_configuration
from gateway.config.redis import RedisEndpoint


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6379", RedisEndpoint()),
        ("redis://cache:6380/3", RedisEndpoint(host="cache", port=6380, db=3)),
        ("redis://cache:6380?db=3", RedisEndpoint(host="cache", port=6380, db=3)),
        ("redis://cache/3?db=3", RedisEndpoint(host="cache", db=3)),
        (
            "rediss://u:p%40ss@cache:6390/1",
            RedisEndpoint(host="cache", port=6390, tls=True, db=1, username="u", password="p@ss"),
        ),
        ("redis://:secret@cache", RedisEndpoint(host="cache", password="secret")),
        ("unix:///run/redis.sock?db=2", RedisEndpoint(socket_path="/run/redis.sock", db=2)),
    ],
)
def test_every_form_of_the_url_names_the_same_database(url: str, expected: RedisEndpoint) -> None:
    assert RedisEndpoint.parse(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://cache:6379", "starts with redis://"),
        ("redis://cache/3?db=4", "names two databases"),
        ("redis://cache/zero", "must be a number"),
        ("redis://cache:99999", "port"),
        ("unix://", "socket path"),
    ],
)
def test_an_unusable_url_is_refused_at_start_naming_the_problem(
    url: str, problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRATA_REDIS_URL", url.replace("cache", ":hunter2@cache") if "//cache" in url else url)
    with pytest.raises(ConfigError) as refused:
        load_configuration()
    assert problem in str(refused.value)
    assert "hunter2" not in str(refused.value), "the password is never echoed"
