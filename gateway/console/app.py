"""The console as an application of its own, mounted at ``/console`` by the gateway.

Its own app so that its errors are pages, not the API's JSON: no session goes to sign-in (a
redirect, or ``HX-Redirect`` for htmx), a refused or failed action is a page that says what
happened in a sentence, an unknown path is an HTML 404. Every response carries the security
headers (gateway/console/security.py); static files are public and cacheable.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import nul_text
from gateway.console import (
    alert_pages,
    audit_pages,
    auth_pages,
    guardrail_pages,
    key_pages,
    model_pages,
    overview_pages,
    playground_pages,
    team_pages,
    usage_pages,
)
from gateway.console.deps import Console, SignInRequired
from gateway.console.security import HEADERS, SESSION_COOKIE
from gateway.console.sessions import ConsoleSessions
from gateway.errors import InvalidRequest, StrataError
from gateway.lifespan import AppState
from gateway.logs import LOG

SURFACE = "console"
PREFIX = "/console"
STATIC = Path(__file__).parent / "static"
_PAGES = (
    auth_pages,
    overview_pages,
    model_pages,
    key_pages,
    team_pages,
    usage_pages,
    guardrail_pages,
    playground_pages,
    alert_pages,
    audit_pages,
)


def build_console(state: AppState) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    settings = state.settings
    sessions = ConsoleSessions(state.db.sessions, settings.console_idle_timeout_s, settings.console_session_max_s)
    app.state.strata = state
    app.state.console = Console(sessions)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in _PAGES:
        app.include_router(module.router)
    app.add_api_route("/", _home, methods=["GET"], include_in_schema=False)
    app.add_api_route("/{rest:path}", _unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(StrataError, _strata_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_middleware(ConsoleBoundary)
    return app


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


async def _home(request: Request) -> Response:
    return RedirectResponse(f"{request.scope.get('root_path', '')}/overview", status_code=303)


async def _unknown(request: Request, rest: str) -> Response:
    console = _console(request)
    session = await console.sessions.find(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return await _sign_in_required(request, SignInRequired())
    message = "There is no console page at this address."
    return console.pages.render(request, "error.html", 404, session, title="Page not found", message=message)


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    base = request.scope.get("root_path", "")
    here = f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path
    wanted = here if request.method == "GET" else f"{base}/overview"
    target = f"{base}/sign-in?next={quote(wanted)}"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"hx-redirect": target, **HEADERS})
    return RedirectResponse(target, status_code=303, headers=HEADERS)


async def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    console = _console(request)
    try:
        session = await console.sessions.find(request.cookies.get(SESSION_COOKIE))
    except Exception:  # boundary: the database may be why we are here; the page shows without the menu
        session = None
    template = "error_fragment.html" if request.headers.get("hx-request") else "error.html"
    return console.pages.render(request, template, status, session, title=title, message=message)


async def _strata_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StrataError)
    title = "Not found" if exc.status == 404 else "That did not work"
    response = await _error_page(request, exc.status, title, exc.message)
    if request.headers.get("hx-request"):  # htmx swaps only 2xx answers: show the sentence in place
        response.headers["hx-reswap"] = "innerHTML"
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and request.scope.get("root_path", "").endswith("/static"):
        # a missing static file: a plain 404, with or without a session (a sign-in redirect from
        # here would point under /static, itself a missing file: a loop)
        return PlainTextResponse("Not found", status_code=404)
    if exc.status_code == 404:
        return await _unknown(request, request.url.path)
    return await _error_page(request, exc.status_code, "That did not work", str(exc.detail))


PLAIN = {  # pydantic's error types, as a sentence about the address
    "int_parsing": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be yes or no",
    "missing": "is missing",
}


async def _bad_request(request: Request, exc: Exception) -> Response:
    """A malformed address (a query parameter of the wrong type): the console's page, not JSON."""
    assert isinstance(exc, RequestValidationError)
    parts = []
    for problem in exc.errors()[:3]:
        where = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("query", "path", "body"))
        said = PLAIN.get(str(problem.get("type")), str(problem.get("msg", "is not valid")))
        parts.append(f"{where} {said}" if where else said)
    message = f"This address has a value the page cannot use: {'; '.join(parts)}. Check the link, or use the menu."
    return await _strata_error(request, InvalidRequest(message))


class ConsoleBoundary:
    """Security headers on every answer; an unexpected error becomes a page naming the request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(f"{scope.get('root_path', '')}/static/")
        started = False
        if nul_text.in_address(scope) is not None:  # before an id or filter reaches the store
            page = await _strata_error(Request(scope, receive), InvalidRequest(nul_text.IN_ADDRESS))
            await page(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [
                    (name.encode(), value.encode())
                    for name, value in HEADERS.items()
                    if name.encode() not in present and not (static and name == "cache-control")
                ]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # boundary: a page that says so, the traceback in the log only
            call = scope.get("strata.call")
            request_id = getattr(call, "request_id", "unknown")
            LOG.exception("console error", extra={"fields": {"request_id": request_id}})
            if not started:
                request = Request(scope, receive)
                message = (
                    f"Something went wrong on the server (request id {request_id}). Try again; the log has the details."
                )
                page = await _error_page(request, 500, "Server error", message)
                await page(scope, receive, send_with_headers)


def install_console(app: FastAPI, state: AppState) -> None:
    """Mount the console at /console on the gateway's app."""
    app.mount(PREFIX, build_console(state))
