"""``strata keys ...`` and ``strata teams ...``: virtual keys and the teams that group them.

Limits are flags (--rpm, --tpm, --max-concurrent, --budget-day, --budget-month); on ``update``
the flags given change those limits and keep the others (the API replaces the whole set, so the
current one is read first).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from gateway.cli.alerts_cmds import alert_flags, alert_rules
from gateway.cli.common import UsageError, client, remote, remote_parent
from gateway.cli.output import fields, info, print_json, table

_LIMIT_FLAGS = (
    ("rpm", int, "requests per minute"),
    ("tpm", int, "tokens per minute"),
    ("max_concurrent", int, "requests in flight at once"),
    ("budget_usd_day", float, "USD per UTC day"),
    ("budget_usd_month", float, "USD per UTC month"),
)
_FLAG_NAME = {"budget_usd_day": "--budget-day", "budget_usd_month": "--budget-month"}


def _limit_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("limits")
    for name, kind, what in _LIMIT_FLAGS:
        flag = _FLAG_NAME.get(name, "--" + name.replace("_", "-"))
        group.add_argument(flag, dest=name, type=kind, metavar="N", help=what)


def _limits(args: argparse.Namespace, current: dict[str, Any] | None = None) -> dict[str, Any] | None:
    given = {name: getattr(args, name) for name, _, _ in _LIMIT_FLAGS if getattr(args, name) is not None}
    if not given:
        return None
    return {**(current or {}), **given}


def _number(text: str) -> int | float:
    return int(text) if text.strip().isdigit() else float(text)


def _model_limits(entries: list[str] | None) -> dict[str, dict[str, int | float]] | None:
    """``MODEL:rpm=10,tpm=5000`` (repeatable) as the API's model_limits."""
    if not entries:
        return None
    found: dict[str, dict[str, int | float]] = {}
    for entry in entries:
        model, _, spec = entry.rpartition(":")
        try:
            pairs = [item.split("=", 1) for item in spec.split(",")]
            found[model] = {name.strip(): _number(value) for name, value in pairs}
        except ValueError:
            raise UsageError(f"--model-limit {entry!r}: write MODEL:rpm=10,tpm=5000") from None
        if not model:
            raise UsageError(f"--model-limit {entry!r}: write MODEL:rpm=10,tpm=5000")
    return found


def _csv(text: str | None) -> list[str] | None:
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()]


_ALL, _NONE = "all", "none"


def _allowed_models(args: argparse.Namespace) -> list[str] | None | str:
    """What --models A,B / --all-models / --no-models ask for: a list, None (every model: the API's
    null) or "" when none of them was given. ``--models ""`` is refused: it has meant "no model" on
    create and "every model" on update, and a key's reach must not hang on which."""
    if args.all_models:
        return None
    if args.no_models:
        return []
    if args.models is None:
        return ""
    models = _csv(args.models)
    if not models:
        raise UsageError('--models "": name the models, or give --all-models (every model) or --no-models (none)')
    return models


def _models_cell(models: list[str] | None) -> str | list[str]:
    """A key's models as a table shows them: "all" (no restriction) is not "none" (an empty list)."""
    if models is None:
        return _ALL
    return models or _NONE


def _state(key: Any) -> str:
    if key.revoked:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= datetime.now(UTC):
        return "expired"
    return "active"


def _key_rows(keys: list[Any]) -> str:
    rows = [(k.id, k.name, k.team_id, _models_cell(k.allowed_models), k.limits, _state(k), k.expires_at) for k in keys]
    return table(["ID", "NAME", "TEAM", "MODELS", "LIMITS", "STATE", "EXPIRES"], rows)


def _key_fields(key: Any) -> str:
    names: tuple[str, ...] = ("id", "name", "team_id", "is_admin", "allowed_models", "guardrails", "tags")
    names += ("limits", "model_limits", "alerts")
    pairs = [
        (name, _models_cell(key.allowed_models) if name == "allowed_models" else getattr(key, name)) for name in names
    ]
    pairs += [("state", _state(key)), ("expires_at", key.expires_at), ("created_at", key.created_at)]
    return fields(pairs)


