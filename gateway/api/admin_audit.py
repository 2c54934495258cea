"""``GET /admin/audit``: who (which admin key) created, changed, revoked or deleted what, and when.

The admin API and the console write the entries (gateway/services/audit.py); this reads them,
newest first, a page at a time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from gateway.api.admin import Admin
from gateway.api.usage import _utc
from gateway.deps import State
from gateway.errors import InvalidRequest
from gateway.services.audit import PAGE_CURSOR, AuditFilter, AuditLog

router = APIRouter(prefix="/admin", tags=["Admin: audit log"])

Text = Annotated[str | None, Query(max_length=200)]


@router.get("/audit", summary="The audit log, newest first, a page at a time")
async def audit(
    state: State,
    _: Admin,
    actor: Annotated[str | None, Query(max_length=40, description="an admin key's id, or `master`")] = None,
    action: Annotated[str | None, Query(max_length=32, description="create, update, revoke, delete...")] = None,
    target_type: Annotated[str | None, Query(max_length=32, description="key, team, deployment, guardrail...")] = None,
    target_id: Text = None,
    start: Annotated[datetime | None, Query(description="from this time (ISO 8601; UTC if no offset)")] = None,
    end: Annotated[datetime | None, Query(description="before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(pattern=PAGE_CURSOR, description="`next_cursor` of the previous page")] = None,
) -> dict[str, Any]:
    where = AuditFilter(actor, action, target_type, target_id, _utc(start), _utc(end))
    if where.start is not None and where.end is not None and where.end <= where.start:
        raise InvalidRequest("end must be after start.", param="end")
    rows, following = await AuditLog(state.db.sessions).query(where, limit, cursor)
    return {"rows": rows, "next_cursor": following}
