"""The models page: the catalog, each public model's deployments and their live state; resetting
a deployment's circuit (as ``POST /admin/deployments/{id}/reset`` does, audited the same way)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from gateway.api.admin import reset_deployments
from gateway.console.deployments import deployment_rows
from gateway.console.deps import ConsoleDep, Form, SignedIn, StateDep, audit_log
from gateway.errors import NotFound

router = APIRouter()


@router.get("/models", summary="Models")
async def models_page(
    request: Request, state: StateDep, console: ConsoleDep, session: SignedIn, reset: str = ""
) -> Response:
    models = [
        {
            "name": model.name,
            "description": model.description,
            "strategy": model.strategy,
            "capabilities": [name for name, on in asdict(model.capabilities).items() if on],
            "fallbacks": list(model.routing.fallbacks),
            "guardrails": list(model.guardrails),
            "limits": model.limits.model_dump(exclude_none=True),
            "routed": model.prompt_router is not None,
            "deployments": len(model.deployments),
        }
        for model in state.catalog
    ]
    return console.pages.render(
        request,
        "models.html",
        session=session,
        title="Models",
        models=models,
        deployments=await deployment_rows(state),
        resettable=True,
        reset=reset,
    )


@router.post("/models/reset", summary="Reset a deployment's circuit")
async def reset(request: Request, state: StateDep, submitted: Form) -> Response:
    wanted = submitted.form.get("deployment") or None
    if wanted is not None and not state.invoker.router.knows(wanted):
        raise NotFound(f"There is no deployment {wanted!r}.")
    ids = await reset_deployments(state, wanted)
    await audit_log(state).record(submitted.session.key_id, "console", "reset", "deployment", wanted, {"reset": ids})
    done = wanted or "all"
    return RedirectResponse(f"{request.scope.get('root_path', '')}/models?reset={done}", status_code=303)
