"""``strata guardrails ...``, ``strata deployments list|reset`` and ``strata usage``: an operator's view."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from gateway.cli.common import UsageError, client, remote, remote_parent
from gateway.cli.output import fields, print_json, table

if TYPE_CHECKING:  # training imports torch lazily; the CLI's other commands never load it
    from gateway.guardrails.semantic.training import Calibrated

# ---------------------------------------------------------------- guardrails


@remote
def _guardrails_list(args: argparse.Namespace) -> int:
    with client(args) as strata:
        found = strata.admin.guardrails.list(args.id)
    if args.json:
        print_json(found)
        return 0
    rows = [(g.id, g.name, g.version, g.status, g.description, g.updatedAt) for g in found]
    print(table(["ID", "NAME", "VERSION", "STATUS", "DESCRIPTION", "UPDATED"], rows))
    return 0


@remote
def _guardrails_show(args: argparse.Namespace) -> int:
    with client(args) as strata:
        guardrail = strata.admin.guardrails.get(args.id, args.version)
    if args.json:
        print_json(guardrail)
        return 0
    shown = guardrail.model_dump()
    policies = sorted(name for name, value in shown.items() if name.endswith("Policy") and value)
    names = ("guardrailId", "name", "version", "status", "description", "blockedInputMessaging")
    pairs = [(name, shown.get(name)) for name in names]
    pairs += [("blockedOutputsMessaging", guardrail.blockedOutputsMessaging), ("policies", policies)]
    pairs += [("createdAt", guardrail.createdAt), ("updatedAt", guardrail.updatedAt)]
    print(fields(pairs))
    return 0


@remote
def _guardrails_apply(args: argparse.Namespace) -> int:
    with client(args) as strata:
        check = strata.apply_guardrail(args.id, args.text, version=args.version, source=args.source)
    if args.json:
        print_json(check)
        return 0
    verdict = "BLOCKED" if check.blocked else ("MASKED" if check.action == "GUARDRAIL_INTERVENED" else "PASSED")
    pairs: list[tuple[str, Any]] = [("verdict", verdict), ("policies", check.policies)]
    pairs += [(f"output[{i}]", text) for i, text in enumerate(check.outputs)]
    print(fields(pairs))
    return 0


@remote
def _guardrails_create(args: argparse.Namespace) -> int:
    try:
        definition = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"{args.file}: {error}") from None
    if not isinstance(definition, dict):
        raise UsageError(f"{args.file}: not a JSON object (CreateGuardrail's request body)")
    with client(args, max_retries=0) as strata:
        created = strata.admin.guardrails.create(definition)
    print_json(created) if args.json else print(f"created {created.guardrailId} (version {created.version})")
    return 0


@remote
def _guardrails_version(args: argparse.Namespace) -> int:
    with client(args, max_retries=0) as strata:
        made = strata.admin.guardrails.create_version(args.id, args.description)
    print_json(made) if args.json else print(f"{made.guardrailId}: version {made.version}")
    return 0


@remote
def _guardrails_delete(args: argparse.Namespace) -> int:
    with client(args) as strata:
        strata.admin.guardrails.delete(args.id, args.version)
    what = f"{args.id} version {args.version}" if args.version else args.id
    print_json({"deleted": args.id, "version": args.version}) if args.json else print(f"deleted {what}")
    return 0


# ---------------------------------------------------------------- deployments


@remote
def _deployments_list(args: argparse.Namespace) -> int:
    with client(args) as strata:
        models = strata.admin.deployments.list()
    if args.json:
        print_json(models)
        return 0
    rows = [
        (m.model, d.deployment, d.state, d.in_flight, d.latency_ms, d.ttft_ms, d.requests_last_minute, d.cooling_for_s)
        for m in models
        for d in m.deployments
    ]
    print(table(["MODEL", "DEPLOYMENT", "STATE", "IN FLIGHT", "LATENCY MS", "TTFT MS", "REQ/MIN", "COOLING S"], rows))
    return 0


@remote
def _deployments_reset(args: argparse.Namespace) -> int:
    with client(args) as strata:
        reset = strata.admin.deployments.reset(args.id)
    print_json({"reset": reset}) if args.json else print(f"back in rotation: {', '.join(reset) or 'none'}")
    return 0


# ---------------------------------------------------------------- usage

_AGO = re.compile(r"^(\d+)([dw])$")


def since(text: str, today: date | None = None, flag: str = "--since") -> date:
    """``7d``, ``2w`` (the first of that many UTC days ending today, as the API's default "last 30
    days" counts them) or a day, ``YYYY-MM-DD``."""
    today = today or datetime.now(UTC).date()
    match = _AGO.match(text.strip())
    if match:
        amount = int(match[1]) * (7 if match[2] == "w" else 1)
        try:
            return today - timedelta(days=max(amount, 1) - 1)
        except OverflowError:  # before year 1 (or past what timedelta holds)
            raise UsageError(f"{flag} {text!r}: that is before the calendar starts") from None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{flag} {text!r}: write 7d, 2w or a day (YYYY-MM-DD)") from None


_METRICS: tuple[str, ...] = ("requests", "errors", "prompt_tokens", "completion_tokens", "cost_usd")
_METRICS += ("latency_ms_p50", "latency_ms_p95", "cache_hits", "saved_usd")
_HEADERS = ["REQUESTS", "ERRORS", "PROMPT TOKENS", "COMPLETION TOKENS", "COST USD", "P50 MS", "P95 MS"]
_HEADERS += ["CACHE HITS", "SAVED USD"]


@remote
def _usage(args: argparse.Namespace) -> int:
    filters: dict[str, Any] = {
        "start": since(args.since),
        "key_id": args.key,
        "team_id": args.team,
        "model": args.model,
    }
    if args.until:
        filters["end"] = since(args.until, flag="--until")
    filters = {k: v for k, v in filters.items() if v is not None}
    with client(args) as strata:
        total = strata.admin.usage.totals(**filters)
        grouped = strata.admin.usage.totals(args.by, limit=args.limit, **filters) if args.by else None
    overall = total.rows[0] if total.rows else None
    if args.json:
        print_json(
            {
                "start": total.start,
                "end": total.end,
                "group_by": args.by,
                "rows": grouped.rows if grouped else [],
                "total": overall,
            }
        )
        return 0
    print(f"Usage from {total.start} to {total.end} (UTC days)")
    footer = ["TOTAL", *(getattr(overall, m) if overall else 0 for m in _METRICS)]
    rows = [[row.group or "(none)", *(getattr(row, m) for m in _METRICS)] for row in (grouped.rows if grouped else [])]
    print(table([(args.by or "all").upper(), *_HEADERS], rows, footer))
    return 0


Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(commands: Commands) -> None:
    parent = [remote_parent()]
    _register_guardrails(commands, parent)
    _register_deployments(commands, parent)
    _register_usage(commands, parent)


def _passes(text: str) -> int:
    """--epochs: a whole number of passes from 1 to 100 (argparse's usage line and exit 2 otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be from 1 to 100, not {value}")
    return value


def _guardrails_train(args: argparse.Namespace) -> int:
    from gateway.guardrails.semantic import training

    try:
        data = training.examples(args.data, with_seeds=not args.no_seeds)
        held_out = training.examples(args.calibrate, with_seeds=False) if args.calibrate else None
        if held_out is not None and all(label for _, label in held_out):
            raise ValueError("calibration needs prompts that are not attacks")
        print(f"training on {len(data)} texts ({sum(label for _, label in data)} attacks)", flush=True)
        out = training.train(data, args.out, training.Options(epochs=args.epochs), lambda line: print(line, flush=True))
        if held_out is not None:
            _print_calibration(training.calibrate(out, held_out))
    except (OSError, ValueError) as failed:
        print(f"strata: {failed}", file=sys.stderr)
        return 1
    print(f"written to {out}: set STRATA_GUARDRAIL_CLASSIFIER_MODEL_PATH={out}")
    return 0


def _guardrails_calibrate(args: argparse.Namespace) -> int:
    from gateway.guardrails.semantic import training

    try:
        if not (args.model / "config.json").is_file():
            raise ValueError(f"{args.model}: not a classifier folder (no config.json)")
        _print_calibration(training.calibrate(args.model, training.examples(args.data, with_seeds=False)))
    except (OSError, ValueError) as failed:
        print(f"strata: {failed}", file=sys.stderr)
        return 1
    return 0


def _print_calibration(result: Calibrated) -> None:
    print(f"calibrated on {result.benign} benign prompts and {result.attacks} attacks:")
    for name, floor in result.floors.items():
        print(
            f"  {name:<6} at probability >= {floor:.4f}: {result.flagged[name]:.1%} of the benign prompts, "
            f"{result.caught[name]:.1%} of the attacks"
        )


def _register_guardrails(commands: Commands, parent: list[argparse.ArgumentParser]) -> None:
    guardrails = commands.add_parser(
        "guardrails", help="guardrails (admin; apply: any key)", description="Guardrails, as Bedrock's API keeps them."
    )
    sub = guardrails.add_subparsers(dest="guardrails_command", required=True, metavar="COMMAND")
    listing = sub.add_parser("list", parents=parent, help="every guardrail (or every version of one)")
    listing.add_argument("id", nargs="?", metavar="GUARDRAIL_ID", help="list this guardrail's versions")
    listing.set_defaults(handler=_guardrails_list)
    show = sub.add_parser("show", parents=parent, help="one guardrail's definition")
    show.add_argument("id", metavar="GUARDRAIL_ID")
    show.add_argument("--version", help="DRAFT (default) or a version number")
    show.set_defaults(handler=_guardrails_show)
    apply = sub.add_parser("apply", parents=parent, help="check text against a guardrail (no model call)")
    apply.add_argument("id", metavar="GUARDRAIL_ID")
    apply.add_argument("text", nargs="+")
    apply.add_argument("--version", help="DRAFT (default) or a version number")
    apply.add_argument(
        "--source", choices=("input", "output"), default="input", help="check it as a prompt or an answer"
    )
    apply.set_defaults(handler=_guardrails_apply)
    create = sub.add_parser("create", parents=parent, help="create a guardrail from CreateGuardrail's JSON")
    create.add_argument("file", metavar="FILE.json")
    create.set_defaults(handler=_guardrails_create)
    version = sub.add_parser("version", parents=parent, help="freeze the DRAFT as a new numbered version")
    version.add_argument("id", metavar="GUARDRAIL_ID")
    version.add_argument("--description")
    version.set_defaults(handler=_guardrails_version)
    delete = sub.add_parser("delete", parents=parent, help="delete a guardrail, or one numbered version")
    delete.add_argument("id", metavar="GUARDRAIL_ID")
    delete.add_argument("--version", help="only this numbered version")
    delete.set_defaults(handler=_guardrails_delete)
    train = sub.add_parser(
        "train-classifier",
        help="fine-tune the embedded MiniLM into a prompt-attack classifier (local, minutes on a CPU)",
        description="Fine-tune the embedded all-MiniLM-L6-v2 on labelled prompts (and the shipped seeds) into a "
        "folder for STRATA_GUARDRAIL_CLASSIFIER_MODEL_PATH. No gateway is called.",
    )
    train.add_argument("--out", required=True, type=Path, metavar="DIR", help="where the classifier is written")
    train.add_argument(
        "--data",
        action="append",
        default=[],
        type=Path,
        metavar="FILE.jsonl",
        help='labelled prompts, one {"text": ..., "attack": true|false} per line (repeatable)',
    )
    train.add_argument("--epochs", type=_passes, default=4, help="passes over the examples (default 4, 1 to 100)")
    train.add_argument("--no-seeds", action="store_true", help="leave out the content seeds shipped with Strata")
    train.add_argument(
        "--calibrate",
        action="append",
        default=[],
        type=Path,
        metavar="FILE.jsonl",
        help="labelled prompts NOT trained on: the confidence floors are set where few of their benign ones reach",
    )
    train.set_defaults(handler=_guardrails_train)
    calibrate = sub.add_parser(
        "calibrate-classifier",
        help="set a trained classifier's confidence floors from held-out labelled prompts",
        description="Score held-out labelled prompts with a classifier folder and write the probability floors of "
        "its LOW, MEDIUM and HIGH confidences beside it (strata_confidence.json): 6%, 3% and 1% of the benign "
        "prompts reach them, what filters of strength HIGH, MEDIUM and LOW then block. No gateway is called.",
    )
    calibrate.add_argument("--model", required=True, type=Path, metavar="DIR", help="the classifier's folder")
    calibrate.add_argument(
        "--data", action="append", required=True, type=Path, metavar="FILE.jsonl", help="held-out labelled prompts"
    )
    calibrate.set_defaults(handler=_guardrails_calibrate)


def _register_deployments(commands: Commands, parent: list[argparse.ArgumentParser]) -> None:
    deployments = commands.add_parser(
        "deployments", help="routing state (admin)", description="Deployments and their routing state."
    )
    sub = deployments.add_subparsers(dest="deployments_command", required=True, metavar="COMMAND")
    sub.add_parser("list", parents=parent, help="each deployment's state").set_defaults(handler=_deployments_list)
    reset = sub.add_parser("reset", parents=parent, help="put a deployment (default: every one) back into rotation")
    reset.add_argument("id", nargs="?", metavar="DEPLOYMENT_ID")
    reset.set_defaults(handler=_deployments_reset)


def _register_usage(commands: Commands, parent: list[argparse.ArgumentParser]) -> None:
    usage = commands.add_parser(
        "usage",
        parents=parent,
        help="usage totals (admin)",
        description="Requests, tokens, cost and latency, with totals.",
    )
    usage.add_argument("--by", choices=("model", "key", "team", "day"), help="one row per model, key, team or day")
    usage.add_argument("--since", default="30d", help="7d, 2w or YYYY-MM-DD (default 30d)")
    usage.add_argument("--until", help="the last day, YYYY-MM-DD or 1d... (default today)")
    usage.add_argument("--key", metavar="KEY_ID", help="only this key")
    usage.add_argument("--team", metavar="TEAM_ID", help="only this team")
    usage.add_argument("--model", help="only this model")
    usage.add_argument("--limit", type=int, default=100, help="most rows (the most expensive first; default 100)")
    usage.set_defaults(handler=_usage)
