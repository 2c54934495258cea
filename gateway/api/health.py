"""Liveness and readiness, for load balancers and orchestrators (no key needed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.deps import State

router = APIRouter(prefix="/health", tags=["Health"])


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Starting, or a deployment is not ready"}})
async def ready(state: State) -> JSONResponse:
    """Ready once started and every deployment is loaded. An upstream whose circuit is open does
    not make this process unready (it can still serve the rest); its routing state is shown."""
    deployments: dict[str, dict[str, Any]] = {}
    for model in state.catalog:
        routing = {row["deployment"]: row for row in state.invoker.router.snapshot(model)}
        for deployment in model.deployments:
            health = await deployment.provider.health()
            problem = state.problems.get(deployment.id)
            deployments[deployment.id] = {
                "model": model.name,
                "provider": deployment.provider_type,
                "state": "failed" if problem else health.state.value,
                **({"detail": problem or health.detail} if (problem or health.detail) else {}),
                "routing": {k: v for k, v in routing[deployment.id].items() if k != "deployment" and v is not None},
            }
    all_ready = state.started and all(d["state"] == "ready" for d in deployments.values())
    body: dict[str, Any] = {
        "status": "ready" if all_ready else "not_ready",
        "started": state.started,
        "deployments": deployments,
    }
    # Unwritten records: how many, how old, how many dropped.
    body["usage"] = state.usage.snapshot() if state.settings.usage_records else {"state": "off"}
    if state.shared_circuits is not None:
        body["shared_routing_state"] = "ok" if state.shared_circuits.healthy else "degraded (local only)"
    # Where limits are enforced; a Redis outage degrades them (per process, or refusing) but does
    # not make this process unready: it can still serve.
    body["quotas"] = state.quotas.status()
    return JSONResponse(body, status_code=200 if all_ready else 503)
