"""The allowance bookkeeping on its own (no Redis): what a process may spend without asking."""

from __future__ import annotations

import time

from gateway.schemas.limits import Limits
from gateway.services.quotas.allowance import Allowance, Allowances
from gateway.services.quotas.base import RPM, TPM, Check, Scope

LATER = time.time() + 3600


def check(kind: str, limit: int, amount: int, scope: str = "key:k") -> Check:
    return Check(Scope(scope, scope, Limits()), kind, "1", limit, amount, 120, LATER)  # type: ignore[arg-type]


def holding(**left: int) -> Allowances:
    allowances = Allowances(prefetch_calls=16)
    for key, amount in left.items():
        allowances._held[key] = Allowance(amount, 1000, 500, LATER, time.monotonic())
    return allowances


def test_a_call_is_paid_locally_only_when_every_limit_has_enough() -> None:
    allowances = holding(r=5, t=100)
    assert allowances.spend(["r", "t"], [check(RPM, 1000, 1), check(TPM, 1000, 150)]) is None
    assert (allowances._held["r"].left, allowances._held["t"].left) == (5, 100)  # nothing taken
    assert allowances.spend(["r", "t"], [check(RPM, 1000, 1), check(TPM, 1000, 60)]) == (495, 400)
    assert (allowances._held["r"].left, allowances._held["t"].left) == (4, 40)


def test_a_limit_without_an_allowance_or_changed_since_goes_to_redis() -> None:
    allowances = holding(r=5)
    assert allowances.spend(["r", "other"], [check(RPM, 1000, 1), check(RPM, 1000, 1)]) is None
    assert allowances.spend(["r"], [check(RPM, 10, 1)]) is None  # granted under 1000, now 10
    plan = allowances.plan(["r"], [check(RPM, 10, 1)])
    assert plan.stale == [("r", 5)] and plan.covered == [0] and plan.need == [1] and len(allowances) == 0


def test_what_redis_must_add_is_what_the_allowance_did_not_cover() -> None:
    allowances = holding(t=30)
    plan = allowances.plan(["t"], [check(TPM, 1000, 100)])
    assert (plan.covered, plan.need, plan.want, plan.held) == ([30], [70], [1600], [30])
    allowances.undo(["t"], plan)  # refused: the allowance is whole again
    assert allowances._held["t"].left == 30
    oversized = allowances.plan(["t"], [check(TPM, 1000, 1200)])  # more than the limit: uses it all, asks nothing
    assert (oversized.covered, oversized.need, oversized.want) == ([30], [1170], [0])


def test_refunds_go_into_the_allowance_and_overruns_past_it_go_on() -> None:
    allowances = holding(t=10)
    assert allowances.absorb("t", -40) == 0 and allowances._held["t"].left == 50
    assert allowances.absorb("t", 70) == 20 and allowances._held["t"].left == 0
    assert allowances._held["t"].counted == 520  # the 20 sent on are counted there too
    assert allowances.absorb("unknown", 5) == 5


def test_idle_allowances_are_given_back_and_ended_windows_dropped() -> None:
    allowances = holding(busy=3, idle=7, spent=0, ended=9)
    allowances._held["idle"].touched -= 5
    allowances._held["spent"].touched -= 5
    allowances._held["ended"].resets_at = time.time() - 1
    assert allowances.idle(time.time()) == [("idle", 7)]
    assert list(allowances._held) == ["busy"]
    assert allowances.all() == [("busy", 3)] and len(allowances) == 0
