"""Background work: held until it ends, a failure logged with what it was, ended at shutdown."""

from __future__ import annotations

import asyncio
import logging

import pytest

from gateway.background import Background


def test_a_failure_is_logged_with_its_owner_and_task(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        async def fail() -> None:
            raise RuntimeError("disk full")

        background = Background("response cache")
        background.spawn(fail(), "cache-store")
        assert len(background) == 1
        await asyncio.sleep(0.01)
        assert len(background) == 0

    with caplog.at_level(logging.WARNING):
        asyncio.run(main())
    (record,) = [r for r in caplog.records if "background work failed" in r.getMessage()]
    assert record.getMessage().startswith("response cache")
    assert record.fields == {"task": "strata-cache-store", "error": "RuntimeError('disk full')"}  # type: ignore[attr-defined]


def test_drain_lets_quick_work_finish_and_cancels_the_rest() -> None:
    async def main() -> tuple[bool, bool]:
        done = asyncio.Event()

        async def quick() -> None:
            await asyncio.sleep(0.01)
            done.set()

        background = Background("test")
        background.spawn(quick(), "quick")
        slow = background.spawn(asyncio.sleep(60), "slow")
        await background.drain(0.2)
        return done.is_set(), slow.cancelled()

    assert asyncio.run(main()) == (True, True)
