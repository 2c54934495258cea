"""Circuit breakers, on an injected clock: closed -> open (cool-down) -> half-open (one probe) -> closed.

The first half drives `CircuitBreaker` alone; the second drives it the way the pipeline does,
through `Router.begin` and the `Ticket` each attempt reports its outcome on.
"""

from __future__ import annotations

import random

import pytest

from gateway.config.routing import CircuitPolicy, Routing
from gateway.services.catalog import DeploymentHandle, PublicModel
from gateway.services.routing import Router
from gateway.services.routing.circuit import CircuitBreaker, CircuitState
from providers.echo import EchoDeployment, EchoProvider
from providers.errors import ProviderBadRequest, ProviderRateLimited, ProviderUpstreamError


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def breaker(clock: Clock, **policy: float) -> CircuitBreaker:
    values = {"consecutive_failures": 3, "cooldown_s": 10.0, "min_requests": 1000, **policy}
    return CircuitBreaker(CircuitPolicy.model_validate(values), clock)


def fail(circuit: CircuitBreaker, times: int) -> list[bool]:
    return [circuit.record(failed=True) for _ in range(times)]


# ---------------------------------------------------------------- closed -> open


def test_a_new_circuit_is_closed_and_admits_everyone() -> None:
    circuit = breaker(Clock())
    assert circuit.state() is CircuitState.CLOSED
    assert circuit.state().value == "healthy"
    assert all(circuit.admit() for _ in range(10))
    assert circuit.allows()


def test_it_opens_on_exactly_the_configured_number_of_consecutive_failures() -> None:
    circuit = breaker(Clock(), consecutive_failures=3)
    assert fail(circuit, 2) == [False, False]
    assert circuit.state() is CircuitState.CLOSED
    assert circuit.record(failed=True) is True, "the third failure opens it, and says so"
    assert circuit.state() is CircuitState.OPEN
    assert circuit.state().value == "cooling_down"
    assert not circuit.allows() and not circuit.admit()


def test_a_success_resets_the_consecutive_count() -> None:
    circuit = breaker(Clock(), consecutive_failures=3)
    fail(circuit, 2)
    circuit.record(failed=False)
    assert fail(circuit, 2) == [False, False]
    assert circuit.state() is CircuitState.CLOSED


def test_one_failure_opens_when_so_configured() -> None:
    circuit = breaker(Clock(), consecutive_failures=1)
    assert circuit.record(failed=True) is True
    assert circuit.state() is CircuitState.OPEN


# ---------------------------------------------------------------- the cool-down


def test_it_stays_open_for_exactly_the_cool_down() -> None:
    clock = Clock()
    circuit = breaker(clock, cooldown_s=10)
    fail(circuit, 3)
    assert circuit.open_until == pytest.approx(clock.now + 10)
    clock.advance(9.999)
    assert circuit.state() is CircuitState.OPEN
    assert not circuit.admit()
    clock.advance(0.001)
    assert circuit.state() is CircuitState.HALF_OPEN
    assert circuit.state().value == "half_open"


def test_failures_reported_while_open_do_not_extend_the_cool_down() -> None:
    clock = Clock()
    circuit = breaker(clock, cooldown_s=10)
    fail(circuit, 3)
    until = circuit.open_until
    clock.advance(5)
    assert fail(circuit, 5) == [False] * 5, "late failures of calls begun before it opened"
    assert circuit.open_until == until


def test_state_can_be_asked_about_another_moment() -> None:
    clock = Clock()
    circuit = breaker(clock, cooldown_s=10)
    fail(circuit, 3)
    assert circuit.state(clock.now + 11) is CircuitState.HALF_OPEN
    assert circuit.state() is CircuitState.OPEN


# ---------------------------------------------------------------- half-open: one probe


def half_open(clock: Clock, **policy: float) -> CircuitBreaker:
    circuit = breaker(clock, **policy)
    fail(circuit, int(policy.get("consecutive_failures", 3)))
    clock.advance(circuit.policy.cooldown_s)
    assert circuit.state() is CircuitState.HALF_OPEN
    return circuit


def test_half_open_admits_exactly_one_probe() -> None:
    circuit = half_open(Clock())
    assert circuit.allows()
    assert circuit.admit() is True
    assert [circuit.admit() for _ in range(5)] == [False] * 5
    assert not circuit.allows(), "while the probe is out nobody else is routed there"


