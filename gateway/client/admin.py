"""``client.admin``: keys, teams, guardrails, deployments, usage, budget alerts and the response
cache (the last two in admin_alerts.py), for a master or admin key.

Each resource is a thin shell over admin_calls.py; the sync and async versions differ only in
``await``. Listings that the gateway pages (usage records, guardrails) are walked to the end here.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Unpack

from gateway.client import admin_calls as calls
from gateway.client.admin_alerts import Alerts, AsyncAlerts, AsyncCache, Cache
from gateway.client.admin_calls import KeyChanges, KeyOptions, RecordFilters, TeamChanges, TeamOptions, UsageFilters
from gateway.client.admin_types import (
    Guardrail,
    GuardrailChanged,
    GuardrailSummary,
    Key,
    KeyCreated,
    ModelDeployments,
    Team,
    UsageDaily,
    UsageRecord,
    UsageTotals,
    records_frame,
)
from gateway.client.transport import AsyncTransport, SyncTransport

GUARDRAIL_PAGE = 100


class Keys:
    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport

    def create(self, name: str, **options: Unpack[KeyOptions]) -> KeyCreated:
        """A new key; ``.key`` is its secret, shown this once."""
        return self._t.run(calls.create_key(name, options))

    def list(self, *, team_id: str | None = None, include_revoked: bool = False) -> builtins.list[Key]:
        return self._t.run(calls.list_keys(team_id, include_revoked))

    def get(self, key_id: str) -> Key:
        return self._t.run(calls.get_key(key_id))

    def update(self, key_id: str, **changes: Unpack[KeyChanges]) -> Key:
        """Change the fields given (None: the field's null meaning); effective within the key cache's TTL."""
        return self._t.run(calls.update_key(key_id, changes))

    def revoke(self, key_id: str) -> Key:
        return self._t.run(calls.revoke_key(key_id))

    def delete(self, key_id: str) -> None:
        """For good: the key stops working at once; its usage records keep its id."""
        self._t.run(calls.delete_key(key_id))


class Teams:
    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport

    def create(self, name: str, **options: Unpack[TeamOptions]) -> Team:
        return self._t.run(calls.create_team(name, options))

    def list(self) -> builtins.list[Team]:
        return self._t.run(calls.list_teams())

    def get(self, team_id: str) -> Team:
        return self._t.run(calls.get_team(team_id))

    def update(self, team_id: str, **changes: Unpack[TeamChanges]) -> Team:
        return self._t.run(calls.update_team(team_id, changes))

    def delete(self, team_id: str) -> None:
        """Only once every key of the team is revoked (ConflictError otherwise)."""
        self._t.run(calls.delete_team(team_id))


class Deployments:
    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport

    def list(self) -> builtins.list[ModelDeployments]:
        """Every model's deployments: circuit state, in-flight calls, latencies, last minute's use."""
        return self._t.run(calls.list_deployments())

    state = list

    def reset(self, deployment_id: str | None = None) -> builtins.list[str]:
        """Put one deployment (or all) back into rotation; the ids reset."""
        return self._t.run(calls.reset_deployments(deployment_id))


class Records:
    """Every usage record that matches, newest first, fetched a page at a time as it is iterated."""

    def __init__(self, transport: SyncTransport, filters: RecordFilters, page_size: int) -> None:
        self._t, self._filters, self._page_size = transport, filters, page_size

    def __iter__(self) -> Iterator[UsageRecord]:
        cursor: str | None = None
        while True:
            page = self._t.run(calls.usage_records(self._filters, self._page_size, cursor))
            yield from page.rows
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def to_pandas(self) -> Any:
        return records_frame(builtins.list(self))


class Usage:
    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport

    def totals(
        self, group_by: str | None = None, *, limit: int | None = None, **filters: Unpack[UsageFilters]
    ) -> UsageTotals:
        """Requests, errors, tokens, cost and latency over the days; ``group_by``: key, team, model or day."""
        return self._t.run(calls.usage_totals(group_by, limit, filters))

    def daily(
        self, group_by: str | None = None, *, groups: int | None = None, **filters: Unpack[UsageFilters]
    ) -> UsageDaily:
        """A row per day (and per key, team or model: the ``groups`` most expensive)."""
        return self._t.run(calls.usage_daily(group_by, groups, filters))

    def records(self, *, page_size: int = 500, **filters: Unpack[RecordFilters]) -> Records:
        return Records(self._t, filters, page_size)


class Guardrails:
    """Bedrock's guardrail resources, in Bedrock's names (as boto3's ``bedrock`` client sends them)."""

    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport

    def list(self, identifier: str | None = None) -> builtins.list[GuardrailSummary]:
        """Every guardrail's DRAFT; given ``identifier``, every version of that one."""
        found: builtins.list[GuardrailSummary] = []
        token: str | None = None
        while True:
            page, token = self._t.run(calls.list_guardrails(identifier, token, GUARDRAIL_PAGE))
            found += page
            if token is None:
                return found

    def get(self, identifier: str, version: str | None = None) -> Guardrail:
        return self._t.run(calls.get_guardrail(identifier, version))

    def create(self, definition: Mapping[str, Any] | None = None, **fields: Any) -> GuardrailChanged:
        """CreateGuardrail: ``name``, ``blockedInputMessaging``, ``blockedOutputsMessaging`` and policies."""
        return self._t.run(calls.create_guardrail({**(definition or {}), **fields}))

    def update(self, identifier: str, definition: Mapping[str, Any] | None = None, **fields: Any) -> GuardrailChanged:
        """UpdateGuardrail: the whole new DRAFT definition."""
        return self._t.run(calls.update_guardrail(identifier, {**(definition or {}), **fields}))

    def create_version(self, identifier: str, description: str | None = None) -> GuardrailChanged:
        return self._t.run(calls.create_guardrail_version(identifier, description))

    def delete(self, identifier: str, version: str | None = None) -> None:
        self._t.run(calls.delete_guardrail(identifier, version))


class Admin:
    def __init__(self, transport: SyncTransport) -> None:
        self.keys = Keys(transport)
        self.teams = Teams(transport)
        self.deployments = Deployments(transport)
        self.usage = Usage(transport)
        self.guardrails = Guardrails(transport)
        self.alerts = Alerts(transport)
        self.cache = Cache(transport)


# ---------------------------------------------------------------- async


class AsyncKeys:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def create(self, name: str, **options: Unpack[KeyOptions]) -> KeyCreated:
        return await self._t.run(calls.create_key(name, options))

    async def list(self, *, team_id: str | None = None, include_revoked: bool = False) -> builtins.list[Key]:
        return await self._t.run(calls.list_keys(team_id, include_revoked))

    async def get(self, key_id: str) -> Key:
        return await self._t.run(calls.get_key(key_id))

    async def update(self, key_id: str, **changes: Unpack[KeyChanges]) -> Key:
        return await self._t.run(calls.update_key(key_id, changes))

    async def revoke(self, key_id: str) -> Key:
        return await self._t.run(calls.revoke_key(key_id))

    async def delete(self, key_id: str) -> None:
        await self._t.run(calls.delete_key(key_id))


class AsyncTeams:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def create(self, name: str, **options: Unpack[TeamOptions]) -> Team:
        return await self._t.run(calls.create_team(name, options))

    async def list(self) -> builtins.list[Team]:
        return await self._t.run(calls.list_teams())

    async def get(self, team_id: str) -> Team:
        return await self._t.run(calls.get_team(team_id))

    async def update(self, team_id: str, **changes: Unpack[TeamChanges]) -> Team:
        return await self._t.run(calls.update_team(team_id, changes))

    async def delete(self, team_id: str) -> None:
        await self._t.run(calls.delete_team(team_id))


class AsyncDeployments:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def list(self) -> builtins.list[ModelDeployments]:
        return await self._t.run(calls.list_deployments())

    state = list

    async def reset(self, deployment_id: str | None = None) -> builtins.list[str]:
        return await self._t.run(calls.reset_deployments(deployment_id))


class AsyncRecords:
    """``async for record in ...``; or ``await ....to_list()`` / ``await ....to_pandas()``."""

    def __init__(self, transport: AsyncTransport, filters: RecordFilters, page_size: int) -> None:
        self._t, self._filters, self._page_size = transport, filters, page_size

    async def __aiter__(self) -> AsyncIterator[UsageRecord]:
        cursor: str | None = None
        while True:
            page = await self._t.run(calls.usage_records(self._filters, self._page_size, cursor))
            for row in page.rows:
                yield row
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def to_list(self) -> builtins.list[UsageRecord]:
        return [record async for record in self]

    async def to_pandas(self) -> Any:
        return records_frame(await self.to_list())


class AsyncUsage:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def totals(
        self, group_by: str | None = None, *, limit: int | None = None, **filters: Unpack[UsageFilters]
    ) -> UsageTotals:
        return await self._t.run(calls.usage_totals(group_by, limit, filters))

    async def daily(
        self, group_by: str | None = None, *, groups: int | None = None, **filters: Unpack[UsageFilters]
    ) -> UsageDaily:
        return await self._t.run(calls.usage_daily(group_by, groups, filters))

    def records(self, *, page_size: int = 500, **filters: Unpack[RecordFilters]) -> AsyncRecords:
        return AsyncRecords(self._t, filters, page_size)


class AsyncGuardrails:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def list(self, identifier: str | None = None) -> builtins.list[GuardrailSummary]:
        found: builtins.list[GuardrailSummary] = []
        token: str | None = None
        while True:
            page, token = await self._t.run(calls.list_guardrails(identifier, token, GUARDRAIL_PAGE))
            found += page
            if token is None:
                return found

    async def get(self, identifier: str, version: str | None = None) -> Guardrail:
        return await self._t.run(calls.get_guardrail(identifier, version))

    async def create(self, definition: Mapping[str, Any] | None = None, **fields: Any) -> GuardrailChanged:
        return await self._t.run(calls.create_guardrail({**(definition or {}), **fields}))

    async def update(
        self, identifier: str, definition: Mapping[str, Any] | None = None, **fields: Any
    ) -> GuardrailChanged:
        return await self._t.run(calls.update_guardrail(identifier, {**(definition or {}), **fields}))

    async def create_version(self, identifier: str, description: str | None = None) -> GuardrailChanged:
        return await self._t.run(calls.create_guardrail_version(identifier, description))

    async def delete(self, identifier: str, version: str | None = None) -> None:
        await self._t.run(calls.delete_guardrail(identifier, version))


class AsyncAdmin:
    def __init__(self, transport: AsyncTransport) -> None:
        self.keys = AsyncKeys(transport)
        self.teams = AsyncTeams(transport)
        self.deployments = AsyncDeployments(transport)
        self.usage = AsyncUsage(transport)
        self.guardrails = AsyncGuardrails(transport)
        self.alerts = AsyncAlerts(transport)
        self.cache = AsyncCache(transport)
