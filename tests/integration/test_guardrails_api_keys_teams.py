"""The key and team APIs naming guardrails: only guardrails (and versions) that exist, a team's
change reaching its keys, and teams from before guardrails upgraded to none."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from gateway.db import migrate
from gateway.db.session import make_engine
from tests.integration.admin_helpers import Store, admin, created, stores
from tests.integration.guardrail_api_helpers import (
    control_client,
    create,
    create_plain,
    guardrail_gateway,
    on_gateway,
    unique,
)
from tests.support import postgres
from tests.support.bedrock import REGION
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    yield from stores(request.param, tmp_path_factory.mktemp("guardrails"))


@pytest.fixture(scope="module")
def gateway(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from guardrail_gateway(store, tmp_path_factory.mktemp("gateway"))


@pytest.fixture(scope="module")
def control(gateway: RunningGateway) -> Iterator[Any]:
    yield from control_client(gateway)


def test_keys_and_teams_name_guardrails_that_exist(gateway: RunningGateway, control: Any) -> None:
    gid = create(control)["guardrailId"]
    control.create_guardrail_version(guardrailIdentifier=gid)
    names = [gid, f"{gid}:1", f"{gid}:DRAFT", "no-foo:1", f"arn:aws:bedrock:{REGION}:000000000000:guardrail/{gid}"]

    team = created(gateway, "/teams", {"name": unique("team"), "guardrails": ["no-foo"]})
    key = created(gateway, "/keys", {"name": "guarded", "team_id": team["id"], "guardrails": names})

    assert key["guardrails"] == names and team["guardrails"] == ["no-foo"]
    principal = on_gateway(gateway, lambda state: state.key_directory.principal_for(key["key"]))
    assert principal.guardrails == tuple(names) and principal.team_guardrails == ("no-foo",)
    changed = admin(gateway, "PATCH", f"/teams/{team['id']}", json={"guardrails": [f"{gid}:1"]})
    assert changed.status_code == 200 and changed.json()["guardrails"] == [f"{gid}:1"]
    principal = on_gateway(gateway, lambda state: state.key_directory.principal_for(key["key"]))
    assert principal.team_guardrails == (f"{gid}:1",), "a team's change reaches its keys"


@pytest.mark.parametrize(
    ("path", "entry"),
    [
        ("/keys", "nosuchguardrail"),
        ("/keys", "no-foo:2"),
        ("/keys", "GID:9"),
        ("/keys", "not a guardrail"),
        ("/teams", "nosuchguardrail"),
        ("/teams", "GID:9"),
    ],
)
def test_an_unknown_guardrail_or_version_in_a_key_or_team_is_a_400_naming_the_field(
    gateway: RunningGateway, control: Any, path: str, entry: str
) -> None:
    entry = entry.replace("GID", create_plain(control))
    body = {"name": unique("t"), "guardrails": [entry]}

    made = admin(gateway, "POST", path, json=body)
    existing = created(gateway, path, {"name": unique("t")})
    patched = admin(gateway, "PATCH", f"{path}/{existing['id']}", json={"guardrails": [entry]})

    for response in (made, patched):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["param"] == "guardrails"


def test_teams_from_before_guardrails_have_none_after_the_upgrade(store: Store) -> None:
    """Migration 0004 on a database with teams in it (the module's store is at head: a fresh one)."""

    async def main(url: str) -> list[Any]:
        engine = make_engine(url)
        try:
            await migrate.upgrade(engine, url, "0003")
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO teams (id, name, limits, tags, created_at, updated_at) "
                        "VALUES ('team_old', 'old', '{}', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    )
                )
            await migrate.upgrade(engine, url)
            async with engine.connect() as conn:
                rows = list((await conn.execute(text("SELECT id, guardrails FROM teams"))).all())
            await migrate.downgrade(engine, url, "0003")
            return rows
        finally:
            await engine.dispose()

    if store.kind == "sqlite":
        rows = asyncio.run(main(f"sqlite+aiosqlite:///{store.data_dir.parent / 'upgrade.db'}"))
    else:
        with postgres.scratch_database("strata_upgrade") as name:
            rows = asyncio.run(main(postgres.sqlalchemy_url(name)))
    assert [(team, g if isinstance(g, list) else json.loads(g)) for team, g in rows] == [("team_old", [])]
