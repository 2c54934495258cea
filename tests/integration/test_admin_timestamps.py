"""Every time the admin API returns is UTC with an explicit offset, and the same instant renders
the same in POST, GET, PATCH and list responses, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import Store, admin, created, start_on, stores
from tests.integration.conftest import StartGateway
from tests.support.gateway import RunningGateway

TIMES = ("created_at", "updated_at", "expires_at")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from stores(request.param, tmp_path)


@pytest.fixture()
def gateway(store: Store, upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    return start_on(store, upstream, start_gateway)


def _times(thing: dict[str, Any]) -> dict[str, str]:
    found = {name: thing[name] for name in TIMES if thing.get(name) is not None}
    for name, value in found.items():
        moment = datetime.fromisoformat(value)
        assert moment.utcoffset() == timedelta(0), f"{name} {value!r} is not UTC with an offset"
    return found


def test_key_times_are_utc_and_identical_in_every_response(gateway: RunningGateway) -> None:
    expires = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=123456)
    in_paris = expires.astimezone(ZoneInfo("Europe/Paris")).isoformat()
    key = created(gateway, "/keys", {"name": "k", "expires_at": in_paris})
    posted = _times(key)
    assert datetime.fromisoformat(posted["expires_at"]) == expires
    got = _times(admin(gateway, "GET", f"/keys/{key['id']}").json())
    assert got == posted
    assert _times(admin(gateway, "GET", "/keys").json()[0]) == posted
    patched = _times(admin(gateway, "PATCH", f"/keys/{key['id']}", json={"tags": ["x"]}).json())
    assert patched["created_at"] == posted["created_at"] and patched["expires_at"] == posted["expires_at"]
    assert patched["updated_at"] > posted["updated_at"]
    assert _times(admin(gateway, "GET", f"/keys/{key['id']}").json()) == patched
    revoked = _times(admin(gateway, "POST", f"/keys/{key['id']}/revoke").json())
    assert _times(admin(gateway, "GET", f"/keys/{key['id']}").json()) == revoked


def test_team_times_are_utc_and_identical_in_every_response(gateway: RunningGateway) -> None:
    team = created(gateway, "/teams", {"name": "t"})
    posted = _times(team)
    assert _times(admin(gateway, "GET", f"/teams/{team['id']}").json()) == posted
    assert _times(admin(gateway, "GET", "/teams").json()[0]) == posted
    patched = _times(admin(gateway, "PATCH", f"/teams/{team['id']}", json={"tags": ["x"]}).json())
    assert patched["created_at"] == posted["created_at"]
    assert _times(admin(gateway, "GET", f"/teams/{team['id']}").json()) == patched


def test_an_expiry_given_without_an_offset_is_read_as_utc(gateway: RunningGateway) -> None:
    naive = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    key = created(gateway, "/keys", {"name": "k", "expires_at": naive.isoformat()})
    assert datetime.fromisoformat(key["expires_at"]) == naive.replace(tzinfo=UTC)
    assert _times(admin(gateway, "GET", f"/keys/{key['id']}").json()) == _times(key)
