"""What console routes depend on: the app's state, the console's own state, the signed-in
session (else a redirect to sign-in), and for every state-changing request its form, read once
and accepted only with the session's CSRF token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request

from gateway import nul_text
from gateway.console.month_data import PastDays
from gateway.console.render import Pages
from gateway.console.security import SESSION_COOKIE, SignInLimiter, presented_csrf, same_token
from gateway.console.sessions import ConsoleSessions, Session
from gateway.errors import InvalidRequest, PayloadTooLarge, PermissionDenied
from gateway.lifespan import AppState
from gateway.services.audit import AuditLog

MAX_FORM_BYTES = 256 * 1024


class SignInRequired(Exception):
    """No live session: the browser goes to the sign-in page (and comes back after)."""


class CsrfRefused(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            "This request did not carry the console's security token, so nothing was changed. "
            "Reload the page and try again."
        )


@dataclass
class Console:
    """The console's own state, one per app: sessions (in the database), pages, sign-in limits,
    and the overview's copy of past days' sums."""

    sessions: ConsoleSessions
    pages: Pages = field(default_factory=Pages)
    limiter: SignInLimiter = field(default_factory=SignInLimiter)
    past_days: PastDays = field(default_factory=PastDays)  # the overview's 30 days, but today


@dataclass
class FormData:
    """An urlencoded form: the first value of a field, or all of them (checkboxes)."""

    fields: dict[str, list[str]]

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    def first_values(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.fields.items() if values}


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.strata
    return state


async def get_console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


async def read_form(request: Request) -> FormData:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise PayloadTooLarge("The form is larger than the console accepts.")
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return FormData({})
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    if nul_text.holds_nul(fields):  # every console form: before a name or id reaches the store
        raise InvalidRequest(nul_text.IN_FORM)
    return FormData(fields)


async def current_session(request: Request) -> Session:
    console: Console = request.app.state.console
    session = await console.sessions.find(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequired()
    return session


async def submitted(request: Request) -> Submitted:
    """A state-changing request: signed in, and carrying the session's CSRF token."""
    session = await current_session(request)
    form = await read_form(request)
    if not same_token(session.csrf, presented_csrf(request, form.first_values())):
        raise CsrfRefused()
    return Submitted(session, form)


@dataclass
class Submitted:
    session: Session
    form: FormData


StateDep = Annotated[AppState, Depends(get_state)]
ConsoleDep = Annotated[Console, Depends(get_console)]
SignedIn = Annotated[Session, Depends(current_session)]
Form = Annotated[Submitted, Depends(submitted)]


def audit_log(state: AppState) -> AuditLog:
    return AuditLog(state.db.sessions)
