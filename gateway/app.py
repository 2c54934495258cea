"""create_app(): the route table, one middleware stack around every route, and error rendering.

Resources come from the lifespan (lifespan.py). The request path, outermost first:
RequestContextMiddleware (request id, route match, access log, usage record, last-resort 500)
-> middleware added with ``add_middleware`` (around every route, ASGI ones included)
-> the matched ASGI route (the model calls) or FastAPI (everything else).
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import __version__
from gateway.api import (
    admin,
    admin_alerts,
    admin_audit,
    admin_keys,
    anthropic,
    bedrock,
    bedrock_control,
    bedrock_guardrails,
    bedrock_tags,
    completions,
    guardrail_apply,
    health,
    metrics,
    openai,
    responses,
    usage,
)
from gateway.api.asgi_routes import AsgiRoute, is_json
from gateway.api.docs import install_openapi
from gateway.api.rendering import error_response
from gateway.api.route_table import OTHER, RouteTable
from gateway.caller_text import shown
from gateway.config.catalog import Catalog
from gateway.config.loading import load_configuration
from gateway.config.secrets import ensure_master_key
from gateway.config.settings import Settings
from gateway.console import app as console
from gateway.db.database import STORE_OUTAGES
from gateway.errors import (
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    StrataError,
    UnsupportedMediaType,
)
from gateway.lifespan import AppState, build_state, lifespan
from gateway.logs import LOG
from gateway.middleware import RequestContextMiddleware
from gateway.server.orphans import SUPERVISOR_PID_VARIABLE, stop_with_parent
from gateway.services.context import CallContext


class StrataApp(FastAPI):
    """FastAPI, entered through Strata's own request boundary, with ASGI routes dispatched before it.

    ``add_middleware`` (and ``@app.middleware("http")``, which calls it) wraps every route, the
    ASGI model-call routes included, not only FastAPI's: one stack, so a middleware added for
    metrics or tracing cannot silently miss the calls that matter most.
    """

    def __init__(self, state: AppState, routes: RouteTable) -> None:
        super().__init__(
            title="Strata",
            version=__version__,
            description="A provider-agnostic model gateway: OpenAI-, Anthropic- and Bedrock-compatible APIs.",
            lifespan=lifespan,
            docs_url=None,  # served by gateway/api/docs.py with Swagger UI's files vendored: no CDN
            redoc_url=None,  # ReDoc loads its script from a CDN: blank offline, so not served
        )
        self.state.strata = state
        self.routes_table = routes
        self._middleware: list[Middleware] = []
        self._serving = False
        self._entry = self._build_entry()

    def add_middleware(self, middleware_class: Any, *args: Any, **kwargs: Any) -> None:
        if self._serving:
            raise RuntimeError("Cannot add middleware after an application has started")
        self._middleware.insert(0, Middleware(middleware_class, *args, **kwargs))  # the last added is outermost
        self._entry = self._build_entry()

    def _build_entry(self) -> ASGIApp:
        app: ASGIApp = self._dispatch
        for middleware in reversed(self._middleware):
            app = middleware.cls(app, *middleware.args, **middleware.kwargs)
        state: AppState = self.state.strata
        usage = state.usage if state.settings.usage_records else None
        return RequestContextMiddleware(
            app,
            self.routes_table,
            state.access_log,
            usage,
            state.in_flight,
            state.drain,
            state.observer,
            state.settings.max_body_bytes,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._serving = True
        await self._entry(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: AsgiRoute | None = scope.get("strata.route")
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
    loc = tuple(first.get("loc", ()))
    content_type = request.headers.get("content-type")
    error: StrataError
    if loc[:1] == ("body",) and content_type and not is_json(content_type):
        error = UnsupportedMediaType(
            f"The request body must be JSON (Content-Type: application/json), not {content_type[:100]!r}."
        )
    elif loc == ("body",) or first.get("type") == "json_invalid":
        error = InvalidRequest("The request body must be a JSON object (Content-Type: application/json).")
    else:
        param = ".".join(str(p) for p in loc if p not in ("body", "query", "path"))
        error = InvalidRequest(f"Invalid value for '{param}': {first.get('msg')}.", param=param or None)
    return error_response(_call(request), error)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error: StrataError
    if exc.status_code == 404:
        error = NotFound(f"Unknown path: {shown(request.method)} {shown(request.url.path)}")
    elif exc.status_code == 413:  # the request boundary's body limit (middleware.bounded)
        error = PayloadTooLarge(str(exc.detail))
    elif exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        error = MethodNotAllowed(f"Method {request.method} is not allowed on {request.url.path}.", allow=allow)
    else:
        error = StrataError(str(exc.detail), status=exc.status_code)
        error.type = "invalid_request_error" if exc.status_code < 500 else "api_error"
    return error_response(_call(request), error)


# The database out of reach under an admin or console route: a 503 to retry, as model routes give
# in the same outage, with one warning line rather than a traceback per request.


async def _store_outage(request: Request, exc: Exception) -> Response:
    LOG.warning("store unreachable", extra={"fields": {"path": request.url.path, "error": repr(exc)[:300]}})
    error = ServiceUnavailable("The gateway's database is unreachable right now; retry shortly.", retry_after=5)
    return error_response(_call(request), error)


async def _unhandled(request: Request, exc: Exception) -> Response:
    """Starlette's last resort would answer a plain-text 500; answer in the caller's shape instead.
    (Starlette re-raises the exception after this, and the request boundary logs it with the id.)"""
    call = _call(request)
    request_id = call.request_id if call is not None else "unknown"
    message = f"The server had an error processing your request (request id {request_id})."
    return error_response(call, InternalError(message))


def create_app(settings: Settings, catalog: Catalog, master_key: str) -> StrataApp:
    routes = RouteTable()
    routes.add_asgi(openai.asgi)
    routes.add_asgi(bedrock.asgi)
    routes.add_asgi(responses.asgi)
    routes.add_asgi(completions.asgi)
    routes.add_asgi(anthropic.asgi)  # after openai's: /v1 stays OpenAI's, but for /v1/messages (below)
    mounted = (
        (openai.router, openai.SURFACE),
        (responses.router, openai.SURFACE),
        (bedrock_control.router, bedrock.SURFACE),
        (bedrock_guardrails.router, bedrock.SURFACE),
        (bedrock_tags.router, bedrock.SURFACE),
        (guardrail_apply.bedrock_router, bedrock.SURFACE),
        (guardrail_apply.openai_router, openai.SURFACE),
        (health.router, OTHER),
        (metrics.router, OTHER),
        (admin.router, admin.SURFACE),
        (admin_keys.router, admin.SURFACE),
        (admin_audit.router, admin.SURFACE),
        (admin_alerts.router, admin.SURFACE),
        (usage.router, admin.SURFACE),
    )
    for router, surface in mounted:
        routes.add_router(router, surface)
    for segment in bedrock_guardrails.BEDROCK_SEGMENTS:  # Bedrock operations Strata does not serve
        routes.claim(segment, bedrock.SURFACE)
    routes.claim(anthropic.PREFIX, anthropic.SURFACE)
    routes.claim(console.PREFIX, console.SURFACE)  # pages, not an API: errors are pages too
    app = StrataApp(build_state(settings, catalog, master_key), routes)
    for router, _ in mounted:
        app.include_router(router)
    console.install_console(app, app.state.strata)
    app.add_exception_handler(StrataError, _strata_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    for outage in STORE_OUTAGES:
        app.add_exception_handler(outage, _store_outage)
    app.add_exception_handler(Exception, _unhandled)
    install_openapi(app, routes.asgi)
    return app


def app_from_environment() -> StrataApp:
    """The factory uvicorn workers call: everything from STRATA_* and the config file."""
    if SUPERVISOR_PID_VARIABLE in os.environ:  # a worker of `strata serve --workers N`
        stop_with_parent(int(os.environ[SUPERVISOR_PID_VARIABLE]))
    settings, catalog = load_configuration()
    key, _ = ensure_master_key(settings)
    return create_app(settings, catalog, key)