def test_a_successful_probe_closes_the_circuit() -> None:
    clock = Clock()
    circuit = half_open(clock)
    assert circuit.admit()
    assert circuit.record(failed=False) is False
    assert circuit.state() is CircuitState.CLOSED
    assert all(circuit.admit() for _ in range(3))
    assert fail(circuit, 2) == [False, False], "closing starts the consecutive count afresh"


def test_a_failed_probe_opens_it_for_another_full_cool_down() -> None:
    clock = Clock()
    circuit = half_open(clock, cooldown_s=10)
    assert circuit.admit()
    clock.advance(2)
    assert circuit.record(failed=True) is True
    assert circuit.state() is CircuitState.OPEN
    assert circuit.open_until == pytest.approx(clock.now + 10)
    clock.advance(10)
    assert circuit.admit() is True, "a new probe after the new cool-down"


def test_a_released_probe_lets_the_next_caller_probe() -> None:
    circuit = half_open(Clock())
    assert circuit.admit()
    circuit.release_probe()
    assert circuit.state() is CircuitState.HALF_OPEN
    assert circuit.admit() is True
    assert circuit.admit() is False


# ---------------------------------------------------------------- failure rate over a window


def test_the_failure_rate_opens_it_only_with_enough_requests_to_judge() -> None:
    clock = Clock()
    circuit = breaker(clock, consecutive_failures=100, failure_rate=0.5, min_requests=10, window_s=30)
    for _ in range(4):  # 8 outcomes, half failed: not enough to judge yet
        circuit.record(failed=False)
        assert circuit.record(failed=True) is False
    circuit.record(failed=False)
    assert circuit.record(failed=True) is True, "10 outcomes, 50% failed"
    assert circuit.state() is CircuitState.OPEN


def test_a_low_failure_rate_keeps_it_closed() -> None:
    circuit = breaker(Clock(), consecutive_failures=100, failure_rate=0.5, min_requests=10)
    for _ in range(30):
        circuit.record(failed=False)
        circuit.record(failed=False)
        assert circuit.record(failed=True) is False
    assert circuit.state() is CircuitState.CLOSED


def test_outcomes_older_than_the_window_are_forgotten() -> None:
    clock = Clock()
    circuit = breaker(clock, consecutive_failures=100, failure_rate=0.5, min_requests=4, window_s=30)
    fail(circuit, 3)
    circuit.record(failed=False)  # 4 outcomes would be 75% failed, but they are about to age out...
    clock.advance(31)
    circuit.record(failed=False)
    circuit.record(failed=False)
    circuit.record(failed=False)
    assert circuit.record(failed=True) is False, "only 1 of the last 4 failed"
    assert circuit.state() is CircuitState.CLOSED


# ---------------------------------------------------------------- another process's verdict


def test_force_open_adopts_a_later_deadline_and_ignores_an_earlier_one() -> None:
    clock = Clock()
    circuit = breaker(clock, cooldown_s=10)
    circuit.force_open(clock.now + 20)
    assert circuit.state() is CircuitState.OPEN
    circuit.force_open(clock.now + 5)
    assert circuit.open_until == pytest.approx(clock.now + 20)
    clock.advance(20)
    assert circuit.admit() is True


# ---------------------------------------------------------------- through the router's tickets


def two_deployments(policy: CircuitPolicy) -> tuple[PublicModel, Router, Clock]:
    handles = tuple(
        DeploymentHandle(f"m/{i}", EchoDeployment(provider="echo", priority=i), EchoProvider()) for i in range(2)
    )
    model = PublicModel("m", None, handles, 0, Routing(strategy="priority", circuit=policy))
    clock = Clock()
    router = Router(random.Random(1), clock=clock, wall=clock)
    router.register(model, policy)
    return model, router, clock


POLICY = CircuitPolicy(consecutive_failures=2, cooldown_s=5, min_requests=1000)
BOOM = ProviderUpstreamError("upstream answered 500")


def open_first(model: PublicModel, router: Router) -> None:
    for _ in range(2):
        ticket = router.begin(model.deployments[0], 0, stream=False)
        assert ticket is not None
        ticket.failed(BOOM)


