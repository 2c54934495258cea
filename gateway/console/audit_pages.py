"""The audit log: who (which admin key) created, changed, revoked or deleted what, and when,
through the admin API or the console; newest first, filtered by who, what and action."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway.console.deps import ConsoleDep, SignedIn, StateDep, audit_log
from gateway.services.audit import AuditFilter

router = APIRouter()
PAGE = 50
ACTIONS = ("create", "update", "revoke", "delete", "reset", "publish", "clear", "redeliver", "sign_in", "sign_out")
TARGETS = ("key", "team", "deployment", "guardrail", "cache", "alert", "console")


@router.get("/audit", summary="Audit log")
async def audit_page(
    request: Request,
    state: StateDep,
    console: ConsoleDep,
    session: SignedIn,
    actor: str = "",
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    cursor: str = "",
) -> Response:
    where = AuditFilter(actor or None, action or None, target_type or None, target_id or None)
    rows, following = await audit_log(state).query(where, PAGE, cursor[:64] or None)
    filters = {"actor": actor, "action": action, "target_type": target_type, "target_id": target_id}
    query = urlencode({k: v for k, v in filters.items() if v})
    return console.pages.render(
        request,
        "audit.html",
        session=session,
        title="Audit log",
        rows=rows,
        filters=filters,
        actions=ACTIONS,
        targets=TARGETS,
        next_page=f"?{query}&cursor={following}" if following else None,
    )
