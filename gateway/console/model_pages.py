"""The models page: the catalog, each public model's deployments and their live state; resetting
a deployment's circuit (as ``POST /admin/deployments/{id}/reset`` does, audited the same way), and
clearing a cached model's answers (as ``DELETE /admin/cache?model=`` does, audited the same way)."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from gateway.api.admin import reset_deployments
from gateway.caller_text import shown
from gateway.console.deployments import deployment_rows
from gateway.console.deps import ConsoleDep, Form, SignedIn, StateDep, audit_log
from gateway.errors import NotFound, ServiceUnavailable

router = APIRouter()


@router.get("/models", summary="Models")
async def models_page(
    request: Request,
    state: StateDep,
    console: ConsoleDep,
    session: SignedIn,
    reset: str = "",
    cleared: str = "",
    dropped: int = 0,
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
            "cache": model.cache.mode if model.cache is not None else None,
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
        cleared=cleared[:200],
        dropped=dropped,
    )


@router.post("/models/reset", summary="Reset a deployment's circuit")
async def reset(request: Request, state: StateDep, submitted: Form) -> Response:
    wanted = submitted.form.get("deployment") or None
    if wanted is not None and not state.invoker.router.knows(wanted):
        raise NotFound(f"There is no deployment {shown(wanted)!r}.")
    ids = await reset_deployments(state, wanted)
    await audit_log(state).record(submitted.session.key_id, "console", "reset", "deployment", wanted, {"reset": ids})
    done = wanted or "all"
    return RedirectResponse(f"{request.scope.get('root_path', '')}/models?reset={done}", status_code=303)


@router.post("/models/cache/clear", summary="Clear a model's cached answers")
async def clear_cache(request: Request, state: StateDep, submitted: Form) -> Response:
    model = submitted.form.get("model")
    entry = next((m for m in state.catalog if m.name == model), None)
    if entry is None or entry.cache is None or state.cache is None:
        raise NotFound(f"There is no model {shown(model or '')!r} with a response cache.")
    try:
        dropped = await state.cache.clear(model, None)
    except Exception as exc:  # boundary: the store (Redis) failed; nothing was confirmed dropped
        raise ServiceUnavailable(f"The cache store could not be cleared ({type(exc).__name__}); try again.") from None
    details = {"model": model, "team": None, **dropped}
    await audit_log(state).record(submitted.session.key_id, "console", "clear", "cache", model, details)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/models?{urlencode({'cleared': model, 'dropped': dropped['deleted']})}", 303)
