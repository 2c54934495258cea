"""The alert monitor: one background task per gateway process, off the request path.

Every ``interval_s`` it reads the keys and teams that carry alert rules (rows whose ``alerts`` is
not NULL), their spend from the ledger (gateway/services/alerts/spend.py), and records every
crossing it has not recorded yet (the table's unique constraint decides between processes: only
the process whose insert lands logs the alert). Then it delivers the alerts that are due: new ones,
and pending ones whose retry time has come, each claimed first so that one process sends it.
Deliveries are tasks of their own, so a slow receiver never delays detection. A spend-rate crossing
that the store kept quiet (its scope alerted less than a window ago) is tried again at the next
check, so a rate that stays too high alerts again once a full window has passed.

Spend lags calls by the usage writer's flush interval plus this interval (seconds, by default).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.config.settings import Settings
from gateway.db.database import STORE_OUTAGES, Database
from gateway.db.models import ApiKey, BudgetAlert, Team
from gateway.logs import LOG
from gateway.schemas.limits import Limits
from gateway.services.alerts.detect import Crossing, Scope, ScopeKind, rate_crossing, threshold_crossings
from gateway.services.alerts.owners import Redelivery
from gateway.services.alerts.rules import parse_stored
from gateway.services.alerts.spend import charging_models, spend_of
from gateway.services.alerts.store import AlertStore
from gateway.services.alerts.webhook import WebhookConfig, deliver

if TYPE_CHECKING:
    from gateway.services.catalog import PublicModel

Identity = tuple[str, str, str, float, str]


def _scope(kind: ScopeKind, row_id: str, name: str, limits: object, alerts: object) -> Scope | None:
    rules = parse_stored(alerts)
    if rules is None:
        return None
    try:
        budgets = Limits.model_validate(limits) if isinstance(limits, dict) else Limits()
    except ValueError:
        budgets = Limits()
    return Scope(kind, row_id, name, rules, budgets.budget_usd_day, budgets.budget_usd_month)


async def load_scopes(sessions: async_sessionmaker[AsyncSession]) -> list[Scope]:
    """Keys (not revoked) and teams with alert rules; unreadable rules are skipped."""
    keys = select(ApiKey.id, ApiKey.name, ApiKey.limits, ApiKey.alerts).where(
        ApiKey.alerts.is_not(None), ApiKey.revoked.is_(False)
    )
    teams = select(Team.id, Team.name, Team.limits, Team.alerts).where(Team.alerts.is_not(None))
    scopes: list[Scope | None] = []
    async with sessions() as session:
        scopes += [_scope("key", *row) for row in await session.execute(keys)]
        scopes += [_scope("team", *row) for row in await session.execute(teams)]
    return [scope for scope in scopes if scope is not None]


class AlertMonitor:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: AlertStore,
        webhook: WebhookConfig,
        *,
        interval_s: float,
        redelivery_s: float,
        max_age_s: float,
        charging: frozenset[str] = frozenset(),
    ) -> None:
        self._sessions = sessions
        self._charging = charging  # models whose cache hits count at their original cost
        self.store = store
        self._webhook = webhook
        self._interval_s = interval_s
        self._redelivery_s = redelivery_s
        self.max_age_s = max_age_s
        self._seen: set[Identity] = set()  # crossings recorded (by anyone) in their current period
        self._deliveries: dict[str, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="strata-alert-monitor")

    def _http(self) -> httpx.AsyncClient:
        """Made at the first delivery: most gateways send no webhook for hours (and making one
        loads the CA bundle, ~20 ms)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._webhook.timeout_s, follow_redirects=False)
        return self._client

    async def aclose(self) -> None:
        tasks = [t for t in (self._task, *self._deliveries.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        while True:
            # The first check waits one interval too: a starting gateway has other work to do.
            await asyncio.sleep(self._interval_s)
            try:
                await self.tick(datetime.now(UTC))
            except STORE_OUTAGES as exc:  # the database out of reach: said once a check, no traceback
                LOG.warning(
                    "budget alert check skipped: database unreachable", extra={"fields": {"error": repr(exc)[:300]}}
                )
            except Exception:  # boundary: no failure may end the monitor
                LOG.exception("budget alert check failed")

    async def tick(self, now: datetime) -> None:
        """One check: record new crossings, then start the deliveries that are due."""
        scopes = await load_scopes(self._sessions)
        crossings: list[Crossing] = []
        if scopes:
            spends = await spend_of(self._sessions, scopes, now, self._charging)
            for scope in scopes:
                spend = spends[f"{scope.kind}:{scope.id}"]
                crossings += threshold_crossings(scope, spend, now.date())
                if (rate := rate_crossing(scope, spend, now)) is not None:
                    crossings.append(rate)
        current = {crossing.identity for crossing in crossings}
        for crossing in crossings:
            if crossing.identity not in self._seen and not await self._record(crossing, now):
                current.discard(crossing.identity)  # a spend rate kept quiet: asked again next check
        self._seen = current  # a period that ended drops out: the set stays as small as the rules
        for alert_id in await self.store.due(now):
            if alert_id not in self._deliveries:
                task = asyncio.create_task(self._deliver(alert_id), name=f"strata-alert-{alert_id}")
                self._deliveries[alert_id] = task

    async def _deliver(self, alert_id: str) -> None:
        try:
            await self._deliver_round(alert_id)
        finally:
            self._deliveries.pop(alert_id, None)

    async def _record(self, crossing: Crossing, now: datetime) -> bool:
        """False for a spend-rate crossing not recorded: kept quiet (a recent alert of its rule), or
        recorded by another process; asked again at the next check (one cheap insert)."""
        alert_id = await self.store.insert(crossing, crossing.scope.rules.webhook_url, now, self.max_age_s)
        if alert_id is None:
            return crossing.kind != "spend_rate"  # another process (or this one, before a restart) recorded it
        fields = {
            "alert_id": alert_id,
            "scope_kind": crossing.scope.kind,
            "scope_id": crossing.scope.id,
            "scope_name": crossing.scope.name,
            "kind": crossing.kind,
            "threshold": crossing.threshold,
            "period": crossing.period,
            "budget_usd": round(crossing.budget_usd, 8),
            "spend_usd": round(crossing.spend_usd, 8),
        }
        LOG.warning("budget alert", extra={"fields": fields})
        return True

    async def redeliver(self, alert_id: str, now: datetime) -> tuple[BudgetAlert, Redelivery] | None:
        """The alert, pending again and due at the next check, to its rule's current URL."""
        return await self.store.redeliver(alert_id, now, self.max_age_s, self._webhook.default_url)

    async def _deliver_round(self, alert_id: str) -> None:
        try:
            row = await self.store.claim(alert_id, datetime.now(UTC), self._webhook.lease_s)
            if row is None:
                return  # another process is delivering it
            outcome = await deliver(self._http(), self.store, row, self._webhook)
            if outcome == "delivered":
                await self.store.delivered(alert_id, datetime.now(UTC))
                return
            if outcome == "retry_later":
                if not await self.store.round_failed(alert_id, datetime.now(UTC), self._redelivery_s):
                    return
            LOG.error("budget alert not delivered", extra={"fields": {"alert_id": alert_id}})
        except Exception:  # boundary: logged; the claim lapses and a later round tries again
            LOG.exception("budget alert delivery failed", extra={"fields": {"alert_id": alert_id}})


def build_monitor(settings: Settings, db: Database, models: Iterable[PublicModel] = ()) -> AlertMonitor:
    """The monitor the settings describe (started by the lifespan when ``settings.alerts``);
    ``models``: the catalog, for the models whose cache hits the budgets charge."""
    secret = settings.alert_webhook_secret
    webhook = WebhookConfig(
        default_url=settings.alert_webhook_url,
        secret=secret.get_secret_value() if secret is not None else None,
        timeout_s=settings.alert_webhook_timeout_s,
        attempts=settings.alert_webhook_attempts,
        backoff_s=settings.alert_webhook_backoff_s,
    )
    return AlertMonitor(
        db.sessions,
        AlertStore(db.sessions, db.engine.dialect.name),
        webhook,
        interval_s=settings.alert_interval_s,
        redelivery_s=settings.alert_redelivery_s,
        max_age_s=settings.alert_max_age_s,
        charging=charging_models(models),
    )
