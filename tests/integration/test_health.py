"""Readiness for load balancers: the state of everything for anyone, the details (error text that
can name hosts and internals, routing figures, usage counters) only for an admin key."""

from __future__ import annotations

import httpx

from tests.support.gateway import RunningGateway


def test_anyone_sees_the_states_only_an_admin_sees_the_details(shared_gateway: RunningGateway) -> None:
    base = shared_gateway.base_url
    httpx.post(
        f"{shared_gateway.openai_base}/chat/completions",
        headers=shared_gateway.headers(),
        json={"model": "gpt-down", "messages": [{"role": "user", "content": "hi"}]},
    )
    public = httpx.get(f"{base}/health/ready").json()
    wrong = httpx.get(f"{base}/health/ready", headers={"Authorization": "Bearer sk-not-a-key"}).json()
    admin = httpx.get(f"{base}/health/ready", headers=shared_gateway.headers()).json()

    assert public == wrong, "a wrong key sees what anyone sees"
    down = public["deployments"]["gpt-down/0"]
    assert set(down) == {"model", "provider", "state"}
    assert set(public["usage"]) == {"state"} and set(public["quotas"]) <= {"backend", "state"}
    assert "127.0.0.1" not in str(public)

    details = admin["deployments"]["gpt-down/0"]
    assert "routing" in details and details["state"] == down["state"]
    assert {"buffered", "written", "dropped"} <= set(admin["usage"])


def test_a_load_balancers_head_check_gets_the_status_and_no_body(shared_gateway: RunningGateway) -> None:
    for path in ("/health/live", "/health/ready"):
        get = httpx.get(f"{shared_gateway.base_url}{path}", timeout=10)
        head = httpx.head(f"{shared_gateway.base_url}{path}", timeout=10)
        assert (head.status_code, head.content) == (get.status_code, b""), path
