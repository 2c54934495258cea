"""``strata alerts list|redeliver`` (budget alerts and their webhook delivery), ``strata cache
clear`` (drop the response cache's answers), and the ``--alert-*`` options that ``keys create``
and ``teams create`` share."""

from __future__ import annotations

import argparse
from typing import Any, TypeAlias

from gateway.cli.common import UsageError, client, remote, remote_parent
from gateway.cli.output import fields, print_json, table

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def alert_flags(parser: argparse.ArgumentParser) -> None:
    """--alert-threshold (repeatable, or comma-separated) and --alert-webhook."""
    group = parser.add_argument_group("budget alerts")
    group.add_argument(
        "--alert-threshold",
        action="append",
        metavar="N[%]",
        help="alert when this share of the daily or monthly budget is spent: 0.8 or 80%% (repeatable, or A,B)",
    )
    group.add_argument("--alert-webhook", metavar="URL", help="where alerts are POSTed (default: the gateway's)")


def alert_rules(args: argparse.Namespace) -> dict[str, Any] | None:
    """The API's ``alerts`` body from the flags, or None when none was given."""
    from gateway.client.alert_types import parse_thresholds

    if not args.alert_threshold and args.alert_webhook is None:
        return None
    try:
        thresholds = [value for text in args.alert_threshold or [] for value in parse_thresholds(text)]
    except ValueError as error:
        raise UsageError(f"--alert-threshold: {error}") from None
    if not thresholds:
        raise UsageError("--alert-webhook needs --alert-threshold (what to alert on)")
    rules: dict[str, Any] = {"thresholds": thresholds}
    if args.alert_webhook is not None:
        rules["webhook_url"] = args.alert_webhook
    return rules


def _spent(alert: Any) -> str:
    return f"{alert.spend_usd:.4f} / {alert.budget_usd:.4f}"


@remote
def _alerts_list(args: argparse.Namespace) -> int:
    filters = {"scope_kind": args.scope_kind, "scope_id": args.scope, "kind": args.kind, "status": args.status}
    filters["since"] = args.since
    with client(args) as strata:
        found = strata.admin.alerts.list(**{k: v for k, v in filters.items() if v is not None})
    if args.json:
        print_json(found)
        return 0
    rows = [
        (a.id, a.created_at, f"{a.scope.kind} {a.scope.id}", a.kind, a.threshold, a.period, _spent(a), a.status)
        + (a.attempts, a.last_error)
        for a in found
    ]
    headers = ["ID", "CREATED", "SCOPE", "KIND", "THRESHOLD", "PERIOD", "SPEND / BUDGET", "STATUS", "ATTEMPTS"]
    print(table([*headers, "LAST ERROR"], rows))
    return 0


@remote
def _alerts_redeliver(args: argparse.Namespace) -> int:
    with client(args, max_retries=0) as strata:
        alert = strata.admin.alerts.redeliver(args.id)
    if args.json:
        print_json(alert)
        return 0
    pairs = [("id", alert.id), ("status", alert.status), ("attempts", alert.attempts)]
    print(fields([*pairs, ("next_attempt_at", alert.next_attempt_at)]))
    return 0


@remote
def _cache_clear(args: argparse.Namespace) -> int:
    with client(args) as strata:
        cleared = strata.admin.cache.clear(model=args.model, team=args.team)
    if args.json:
        print_json(cleared)
        return 0
    print(f"cleared {cleared.deleted} cached answers ({cleared.semantic_deleted} semantic index entries)")
    return 0


def register(commands: Commands) -> None:
    parent = [remote_parent()]
    alerts = commands.add_parser(
        "alerts", help="budget alerts (admin)", description="Budget alerts and their webhook delivery."
    )
    sub = alerts.add_subparsers(dest="alerts_command", required=True, metavar="COMMAND")
    listing = sub.add_parser("list", parents=parent, help="alerts recorded, newest first")
    listing.add_argument("--scope-kind", choices=("key", "team"))
    listing.add_argument("--scope", metavar="ID", help="only this key's or team's alerts")
    listing.add_argument("--kind", choices=("threshold", "spend_rate"))
    listing.add_argument("--status", choices=("pending", "delivered", "failed"))
    listing.add_argument("--since", metavar="TIME", help="created at or after (ISO 8601; UTC if no offset)")
    listing.set_defaults(handler=_alerts_list)
    redeliver = sub.add_parser("redeliver", parents=parent, help="send an alert's webhook again")
    redeliver.add_argument("id", metavar="ALERT_ID")
    redeliver.set_defaults(handler=_alerts_redeliver)

    cache = commands.add_parser("cache", help="the response cache (admin)", description="The response cache.")
    cache_sub = cache.add_subparsers(dest="cache_command", required=True, metavar="COMMAND")
    clear = cache_sub.add_parser("clear", parents=parent, help="drop cached answers (a model's, a team's, or all)")
    clear.add_argument("--model", help="only this model's answers")
    clear.add_argument("--team", metavar="TEAM_ID", help="only this team's answers")
    clear.set_defaults(handler=_cache_clear)