@remote
def _keys_create(args: argparse.Namespace) -> int:
    models = _allowed_models(args)
    options: dict[str, Any] = {
        "team_id": args.team,
        "is_admin": args.admin,
        "allowed_models": None if models == "" else models,
        "guardrails": args.guardrail,
        "tags": args.tag,
        "limits": _limits(args),
        "model_limits": _model_limits(args.model_limit),
        "alerts": alert_rules(args),
        "expires_in_days": args.expires_in_days,
    }
    with client(args, max_retries=0) as strata:  # a retried create could make two keys
        created = strata.admin.keys.create(args.name, **{k: v for k, v in options.items() if v is not None})
    if args.json:
        print_json(created)
        return 0
    print(_key_fields(created))
    print(f"key  {created.key}")
    info("The key is shown this once: keep it now.")
    return 0


@remote
def _keys_list(args: argparse.Namespace) -> int:
    with client(args) as strata:
        keys = strata.admin.keys.list(team_id=args.team, include_revoked=args.all)
    print_json(keys) if args.json else print(_key_rows(keys))
    return 0


@remote
def _keys_show(args: argparse.Namespace) -> int:
    with client(args) as strata:
        key = strata.admin.keys.get(args.id)
    print_json(key) if args.json else print(_key_fields(key))
    return 0


@remote
def _keys_update(args: argparse.Namespace) -> int:
    changes: dict[str, Any] = {}
    with client(args) as strata:
        if args.name is not None:
            changes["name"] = args.name
        if args.team is not None:
            changes["team_id"] = args.team or None  # --team "" leaves every team
        models = _allowed_models(args)
        if models != "":
            changes["allowed_models"] = models  # None: every model (the API's null)
        current = strata.admin.keys.get(args.id)
        limits = _limits(args, current.limits.model_dump(exclude_none=True))
        if limits is not None:
            changes["limits"] = limits
        if not changes:
            raise UsageError("nothing to change: give --name, --team, --models, --all-models, --no-models or a limit")
        key = strata.admin.keys.update(args.id, **changes)
    print_json(key) if args.json else print(_key_fields(key))
    return 0


@remote
def _keys_revoke(args: argparse.Namespace) -> int:
    with client(args) as strata:
        key = strata.admin.keys.revoke(args.id)
    print_json(key) if args.json else print(f"revoked {key.id} ({key.name})")
    return 0


@remote
def _keys_delete(args: argparse.Namespace) -> int:
    with client(args) as strata:
        strata.admin.keys.delete(args.id)
    print_json({"deleted": args.id}) if args.json else print(f"deleted {args.id}")
    return 0


# ---------------------------------------------------------------- teams


def _team_rows(teams: list[Any]) -> str:
    rows = [(t.id, t.name, t.limits, t.guardrails, t.tags, t.created_at) for t in teams]
    return table(["ID", "NAME", "LIMITS", "GUARDRAILS", "TAGS", "CREATED"], rows)


def _team_fields(team: Any) -> str:
    names = ("id", "name", "limits", "guardrails", "tags", "alerts", "created_at", "updated_at")
    return fields([(name, getattr(team, name)) for name in names])


@remote
def _teams_create(args: argparse.Namespace) -> int:
    options = {"limits": _limits(args), "guardrails": args.guardrail, "tags": args.tag, "alerts": alert_rules(args)}
    with client(args, max_retries=0) as strata:
        team = strata.admin.teams.create(args.name, **{k: v for k, v in options.items() if v is not None})
    print_json(team) if args.json else print(_team_fields(team))
    return 0


@remote
def _teams_list(args: argparse.Namespace) -> int:
    with client(args) as strata:
        teams = strata.admin.teams.list()
    print_json(teams) if args.json else print(_team_rows(teams))
    return 0


@remote
def _teams_show(args: argparse.Namespace) -> int:
    with client(args) as strata:
        team = strata.admin.teams.get(args.id)
    print_json(team) if args.json else print(_team_fields(team))
    return 0


@remote
def _teams_update(args: argparse.Namespace) -> int:
    with client(args) as strata:
        current = strata.admin.teams.get(args.id)
        changes: dict[str, Any] = {}
        if args.name is not None:
            changes["name"] = args.name
        limits = _limits(args, current.limits.model_dump(exclude_none=True))
        if limits is not None:
            changes["limits"] = limits
        if not changes:
            raise UsageError("nothing to change: give --name or a limit")
        team = strata.admin.teams.update(args.id, **changes)
    print_json(team) if args.json else print(_team_fields(team))
    return 0