def test_retryable_failures_open_the_circuit_and_take_the_deployment_out_of_the_plan() -> None:
    model, router, clock = two_deployments(POLICY)
    assert [d.id for d in router.plan(model)] == ["m/0", "m/1"]
    open_first(model, router)
    assert [d.id for d in router.plan(model)] == ["m/1"]
    clock.advance(5)
    assert [d.id for d in router.plan(model)] == ["m/0", "m/1"], "half-open: back in the plan for a probe"


@pytest.mark.parametrize(
    "error",
    [ProviderRateLimited("slow down", retry_after=0.001), ProviderBadRequest("bad request")],
    ids=["rate-limited", "bad-request"],
)
def test_rate_limits_and_bad_requests_do_not_count_against_the_circuit(error: Exception) -> None:
    model, router, clock = two_deployments(POLICY)
    for _ in range(5):
        ticket = router.begin(model.deployments[0], 0, stream=False)
        assert ticket is not None
        ticket.failed(error)  # type: ignore[arg-type]
        clock.advance(1)
    assert router.circuit(model.deployments[0]).state() is CircuitState.CLOSED


def test_a_ticket_reports_only_its_first_outcome() -> None:
    model, router, _ = two_deployments(POLICY)
    ticket = router.begin(model.deployments[0], 0, stream=False)
    assert ticket is not None
    ticket.failed(BOOM)
    ticket.failed(BOOM)
    ticket.abandoned()
    assert router.circuit(model.deployments[0]).state() is CircuitState.CLOSED
    assert router.stats(model.deployments[0]).in_flight == 0


def test_during_half_open_begin_hands_out_one_probe() -> None:
    model, router, clock = two_deployments(POLICY)
    open_first(model, router)
    clock.advance(5)
    probe = router.begin(model.deployments[0], 0, stream=False)
    assert probe is not None
    assert router.begin(model.deployments[0], 0, stream=False) is None
    assert [d.id for d in router.plan(model)] == ["m/1"]
    probe.succeeded()
    assert router.circuit(model.deployments[0]).state() is CircuitState.CLOSED
    assert [d.id for d in router.plan(model)] == ["m/0", "m/1"]


@pytest.mark.parametrize("ending", ["abandoned", "rate-limited", "bad-request"])
def test_a_call_that_is_not_the_probe_cannot_free_the_probe_slot(ending: str) -> None:
    """A call begun before the circuit opened may end while the probe is out; its ending says
    nothing about the probe, so it must not let a second request through to the recovering deployment."""
    model, router, clock = two_deployments(POLICY)
    straggler = router.begin(model.deployments[0], 0, stream=False)  # a slow call, begun while closed
    assert straggler is not None
    open_first(model, router)
    clock.advance(5)
    probe = router.begin(model.deployments[0], 0, stream=False)
    assert probe is not None

    if ending == "abandoned":
        straggler.abandoned()
    elif ending == "rate-limited":
        straggler.failed(ProviderRateLimited("slow down", retry_after=0.001))
    else:
        straggler.failed(ProviderBadRequest("bad request"))

    assert router.begin(model.deployments[0], 0, stream=False) is None, "a second probe while the first is out"


def test_while_the_probe_is_out_the_wait_is_not_called_a_rate_limit() -> None:
    """Only the circuit stands in the way, so the caller should hear 'unavailable', not 'rate limited'."""
    model, router, clock = two_deployments(POLICY)
    single = PublicModel("single", None, model.deployments[:1], 0, model.routing)
    open_first(model, router)
    clock.advance(5)
    assert router.begin(single.deployments[0], 0, stream=False) is not None  # the probe
    assert router.plan(single) == []
    _, rested = router.next_opening(single)
    assert rested is False


def test_reset_closes_an_open_circuit() -> None:
    model, router, _ = two_deployments(POLICY)
    open_first(model, router)
    router.reset("m/0")
    assert router.circuit(model.deployments[0]).state() is CircuitState.CLOSED
    assert [d.id for d in router.plan(model)] == ["m/0", "m/1"]
    assert not router.reset("nope"), "an unknown deployment: nothing reset"
    open_first(model, router)
    router.reset()
    assert [d.id for d in router.plan(model)] == ["m/0", "m/1"]
