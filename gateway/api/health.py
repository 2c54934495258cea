"""Liveness and readiness, for load balancers and orchestrators (no key needed).

Readiness shows every component's state to anyone; the details (error text from upstreams, the
database or Redis, routing figures, usage counters) only to the master key or an admin key, since
they can name hosts, paths and internals.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.deps import ApiKey, Call, State
from gateway.errors import StrataError
from gateway.lifespan import AppState
from gateway.services.context import CallContext

router = APIRouter(prefix="/health", tags=["Health"])


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Starting, shutting down, or a deployment is not ready"}})
async def ready(state: State, call: Call, key: ApiKey) -> JSONResponse:
    """Ready once started and every deployment is loaded, until shutdown begins (SIGTERM: from then
    on 503, ``"status": "draining"``, so that balancers send no more). An upstream whose circuit is
    open does not make this process unready (it can still serve the rest); its routing state is shown."""
    details = await _is_admin(state, call, key)
    deployments: dict[str, dict[str, Any]] = {}
    for model in state.catalog:
        routing = {row["deployment"]: row for row in state.invoker.router.snapshot(model)}
        for deployment in model.deployments:
            health = await deployment.provider.health()
            problem = state.problems.get(deployment.id)
            row: dict[str, Any] = {
                "model": model.name,
                "provider": deployment.provider_type,
                "state": "failed" if problem else health.state.value,
            }
            if details:
                if problem or health.detail:
                    row["detail"] = problem or health.detail
                row["routing"] = {
                    k: v for k, v in routing[deployment.id].items() if k != "deployment" and v is not None
                }
            deployments[deployment.id] = row
    draining = bool(state.drain.phase)
    all_ready = state.started and not draining and all(d["state"] == "ready" for d in deployments.values())
    body: dict[str, Any] = {
        "status": "ready" if all_ready else "draining" if draining else "not_ready",
        "started": state.started,
        "deployments": deployments,
    }
    # Unwritten records: how many, how old, how many dropped.
    usage = state.usage.snapshot() if state.settings.usage_records else {"state": "off"}
    body["usage"] = usage if details else {"state": usage["state"]}
    if state.shared_circuits is not None:
        body["shared_routing_state"] = "ok" if state.shared_circuits.healthy else "degraded (local only)"
    # Where limits are enforced; a Redis outage degrades them (per process, or refusing) but does
    # not make this process unready: it can still serve.
    quotas = state.quotas.status()
    body["quotas"] = quotas if details else {k: v for k, v in quotas.items() if k != "error"}
    return JSONResponse(body, status_code=200 if all_ready else 503)


async def _is_admin(state: AppState, call: CallContext, key: str | None) -> bool:
    """Whether the caller showed an admin key; anyone else (no key, a wrong one) sees the states."""
    if not key:
        return False
    try:
        principal = await state.invoker.authenticate(call, key)
    except StrataError:
        return False
    return principal.is_admin


# HEAD too (RFC 9110: wherever GET is served): some load balancers' health checks send it. Kept out
# of the schema, where it would repeat GET's operation.
router.add_api_route("/live", live, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/ready", ready, methods=["HEAD"], include_in_schema=False)
