"""One delivery round of an alert's webhook: a signed POST, retried with backoff when it may help.

Retried within the round (tenacity, exponential backoff from ``backoff_s``, at most 30 s between
tries): connection errors, timeouts, 5xx, 408 and 429. Each attempt is recorded as it ends
(``attempts``, ``last_error``, and the URL it went to in ``webhook_url``). Each attempt is signed
afresh, so a late retry still carries a current timestamp. A 2xx is delivered; another 4xx means
the receiver refused it for good (a bad URL, a secret it does not know): no more rounds until an
admin asks for a redelivery. A round that runs out of attempts leaves the alert pending for the
monitor's next round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx
import orjson
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from gateway.db.models import BudgetAlert
from gateway.services.alerts.signing import ALERT_ID_HEADER, HEADER, signature
from gateway.services.alerts.store import AlertStore

Outcome = Literal["delivered", "retry_later", "give_up"]
MAX_BACKOFF_S = 30.0
EVENT_TYPES = {"threshold": "budget.threshold_crossed", "spend_rate": "budget.spend_rate_exceeded"}


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    default_url: str | None
    secret: str | None
    timeout_s: float
    attempts: int
    backoff_s: float

    @property
    def lease_s(self) -> float:
        """Longer than any round can take: a claim outlives its round only when its process died."""
        return self.attempts * (self.timeout_s + MAX_BACKOFF_S) + 30.0


class _Retryable(Exception):
    """An attempt that failed in a way another attempt may not."""


class _Refused(Exception):
    """The receiver answered, and said no (a 4xx other than 408 and 429)."""


def payload(row: BudgetAlert) -> dict[str, Any]:
    """The JSON body: what crossed what, in which period, and the alert's id (for de-duplication)."""
    body: dict[str, Any] = {
        "type": EVENT_TYPES.get(row.kind, f"budget.{row.kind}"),
        "alert_id": row.id,
        "scope": {"kind": row.scope_kind, "id": row.scope_id, "name": row.scope_name},
        "threshold": row.threshold,
        "period": row.period,
        "budget_usd": float(row.budget_usd),
        "spend_usd": float(row.spend_usd),
        "created_at": row.created_at.isoformat(),
    }
    if isinstance(row.detail, dict):
        body.update(row.detail)
    return body


async def _attempt(client: httpx.AsyncClient, url: str, body: bytes, row: BudgetAlert, secret: str) -> None:
    headers = {
        "content-type": "application/json",
        HEADER: signature(secret, body),
        ALERT_ID_HEADER: row.id,
        "user-agent": "strata-alerts/1",
    }
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:  # connection refused, reset, timed out...
        raise _Retryable(f"{type(exc).__name__}: {exc}") from None
    except httpx.InvalidURL as exc:  # a URL saved before it was checked: no attempt can succeed
        raise _Refused(f"the webhook URL cannot be used: {exc}") from None
    if response.is_success:
        return
    error = f"HTTP {response.status_code}"
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise _Retryable(error)
    raise _Refused(error)


async def deliver(client: httpx.AsyncClient, store: AlertStore, row: BudgetAlert, config: WebhookConfig) -> Outcome:
    """One round for ``row`` (claimed by this process); what the monitor should do next."""
    url = row.webhook_url or config.default_url
    if url is None or config.secret is None:
        missing = "no webhook URL (the rule's webhook_url or STRATA_ALERT_WEBHOOK_URL)" if url is None else None
        await store.failed(row.id, missing or "no signing secret (STRATA_ALERT_WEBHOOK_SECRET)")
        return "give_up"
    body = orjson.dumps(payload(row))
    retrying = AsyncRetrying(
        stop=stop_after_attempt(config.attempts),
        wait=wait_exponential(multiplier=config.backoff_s, max=MAX_BACKOFF_S),
        retry=retry_if_exception_type(_Retryable),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                try:
                    await _attempt(client, url, body, row, config.secret)
                except (_Retryable, _Refused) as exc:
                    await store.attempted(row.id, str(exc), url)
                    raise
                await store.attempted(row.id, None, url)
    except _Retryable:
        return "retry_later"
    except _Refused as exc:
        await store.failed(row.id, f"refused by the receiver: {exc}")
        return "give_up"
    return "delivered"
