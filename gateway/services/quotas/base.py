"""Quota checks as plain data, and the small contract both stores implement.

A call's quota work is a tuple of `Check`s, one per scope and limit ("model gpt-x, rpm, this
minute"). A store takes them all or none in one atomic step and gives back the difference once
the real counts are known. Keeping checks as data means the in-process store and the Redis Lua
script apply the same rule (`admits`), and the service builds headers and errors without knowing
which store answered.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

from gateway.schemas.limits import Limits

Kind = Literal["rpm", "tpm", "max_concurrent", "budget_usd_day", "budget_usd_month"]
RPM: Final = "rpm"
TPM: Final = "tpm"
CONCURRENT: Final = "max_concurrent"
BUDGET_DAY: Final = "budget_usd_day"
BUDGET_MONTH: Final = "budget_usd_month"
BUDGETS: Final = (BUDGET_DAY, BUDGET_MONTH)

MICROS_PER_USD: Final = 1_000_000
MINUTE_TTL_S: Final = 120  # a minute's counters outlive it by a minute: late settlements still land
_DAY_S: Final = 86_400


@dataclass(frozen=True, slots=True)
class Scope:
    """Who shares a set of limits: a key, a team, a model, or one key on one model."""

    ident: str  # the storage id: "model:gpt-x", "key:k1", "team:t1", "key:k1|model:gpt-x"
    label: str  # for people: "model gpt-x", "key k1", "key k1 on model gpt-x"
    limits: Limits


@dataclass(slots=True)
class Check:
    """One limit of one scope, in the window this call falls in, and what the call takes from it.

    Amounts and limits are integers in the limit's own unit: requests, tokens, slots, or
    micro-dollars (so Redis keeps spend exact with INCRBY). Treated as immutable; not frozen
    only because a frozen dataclass is several times slower to build, and two or more are
    built per limited call.
    """

    scope: Scope
    kind: Kind
    window: str  # "" for concurrency; the minute number, "20250131" or "202501" otherwise
    limit: int
    amount: int
    ttl_s: int  # how long the stored counter lives; for concurrency, the lease of one slot
    resets_at: float  # wall-clock second the window ends (concurrency: a guess at a free slot)
    slot: str = field(init=False)  # the counter's name without its window: "model:gpt-x:rpm"

    def __post_init__(self) -> None:
        self.slot = self.scope.ident + ":" + self.kind


@dataclass(frozen=True, slots=True)
class Decision:
    """A store's answer: each check's usage before this call, and the first that did not fit."""

    refused: int  # index into the checks; -1 when every check was taken
    used: tuple[int, ...]

    @property
    def granted(self) -> bool:
        return self.refused < 0


def admits(used: int, amount: int, limit: int) -> bool:
    """The one admission rule (the Lua script repeats it): the call fits, or it is bigger than the
    whole limit and the window is empty, so an oversized call runs alone instead of never."""
    return used + amount <= limit or (used == 0 and limit > 0)


class QuotaStore(Protocol):
    """Where counters live. Both calls are atomic over all the checks they are given.

    >>> decision = await store.take(checks, lease="a1:7", now=time.time())
    >>> if decision.granted: ...; await store.settle([(check, real - check.amount), ...], "a1:7")
    """

    name: str

    async def take(self, checks: Sequence[Check], lease: str, now: float) -> Decision:
        """All checks fit: add every amount (and hold a concurrency slot under `lease`).
        Else change nothing. Either way report the usage seen."""
        ...

    async def settle(self, adjustments: Sequence[tuple[Check, int]], lease: str) -> None:
        """Add each delta to its check's window (refunds are negative) and free concurrency slots.
        A window that has since expired is left alone."""
        ...


@dataclass(slots=True)
class Reservation:
    """What one call took, kept until it settles (exactly once) in the store that granted it."""

    store: QuotaStore
    checks: tuple[Check, ...]
    lease: str
    settled: bool = False


def minute_window(now: float) -> tuple[str, float]:
    minute = int(now // 60)
    return str(minute), (minute + 1) * 60.0


def day_window(now: float) -> tuple[str, float]:
    day = int(now // _DAY_S)
    return time.strftime("%Y%m%d", time.gmtime(now)), (day + 1) * float(_DAY_S)


def month_window(now: float) -> tuple[str, float]:
    t = time.gmtime(now)
    year, month = (t.tm_year + 1, 1) if t.tm_mon == 12 else (t.tm_year, t.tm_mon + 1)
    return f"{t.tm_year:04d}{t.tm_mon:02d}", float(calendar.timegm((year, month, 1, 0, 0, 0)))


# The largest amount one call may reserve (tokens or micro-dollars): above every limit a key, team or
# model may have (10^12 tokens, 10^15 micro-dollars), and exact in Redis's 64-bit integers and Lua's
# doubles. A request asking for more (max_tokens = 2^63 with n = 128) reserves this much instead.
MAX_AMOUNT = 2**53


def usd_to_micros(usd: float) -> int:
    """Reservations round up: a budget is never under-reserved by rounding."""
    micros = min(usd * MICROS_PER_USD, float(MAX_AMOUNT))
    whole = int(micros)
    return whole + 1 if micros > whole else whole
