"""``strata models list``, ``strata invoke MODEL PROMPT`` (streamed to the terminal), ``strata embed``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from gateway.cli.common import UsageError, client, remote, remote_parent
from gateway.cli.output import print_json, table

if TYPE_CHECKING:
    from gateway.client.streams import ChatStream


@remote
def _models_list(args: argparse.Namespace) -> int:
    with client(args) as strata:
        models = strata.models.list()
    if args.json:
        print_json(models)
        return 0
    rows = [
        (m.id, ",".join(k for k, able in (m.capabilities or {}).items() if able), m.description or "") for m in models
    ]
    print(table(["MODEL", "CAPABILITIES", "DESCRIPTION"], rows))
    return 0


def _prompt(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    return text


def _params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if args.max_tokens is not None:
        params["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        params["temperature"] = args.temperature
    if args.guardrail:
        params["guardrails"] = args.guardrail
    return params


@remote
def _invoke(args: argparse.Namespace) -> int:
    messages = [{"role": "user", "content": _prompt(args.prompt)}]
    if args.system:
        messages.insert(0, {"role": "system", "content": args.system})
    with client(args) as strata:
        if args.json or args.no_stream:
            completion = strata.chat(args.model, messages, **_params(args))
            print_json(completion) if args.json else print(completion.text)
            return 0
        _stream(strata.chat_stream(args.model, messages, **_params(args)))
    return 0


def _stream(stream: ChatStream) -> None:
    """Each piece of text as it arrives; the line ended even when the stream fails part-way."""
    last = ""
    try:
        with stream:
            for chunk in stream:
                if chunk.text:
                    last = chunk.text
                    sys.stdout.write(chunk.text)
                    sys.stdout.flush()
    finally:
        if last and not last.endswith("\n"):
            sys.stdout.write("\n")
            sys.stdout.flush()


@remote
def _embed(args: argparse.Namespace) -> int:
    if not args.text:
        raise UsageError("embed needs at least one text")
    with client(args) as strata:
        result = strata.embed(args.model, [_prompt(t) for t in args.text])
    if args.json:
        print_json(result)
        return 0
    rows = [
        (i, len(v), " ".join(f"{x:.4f}" for x in v[:4]) + (" ..." if len(v) > 4 else ""))
        for i, v in enumerate(result.vectors)
    ]
    print(table(["INPUT", "DIMENSIONS", "VECTOR"], rows))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parent = [remote_parent()]
    models = commands.add_parser("models", help="the models a key may call", description="The gateway's models.")
    models_commands = models.add_subparsers(dest="models_command", required=True, metavar="COMMAND")
    listing = models_commands.add_parser(
        "list",
        parents=parent,
        help="list the models this key may call",
        description="List the models this key may call.",
    )
    listing.set_defaults(handler=_models_list)

    invoke = commands.add_parser(
        "invoke",
        parents=parent,
        help="ask a model, the answer streamed to the terminal",
        description="Send one prompt to a model; the answer is streamed as it is written.",
    )
    invoke.add_argument("model")
    invoke.add_argument("prompt", help="the prompt; - reads it from stdin")
    invoke.add_argument("--system", help="a system message first")
    invoke.add_argument("--max-tokens", type=int)
    invoke.add_argument("--temperature", type=float)
    invoke.add_argument("--guardrail", action="append", metavar="ID[:VERSION]", help="apply this guardrail too")
    invoke.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    invoke.set_defaults(handler=_invoke)

    embed = commands.add_parser(
        "embed", parents=parent, help="embed text with a model", description="Embed one or more texts with a model."
    )
    embed.add_argument("model")
    embed.add_argument("text", nargs="+", help="texts to embed; - reads one from stdin")
    embed.set_defaults(handler=_embed)
