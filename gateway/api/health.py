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
    deployments: dict[str, dict[str, Any]] = {}
    for model in state.catalog:
        for deployment in model.deployments:
            health = await deployment.provider.health()
            problem = state.problems.get(deployment.id)
            deployments[deployment.id] = {
                "model": model.name,
                "provider": deployment.provider_type,
                "state": "failed" if problem else health.state.value,
                **({"detail": problem or health.detail} if (problem or health.detail) else {}),
            }
    all_ready = state.started and all(d["state"] == "ready" for d in deployments.values())
    body = {"status": "ready" if all_ready else "not_ready", "started": state.started, "deployments": deployments}
    return JSONResponse(body, status_code=200 if all_ready else 503)
