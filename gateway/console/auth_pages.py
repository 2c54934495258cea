"""Signing in with an admin key (the master key or an ``is_admin`` key) and signing out."""

from __future__ import annotations

import math
import posixpath
import re
import secrets
from urllib.parse import unquote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from gateway.console.deps import ConsoleDep, Form, StateDep, audit_log, read_form
from gateway.console.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    clear_cookie,
    same_token,
    set_cookie,
)
from gateway.errors import AuthenticationFailed

router = APIRouter()


def _next(request: Request, wanted: str) -> str:
    """Where to go after signing in: a console page, never another site nor another part of the
    gateway. The path is checked as a browser might end up reading it: percent-decoded again and
    again until it stops changing ("%252e%252e" is "%2e%2e" is ".."), then its dot segments resolved."""
    base: str = request.scope.get("root_path", "")
    home = f"{base}/overview"
    if not wanted.startswith(base + "/") or wanted.startswith("//"):
        return home
    path = re.split(r"[?#]", wanted, maxsplit=1)[0]
    for _ in range(10):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    else:
        return home  # still changing after ten rounds: no page has such an address
    if "\\" in path or "//" in path or any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return home
    if not (posixpath.normpath(path) + "/").startswith(base + "/"):  # "/console/../v1" leaves: no
        return home
    return wanted


def _form(
    console: ConsoleDep, request: Request, status: int = 200, error: str | None = None, wanted: str = ""
) -> Response:
    token = secrets.token_urlsafe(32)
    page = console.pages.render(request, "sign_in.html", status, csrf=token, error=error, next=wanted)
    set_cookie(page, request, SIGN_IN_COOKIE, token, max_age=3600)
    return page


@router.get("/sign-in", summary="The sign-in page")
async def sign_in_page(request: Request, console: ConsoleDep, next: str = "") -> Response:
    if await console.sessions.find(request.cookies.get(SESSION_COOKIE)) is not None:
        return RedirectResponse(_next(request, next), status_code=303)
    return _form(console, request, wanted=next)


@router.post("/sign-in", summary="Sign in with an admin key")
async def sign_in(request: Request, state: StateDep, console: ConsoleDep) -> Response:
    form = await read_form(request)
    wanted = form.get("next")
    if not same_token(request.cookies.get(SIGN_IN_COOKIE), form.get(CSRF_FIELD)):
        message = "The sign-in form had expired or did not come from this page; please try again."
        return _form(console, request, 403, message, wanted)
    client = request.client.host if request.client else "unknown"
    wait = console.limiter.retry_after(client)
    if wait:
        minutes = math.ceil(wait / 60)
        message = f"Too many failed sign-ins from your address; try again in {minutes} minute{'s' * (minutes > 1)}."
        page = _form(console, request, 429, message, wanted)
        page.headers["retry-after"] = str(math.ceil(wait))
        return page
    try:
        principal = await state.invoker.auth.authenticate(form.get("key").strip())
    except AuthenticationFailed:
        console.limiter.failed(client)
        return _form(console, request, 401, "That key was not recognised. Check it and try again.", wanted)
    if not principal.is_admin:
        console.limiter.failed(client)
        message = "That key is not an admin key. Sign in with the master key or a key created with is_admin."
        return _form(console, request, 403, message, wanted)
    console.limiter.succeeded(client)
    token, _ = await console.sessions.open(principal.key_id)
    await audit_log(state).record(principal.key_id, "console", "sign_in", "console", None)
    response = RedirectResponse(_next(request, wanted), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token)
    clear_cookie(response, request, SIGN_IN_COOKIE)
    return response


@router.post("/sign-out", summary="Sign out")
async def sign_out(request: Request, state: StateDep, console: ConsoleDep, submitted: Form) -> Response:
    await console.sessions.close(submitted.session.token_hash)
    await audit_log(state).record(submitted.session.key_id, "console", "sign_out", "console", None)
    response = RedirectResponse(f"{request.scope.get('root_path', '')}/sign-in", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response
