"""Where a redelivered alert goes: the webhook URL its key's or team's rules name now.

An alert records the URL of its rule when it is detected. The usual reason to redeliver one is
that the receiver refused it (a wrong URL), and the usual fix is to correct the rule's
``webhook_url``: so a redelivery reads the rule again (its URL, or the gateway's default when the
rule names none). When the key or team is gone, or carries no alert rules any more, the recorded
URL is kept, and the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.models import ApiKey, Team
from gateway.services.alerts.rules import parse_stored

Source = Literal["rule", "default", "recorded"]


@dataclass(frozen=True, slots=True)
class Redelivery:
    """The URL a redelivery goes to, and why that one: the ``rule``'s ``webhook_url``, the gateway's
    ``default`` (the rule names none), or the URL ``recorded`` with the alert (no rule any more)."""

    url: str | None
    source: Source


async def redelivery_url(
    session: AsyncSession, scope_kind: str, scope_id: str, recorded: str | None, default_url: str | None
) -> Redelivery:
    """The URL the scope's alert rules name now (see the module's docstring)."""
    table = ApiKey if scope_kind == "key" else Team
    rules = parse_stored(await session.scalar(select(table.alerts).where(table.id == scope_id)))
    if rules is None:
        return Redelivery(recorded, "recorded")
    if rules.webhook_url is not None:
        return Redelivery(rules.webhook_url, "rule")
    return Redelivery(default_url, "default")