@remote
def _teams_delete(args: argparse.Namespace) -> int:
    with client(args) as strata:
        strata.admin.teams.delete(args.id)
    print_json({"deleted": args.id}) if args.json else print(f"deleted {args.id}")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_keys(commands, [remote_parent()])
    _register_teams(commands, [remote_parent()])


def _models_flags(parser: argparse.ArgumentParser, what: str) -> None:
    group = parser.add_argument_group("models").add_mutually_exclusive_group()
    group.add_argument("--models", metavar="A,B", help=what)
    group.add_argument("--all-models", action="store_true", help="it may call every model")
    group.add_argument("--no-models", action="store_true", help="it may call no model (e.g. an admin-only key)")


def _register_keys(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], parent: list[argparse.ArgumentParser]
) -> None:
    keys = commands.add_parser("keys", help="virtual keys (admin)", description="Virtual keys: an admin key is needed.")
    sub = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")

    create = sub.add_parser("create", parents=parent, help="create a key (its secret is shown once)")
    create.add_argument("name")
    create.add_argument("--team", metavar="TEAM_ID", help="the key's team (its limits apply too)")
    _models_flags(create, "the only models it may call (default: every model)")
    create.add_argument("--admin", action="store_true", help="an admin key (may use the admin API)")
    create.add_argument(
        "--guardrail", action="append", metavar="ID[:VERSION]", help="applied to each call (repeatable)"
    )
    create.add_argument("--tag", action="append", help="a tag for usage reports (repeatable)")
    create.add_argument("--model-limit", action="append", metavar="MODEL:rpm=N,...", help="limits on one model")
    create.add_argument("--expires-in-days", type=float, metavar="DAYS")
    _limit_flags(create)
    alert_flags(create)
    create.set_defaults(handler=_keys_create)

    listing = sub.add_parser("list", parents=parent, help="list keys")
    listing.add_argument("--team", metavar="TEAM_ID", help="only this team's keys")
    listing.add_argument("--all", action="store_true", help="revoked keys too")
    listing.set_defaults(handler=_keys_list)

    for name, handler, what in (
        ("show", _keys_show, "one key (never its secret)"),
        ("revoke", _keys_revoke, "revoke a key: refused at once (every process with Redis; else within the cache TTL)"),
        ("delete", _keys_delete, "delete a key for good (its usage records stay)"),
    ):
        command = sub.add_parser(name, parents=parent, help=what)
        command.add_argument("id", metavar="KEY_ID")
        command.set_defaults(handler=handler)

    update = sub.add_parser("update", parents=parent, help="change a key's name, team, models or limits")
    update.add_argument("id", metavar="KEY_ID")
    update.add_argument("--name")
    update.add_argument("--team", metavar="TEAM_ID", help='move it to this team ("" for none)')
    _models_flags(update, "the only models it may call from now on")
    _limit_flags(update)
    update.set_defaults(handler=_keys_update)


def _register_teams(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], parent: list[argparse.ArgumentParser]
) -> None:
    teams = commands.add_parser("teams", help="teams of keys (admin)", description="Teams: an admin key is needed.")
    sub = teams.add_subparsers(dest="teams_command", required=True, metavar="COMMAND")
    create = sub.add_parser("create", parents=parent, help="create a team")
    create.add_argument("name")
    create.add_argument("--guardrail", action="append", metavar="ID[:VERSION]", help="applied to its keys' calls")
    create.add_argument("--tag", action="append")
    _limit_flags(create)
    alert_flags(create)
    create.set_defaults(handler=_teams_create)
    sub.add_parser("list", parents=parent, help="list teams").set_defaults(handler=_teams_list)
    for name, handler, what in (
        ("show", _teams_show, "one team"),
        ("delete", _teams_delete, "delete a team whose keys are all revoked"),
    ):
        command = sub.add_parser(name, parents=parent, help=what)
        command.add_argument("id", metavar="TEAM_ID")
        command.set_defaults(handler=handler)
    update = sub.add_parser("update", parents=parent, help="rename a team or change its limits")
    update.add_argument("id", metavar="TEAM_ID")
    update.add_argument("--name")
    _limit_flags(update)
    update.set_defaults(handler=_teams_update)
