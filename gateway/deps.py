"""Annotated dependencies: how routes reach the app's state and the per-call context.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, a thread
hop per request that cut throughput by more than half.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.api.asgi_routes import presented_key
from gateway.lifespan import AppState
from gateway.services.context import CallContext


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.strata
    return state


async def get_call(request: Request) -> CallContext:
    call: CallContext = request.scope["strata.call"]
    return call


async def get_api_key(request: Request) -> str | None:
    headers = request.headers
    return presented_key(headers.get("authorization"), headers.get("x-api-key"), headers.get("api-key"))


State = Annotated[AppState, Depends(get_state)]
Call = Annotated[CallContext, Depends(get_call)]
ApiKey = Annotated[str | None, Depends(get_api_key)]
