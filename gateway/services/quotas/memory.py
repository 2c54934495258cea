"""The in-process quota store: the default for one process, and the fallback when Redis is down.

Pure dict arithmetic on the event loop: no await between reading and writing, so a take is
atomic without a lock. One entry per scope and limit holds only the current window (a new
window replaces the old one), so memory stays bounded by the number of scopes, not by time.
Concurrency slots are leases with an expiry, as in Redis, so a slot a bug never gave back frees
itself; expired leases are swept only when a scope is full, which keeps the common take O(1).
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.services.quotas.base import CONCURRENT, Check, Decision, admits


class MemoryStore:
    name = "memory"

    def __init__(self) -> None:
        self._windows: dict[str, tuple[str, int]] = {}  # slot -> (window, used)
        self._leases: dict[str, dict[str, float]] = {}  # slot -> {lease: expires at}

    async def take(self, checks: Sequence[Check], lease: str, now: float) -> Decision:
        return self.take_now(checks, lease, now)

    async def settle(self, adjustments: Sequence[tuple[Check, int]], lease: str) -> None:
        self.settle_now(adjustments, lease)

    def take_now(self, checks: Sequence[Check], lease: str, now: float) -> Decision:
        used: list[int] = []
        refused = -1
        for index, check in enumerate(checks):
            if check.kind == CONCURRENT:
                count = self._held(check, now)
            else:
                entry = self._windows.get(check.slot)
                count = entry[1] if entry is not None and entry[0] == check.window else 0
            used.append(count)
            if refused < 0 and not admits(count, check.amount, check.limit):
                refused = index
        if refused < 0:
            for check, count in zip(checks, used, strict=True):
                if check.kind == CONCURRENT:
                    self._leases.setdefault(check.slot, {})[lease] = now + check.ttl_s
                else:  # written even for 0, so a settlement knows this window is current
                    self._windows[check.slot] = (check.window, count + check.amount)
        return Decision(refused, tuple(used))

    def observe(self, checks: Sequence[Check], decision: Decision) -> None:
        """Remember what a shared store (Redis) said the windows hold, this call included, so that
        if it becomes unreachable this process goes on from there rather than from zero (a key
        that used its minute before an outage would otherwise get a second one)."""
        for check, used in zip(checks, decision.used, strict=False):
            if check.kind == CONCURRENT:
                continue  # slots are held and freed by calls in flight: not a count to carry over
            count = used + check.amount if decision.granted else used
            entry = self._windows.get(check.slot)
            if entry is None or entry[0] != check.window or entry[1] < count:
                self._windows[check.slot] = (check.window, count)

    def settle_now(self, adjustments: Sequence[tuple[Check, int]], lease: str) -> None:
        for check, delta in adjustments:
            slot = check.slot
            if check.kind == CONCURRENT:
                leases = self._leases.get(slot)
                if leases is not None:
                    leases.pop(lease, None)
                    if not leases:
                        del self._leases[slot]
                continue
            entry = self._windows.get(slot)
            if entry is not None and entry[0] == check.window:
                self._windows[slot] = (check.window, max(0, entry[1] + delta))

    def _held(self, check: Check, now: float) -> int:
        leases = self._leases.get(check.slot)
        if not leases:
            return 0
        if len(leases) + 1 > check.limit:  # full: first sweep out leases whose holder never came back
            for lease in [lease for lease, expires in leases.items() if expires <= now]:
                del leases[lease]
        return len(leases)

    def usage(self, check: Check) -> int:
        """What the check's scope has used in its window (for tests and diagnostics)."""
        if check.kind == CONCURRENT:
            return len(self._leases.get(check.slot, ()))
        entry = self._windows.get(check.slot)
        return entry[1] if entry is not None and entry[0] == check.window else 0
