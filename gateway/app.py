"""create_app(): routes, the request boundary and error rendering; resources come from the lifespan."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from gateway import __version__
from gateway.api import admin, admin_keys, bedrock, bedrock_control, health, openai, usage
from gateway.api.docs import install_openapi
from gateway.api.hot import HotRoutes
from gateway.api.rendering import error_response
from gateway.bootstrap import load_configuration
from gateway.config import Catalog
from gateway.errors import InvalidRequest, NotFound, StrataError
from gateway.keys import ensure_master_key
from gateway.lifespan import AppState, build_state, lifespan
from gateway.middleware import RequestContextMiddleware
from gateway.services.context import CallContext
from gateway.settings import Settings


class StrataApp(FastAPI):
    """FastAPI, entered through the request boundary, with hot routes dispatched before it.

    Every HTTP request gets its id, log line and last-resort error handling first; then the
    invoke endpoints go straight to their handlers (api/hot.py) and the rest to FastAPI.
    """

    def __init__(self, state: AppState, hot: HotRoutes) -> None:
        super().__init__(
            title="Strata",
            version=__version__,
            description="A provider-agnostic model gateway: OpenAI- and Bedrock-compatible APIs.",
            lifespan=lifespan,
        )
        self.state.strata = state
        self.hot = hot
        usage = state.usage if state.settings.usage_records else None
        self._entry = RequestContextMiddleware(self._dispatch, state.access_log, usage)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._entry(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self.hot.match(scope["path"])
            if route is not None:
                await route(self.state.strata, scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _call(request: Request) -> CallContext | None:
    call: CallContext | None = request.scope.get("strata.call")
    return call


async def _strata_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StrataError)
    return error_response(_call(request), exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    param = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    error = InvalidRequest(f"Invalid value for '{param}': {first.get('msg')}.", param=param or None)
    return error_response(_call(request), error)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error: StrataError = NotFound(f"Unknown path: {request.method} {request.url.path}")
    else:
        error = StrataError(str(exc.detail), status=exc.status_code)
        error.type = "invalid_request_error" if exc.status_code < 500 else "api_error"
    return error_response(_call(request), error)


def create_app(settings: Settings, catalog: Catalog, master_key: str) -> StrataApp:
    hot = HotRoutes()
    hot.include(openai.hot)
    hot.include(bedrock.hot)
    app = StrataApp(build_state(settings, catalog, master_key), hot)
    app.include_router(openai.router)
    app.include_router(bedrock_control.router)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(admin_keys.router)
    app.include_router(usage.router)
    app.add_exception_handler(StrataError, _strata_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    install_openapi(app, hot)
    return app


def app_from_environment() -> StrataApp:
    """The factory uvicorn workers call: everything from STRATA_* and the config file."""
    settings, catalog = load_configuration()
    key, _ = ensure_master_key(settings)
    return create_app(settings, catalog, key)
