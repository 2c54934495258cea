"""Keys: list and search, create (the secret is shown on the answer to the creating request, once,
and never stored where a page could show it again), change, move to another team, revoke, delete.

Changes go through the same service as the admin API (gateway/services/keys/admin.py): the same
checks, the key cache invalidated, an audit entry naming the signed-in admin.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from gateway.console.deps import ConsoleDep, Form, SignedIn, StateDep
from gateway.console.forms import (
    KEY_EDITED,
    LIMIT_FIELDS,
    LIMIT_LABELS,
    VERSION_FIELD,
    alert_rules,
    alert_values,
    allowed_models,
    build,
    changed_since,
    limits,
    names,
    version,
)
from gateway.console.security import clear_cookie, set_cookie
from gateway.console.spend import spend
from gateway.errors import Conflict, NotFound, StrataError
from gateway.lifespan import AppState
from gateway.schemas.admin import KeyCreate, KeyOut, KeyUpdate
from gateway.services.keys.admin import KeyAdmin

router = APIRouter()
NEW_KEY_COOKIE = "strata_new_key"  # the new key's secret, from the create POST to the page that shows it once
DONE = {
    "shown": "The key's secret was shown once, when it was created; no page shows it again.",
    "updated": "The key was saved. Gateways pick the change up within the key cache's lifetime.",
    "revoked": "The key was revoked: calls with it are refused from now on.",
    "deleted": "The key was deleted for good; its usage records keep its id.",
}
CHANGED = (
    "This key was changed by someone else since you opened it, so nothing was saved. Here is its current "
    "state: review it and save again."
)


def _key_fields(form: Any) -> dict[str, Any]:
    return {
        "name": form.get("name").strip(),
        "team_id": form.get("team_id") or None,
        "allowed_models": allowed_models(form),
        "guardrails": names(form.get("guardrails")),
        "limits": limits(form),
        "alerts": alert_rules(form),
    }


def _typed(form: Any) -> dict[str, Any]:
    """What was typed, for the form again after a refusal (the templates' ``values``)."""
    return {**form.first_values(), "allowed_models": form.all("allowed_models")}


async def _listing(state: AppState, q: str, team: str, revoked: bool) -> list[KeyOut]:
    rows = [KeyOut.model_validate(row) for row in await state.keys.list(team or None, include_revoked=revoked)]
    needle = q.strip().lower()
    if needle:
        rows = [row for row in rows if needle in row.id.lower() or needle in row.name.lower()]
    return sorted(rows, key=lambda row: row.created_at, reverse=True)


async def _keys_page(
    request: Request, state: AppState, console: ConsoleDep, session: Any, status: int = 200, **extra: Any
) -> Response:
    q, team = request.query_params.get("q", ""), request.query_params.get("team", "")
    revoked = request.query_params.get("revoked") == "1"
    teams = await state.teams.list()
    context = {
        "title": "Keys",
        "keys": await _listing(state, q, team, revoked),
        "teams": teams,
        "team_names": {t.id: t.name for t in teams},
        "models": [m.name for m in state.catalog],
        "q": q,
        "team": team,
        "revoked": revoked,
        "limit_fields": [(name, LIMIT_LABELS[name]) for name in LIMIT_FIELDS],
        "values": {},
        "deleted": request.query_params.get("deleted", "")[:40],
        **extra,
    }
    return console.pages.render(request, "keys.html", status, session, **context)


@router.get("/keys", summary="Keys")
async def keys_page(request: Request, state: StateDep, console: ConsoleDep, session: SignedIn) -> Response:
    return await _keys_page(request, state, console, session)


@router.post("/keys", summary="Create a key")
async def create_key(request: Request, state: StateDep, console: ConsoleDep, submitted: Form) -> Response:
    form = submitted.form
    try:
        fields = _key_fields(form) | {"is_admin": form.get("is_admin") == "on"}
        if form.get("expires_in_days").strip():
            fields["expires_in_days"] = form.get("expires_in_days").strip()
        body = build(KeyCreate, fields)
        row, secret = await KeyAdmin(state, submitted.session.key_id, "console").create_key(body)
    except StrataError as exc:
        if exc.status >= 500:
            raise
        return await _keys_page(
            request, state, console, submitted.session, exc.status, error=exc.message, values=_typed(form)
        )
    # post/redirect/get: reloading the page that shows the secret must not create another key. The
    # secret rides to it in a short-lived HttpOnly cookie, dropped once shown.
    created = KeyOut.model_validate(row)
    answer = RedirectResponse(f"{request.scope.get('root_path', '')}/keys/{created.id}/created", status_code=303)
    set_cookie(answer, request, NEW_KEY_COOKIE, f"{created.id}:{secret}", max_age=300)
    return answer


@router.get("/keys/{key_id}/created", summary="A new key's secret, shown once")
async def key_created_page(
    request: Request, key_id: str, state: StateDep, console: ConsoleDep, session: SignedIn
) -> Response:
    key = await _key(state, key_id)
    owner, _, secret = request.cookies.get(NEW_KEY_COOKIE, "").partition(":")
    if owner != key_id or not secret:  # shown already (a reload), or never this browser's
        return RedirectResponse(f"{request.scope.get('root_path', '')}/keys/{key_id}?done=shown", status_code=303)
    page = console.pages.render(request, "key_created.html", 200, session, title="Key created", key=key, secret=secret)
    clear_cookie(page, request, NEW_KEY_COOKIE)
    page.headers["cache-control"] = "no-store"
    return page


async def _key(state: AppState, key_id: str) -> KeyOut:
    row = await state.keys.get(key_id)
    if row is None:
        raise NotFound(f"There is no key {key_id!r}; it may have been deleted.")
    return KeyOut.model_validate(row)


@router.get("/keys/{key_id}", summary="One key")
async def key_page(
    request: Request, key_id: str, state: StateDep, console: ConsoleDep, session: SignedIn, done: str = ""
) -> Response:
    return await _key_page(request, key_id, state, console, session, done=DONE.get(done))


async def _key_page(
    request: Request,
    key_id: str,
    state: AppState,
    console: ConsoleDep,
    session: Any,
    status: int = 200,
    done: str | None = None,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    rendered_from: str | None = None,
) -> Response:
    """The key's page; after a refused change, with the error and the form as typed (and still
    the version it was first rendered from, so that a second try is checked against it too)."""
    key = await _key(state, key_id)
    team = await state.teams.get(key.team_id) if key.team_id else None
    return console.pages.render(
        request,
        "key.html",
        status,
        session=session,
        title=f"Key {key.name}",
        key=key,
        team=team,
        teams=await state.teams.list(),
        models=[m.name for m in state.catalog],
        usage=await spend(state.db, key.limits.model_dump(exclude_none=True), key_id=key.id),
        limit_fields=[(name, LIMIT_LABELS[name]) for name in LIMIT_FIELDS],
        alert_form=alert_values(key.alerts) if values is None else values,
        version=rendered_from or version(key, KEY_EDITED),
        done=done,
        error=error,
        values=values,
    )


def _back(request: Request, key_id: str, done: str) -> Response:
    return RedirectResponse(f"{request.scope.get('root_path', '')}/keys/{key_id}?done={done}", status_code=303)


@router.post("/keys/{key_id}", summary="Change a key")
async def update_key(request: Request, key_id: str, state: StateDep, console: ConsoleDep, submitted: Form) -> Response:
    if changed_since(submitted.form, await _key(state, key_id), KEY_EDITED):  # the page again, as it is now
        return await _key_page(request, key_id, state, console, submitted.session, Conflict.status, error=CHANGED)
    try:
        fields = _key_fields(submitted.form)
        if not fields["name"]:
            del fields["name"]
        await KeyAdmin(state, submitted.session.key_id, "console").update_key(key_id, build(KeyUpdate, fields))
    except StrataError as exc:  # the page again, with the reason and the form as typed
        if exc.status >= 500:
            raise
        return await _key_page(
            request,
            key_id,
            state,
            console,
            submitted.session,
            exc.status,
            error=exc.message,
            values=_typed(submitted.form),
            rendered_from=submitted.form.get(VERSION_FIELD) or None,
        )
    return _back(request, key_id, "updated")


@router.post("/keys/{key_id}/revoke", summary="Revoke a key")
async def revoke_key(request: Request, key_id: str, state: StateDep, submitted: Form) -> Response:
    await KeyAdmin(state, submitted.session.key_id, "console").revoke_key(key_id)
    return _back(request, key_id, "revoked")


@router.post("/keys/{key_id}/delete", summary="Delete a key")
async def delete_key(request: Request, key_id: str, state: StateDep, console: ConsoleDep, submitted: Form) -> Response:
    await KeyAdmin(state, submitted.session.key_id, "console").delete_key(key_id)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/keys?deleted={key_id}", status_code=303)
