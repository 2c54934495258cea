"""Allowances: capacity a process has taken from a shared Redis counter ahead of its calls.

Asking Redis on every call costs a round trip per request (~0.3 ms at concurrency 1 on a small
machine). Instead, when a call has to go to Redis anyway, it also asks for a little more of each
limit than it needs: an *allowance* this process then spends on its next calls without asking.
The shared counter already holds every allowance handed out, so the sum of what all processes may
admit never passes the limit: an allowance moves capacity between processes, it never creates any.

What it costs is that capacity one process holds is not available to the others until it is
spent or given back, so limits may refuse a little early, never late. To keep that small:

- a grant is at most ``1 / GRANT_SHARE`` of what is left in the window (Redis computes it, so
  concurrent grants see each other), hence none near the limit: the last calls of a window are
  decided one by one in Redis, exactly as without allowances;
- an allowance nobody used for ``IDLE_RETURN_S`` is given back, and all of them at shutdown;
- refunds at settlement (fewer tokens than reserved, a cheaper call) go into the allowance, and
  overruns come out of it before anything is sent to Redis.

Concurrency slots are not leased ahead: a slot is held for a call's whole life and freed at its
end, so a call with a concurrency limit is always decided in Redis.

This module is the bookkeeping only (no I/O), so its arithmetic is tested on its own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from gateway.services.quotas.base import CONCURRENT, Check

GRANT_SHARE: Final = 8  # a grant takes at most an eighth of what the window has left
IDLE_RETURN_S: Final = 1.0  # an allowance untouched this long goes back to the shared counter


@dataclass(slots=True)
class Allowance:
    """Capacity of one counter (one scope, limit and window) that this process holds."""

    left: int  # taken from the shared counter, not yet spent by a call here
    limit: int  # the limit it was granted under: a changed limit sends it back first
    counted: int  # the shared counter as this process last knew it (everyone's takes, ours included)
    resets_at: float  # wall-clock end of the window: afterwards it is worth nothing
    touched: float  # monotonic time of its last use


@dataclass(slots=True)
class Plan:
    """A call that must go to Redis: what the local allowances already covered (taken from them
    already, so concurrent calls cannot spend it twice), what Redis must add, what to ask ahead,
    and what this process held unspent in each counter before the call."""

    covered: list[int]
    need: list[int]
    want: list[int]
    held: list[int]
    stale: list[tuple[str, int]]  # allowances granted under another limit: to give back first


class Allowances:
    def __init__(self, prefetch_calls: int) -> None:
        self.prefetch_calls = prefetch_calls
        self._held: dict[str, Allowance] = {}  # counter key -> allowance

    def __len__(self) -> int:
        return len(self._held)

    def spend(self, keys: Sequence[str], checks: Sequence[Check]) -> tuple[int, ...] | None:
        """Take every check's amount from the allowances, all or nothing. Returns each check's
        usage before this call (as far as this process knows), or None when Redis must decide."""
        held = self._held
        entries = []
        for key, check in zip(keys, checks, strict=True):
            entry = held.get(key)
            if entry is None or entry.left < check.amount or entry.limit != check.limit:
                return None
            entries.append(entry)
        used = []
        now = time.monotonic()
        for entry, check in zip(entries, checks, strict=True):
            used.append(entry.counted - entry.left)
            entry.left -= check.amount
            entry.touched = now
        return tuple(used)

    def plan(self, keys: Sequence[str], checks: Sequence[Check]) -> Plan:
        """Spend what the allowances have towards each check; the rest (and a prefetch) is for Redis.
        An oversized call (more than the whole limit) may run alone in a window empty of others'
        use, so it takes all of this process's allowance and asks for nothing ahead."""
        plan = Plan([], [], [], [], [])
        now = time.monotonic()
        for key, check in zip(keys, checks, strict=True):
            entry = self._held.get(key)
            if entry is not None and entry.limit != check.limit:  # the limit changed since the grant
                del self._held[key]
                if entry.left:
                    plan.stale.append((key, entry.left))
                entry = None
            amount = check.amount
            held = part = 0
            if entry is not None:
                held = entry.left
                part = held if amount > check.limit else min(held, amount)
                entry.left -= part
                entry.touched = now
            plan.covered.append(part)
            plan.need.append(max(amount - part, 0))
            ahead = check.kind != CONCURRENT and amount <= check.limit
            plan.want.append(amount * self.prefetch_calls if ahead else 0)
            plan.held.append(held)
        return plan

    def undo(self, keys: Sequence[str], plan: Plan) -> None:
        """Redis refused (or failed): what the allowances covered goes back to them."""
        for key, part in zip(keys, plan.covered, strict=True):
            entry = self._held.get(key)
            if part and entry is not None:
                entry.left += part

    def granted(
        self, keys: Sequence[str], checks: Sequence[Check], plan: Plan, counted: Sequence[int], extra: Sequence[int]
    ) -> tuple[int, ...]:
        """Redis took ``need`` (+ ``extra`` for later calls) from counters that stood at ``counted``.
        Returns each check's usage before this call, less what this process held unspent."""
        now = time.monotonic()
        for key, check, need, seen, more in zip(keys, checks, plan.need, counted, extra, strict=True):
            entry = self._held.get(key)
            if entry is None:
                if not more:
                    continue
                entry = self._held[key] = Allowance(0, check.limit, 0, check.resets_at, now)
            entry.left += more
            entry.counted = seen + need + more
            entry.touched = now
        return self.usage(counted, plan)

    @staticmethod
    def usage(counted: Sequence[int], plan: Plan) -> tuple[int, ...]:
        """Usage figures for headers and refusals: the shared counters less what this process held
        unspent in them (exact with one process; others' unspent allowances count as used)."""
        return tuple(max(seen - held, 0) for seen, held in zip(counted, plan.held, strict=True))

    def absorb(self, key: str, delta: int) -> int:
        """A settlement's delta against an allowance: refunds (negative) go into it, overruns come
        out of it. Returns what is left for the shared counter (0 when the allowance took it all)."""
        entry = self._held.get(key)
        if entry is None:
            return delta
        if delta <= 0:
            entry.left -= delta
            return 0
        part = min(entry.left, delta)
        entry.left -= part
        entry.counted += delta - part  # the rest goes to the shared counter
        return delta - part

    def idle(self, wall_now: float, idle_s: float = IDLE_RETURN_S) -> list[tuple[str, int]]:
        """Remove and return (key, unspent) for allowances idle for ``idle_s``; expired windows are
        dropped with nothing to give back (their counters expire on their own)."""
        cutoff = time.monotonic() - idle_s
        back: list[tuple[str, int]] = []
        for key, entry in list(self._held.items()):
            if entry.resets_at <= wall_now:
                del self._held[key]
            elif entry.touched <= cutoff:
                del self._held[key]
                if entry.left > 0:
                    back.append((key, entry.left))
        return back

    def snapshot(self) -> dict[str, int]:
        """What this process holds unspent, per counter (written to Redis: holdings.py)."""
        return {key: entry.left for key, entry in self._held.items() if entry.left > 0}

    def all(self) -> list[tuple[str, int]]:
        """Remove and return every unspent allowance (shutting down)."""
        back = [(key, entry.left) for key, entry in self._held.items() if entry.left > 0]
        self._held.clear()
        return back

    def forget(self) -> None:
        """Redis failed: what was held stays counted there until its window ends; start afresh."""
        self._held.clear()
