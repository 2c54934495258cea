"""A Redis outage does not hand out a second window: a key that used its minute through Redis is
still refused by the per-process fallback in the same minute (it went on from zero before, so one
gateway let 2x the rpm through whenever Redis went away)."""

from __future__ import annotations

import asyncio

import pytest

from gateway.errors import RateLimited
from gateway.services.context import CallContext, Principal
from gateway.services.quotas.service import QuotaService
from tests.integration.test_quotas_redis import RedisProxy, fresh
from tests.unit.test_quotas_service import catalog, chat

RPM = 6


def test_a_window_used_up_through_redis_stays_used_up_when_redis_goes_away(redis_url: str) -> None:
    name = f"m-{fresh()}"
    models = catalog({name: {"rpm": RPM}})
    model = models.get(name)

    async def scenario() -> None:
        proxy = RedisProxy()
        await proxy.up()
        quotas = QuotaService(models, redis_url=f"redis://127.0.0.1:{proxy.port}/12", on_redis_failure="local")
        assert quotas.redis is not None
        await quotas.start()
        try:
            for _ in range(RPM):
                call = CallContext(request_id="r", surface="openai", model=name)
                held = await quotas.reserve_chat(call, Principal(key_id="k"), model, chat(name))
                assert held is not None and held.store is quotas.redis
            await proxy.down()
            call = CallContext(request_id="r", surface="openai", model=name)
            with pytest.raises(RateLimited):
                await quotas.reserve_chat(call, Principal(key_id="k"), model, chat(name))
            assert quotas.status()["state"] == "degraded (per-process limits)"
        finally:
            await quotas.aclose()
            await proxy.down()

    asyncio.run(scenario())
