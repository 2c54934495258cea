"""How many requests are being handled right now (counted by the request boundary)."""

from __future__ import annotations

import asyncio


class InFlight:
    """Requests being handled right now, so that shutdown can wait for the last one's usage record
    (uvicorn cancels requests past its grace period and at once starts the app's shutdown)."""

    def __init__(self) -> None:
        self.count = 0
        self._idle: asyncio.Event | None = None

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0 and self._idle is not None:
            self._idle.set()

    async def drained(self, timeout_s: float) -> bool:
        """Wait until no request is in flight (at most ``timeout_s``); whether that happened."""
        if self.count == 0:
            return True
        self._idle = asyncio.Event()
        try:
            async with asyncio.timeout(timeout_s):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True
