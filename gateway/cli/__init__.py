"""The ``strata`` command: run a gateway (serve, db, config) and administer a running one.

Each command group is a module with a ``register`` function; handlers import what they need
when they run, so ``strata keys list`` loads the client (httpx, pydantic) and never the server
(FastAPI, SQLAlchemy, litellm), and ``strata serve`` never the client. Exit codes: 0 done, 1 the
command failed (one line on stderr), 2 the command line was wrong (argparse's usage message).
"""

from __future__ import annotations

import argparse
import sys

from gateway import __version__
from gateway.cli import alerts_cmds, bench_cmd, completion, config_cmds, keys_cmds, ops_cmds, runtime_cmds, server
from gateway.cli.common import gateway_options

GROUPS = (server, config_cmds, runtime_cmds, keys_cmds, ops_cmds, alerts_cmds, bench_cmd, completion)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="strata",
        description="Strata model gateway: run it, and administer a running one.",
        epilog="Commands that call a gateway take --base-url and --api-key (or $STRATA_BASE_URL, $STRATA_API_KEY).",
    )
    parser.add_argument("--version", action="version", version=f"strata {__version__}")
    gateway_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print("strata: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `strata keys list | head`: the reader left; nothing more to say
        sys.stderr.close()
        return 0
    return code
