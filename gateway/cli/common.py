"""What every command that talks to a running gateway shares: its options, the client, failures.

Exit codes: 0 done, 1 the gateway (or the way to it) said no, 2 the command line was wrong. A
failure is one line on stderr, never a traceback: which gateway could not be reached, which key
was refused, what the gateway's 4xx said.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from gateway.client.errors import (
    APIConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    StrataError,
    TimeoutError,
)

if TYPE_CHECKING:
    from gateway.client.client import Strata

OK, ERROR, USAGE = 0, 1, 2
Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A command line argparse accepted but that cannot work (no key, a bad --since): exit 2."""


def gateway_options(parser: argparse.ArgumentParser, top: bool = False) -> None:
    """--base-url, --api-key, --timeout and --json, on ``strata`` itself and on each remote command
    (either place works: a subcommand's copy only overrides when given)."""
    unset = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("gateway options")
    group.add_argument(
        "--base-url", default=unset, help="the gateway (default: $STRATA_BASE_URL or http://127.0.0.1:4000)"
    )
    group.add_argument("--api-key", default=unset, help="the key to use (default: $STRATA_API_KEY)")
    group.add_argument("--timeout", type=float, default=unset, help="seconds per call, retries included (default 120)")
    group.add_argument("--json", action="store_true", default=False if top else argparse.SUPPRESS, help="JSON output")


def remote_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    gateway_options(parent)
    return parent


def client(args: argparse.Namespace, max_retries: int = 2) -> Strata:
    from gateway.client.client import Strata

    if not (args.api_key or os.environ.get("STRATA_API_KEY")):
        raise UsageError("no API key: pass --api-key or set STRATA_API_KEY")
    try:
        return Strata(args.base_url, args.api_key, timeout=args.timeout, max_retries=max_retries)
    except StrataError as error:  # a base URL that is not one, a timeout that is not positive
        raise UsageError(str(error)) from None


def describe(error: StrataError) -> str:
    """The one line a failure gets."""
    if isinstance(error, APIConnectionError):
        return str(error)
    if isinstance(error, AuthenticationError):
        return f"the gateway refused the key: {error} (HTTP {error.status})"
    if isinstance(error, PermissionDeniedError):
        return f"not allowed with this key: {error} (HTTP {error.status})"
    if isinstance(error, TimeoutError) and error.status is None and error.type is None:
        # the client's own deadline; a 504 or a stream the gateway cut (its deployment's timeout)
        # carries a status or a type, and a longer --timeout would not help
        return f"{error} (--timeout to wait longer)"
    status = f" (HTTP {error.status})" if error.status else ""
    return f"{error}{status}"


def remote(handler: Handler) -> Handler:
    """Run a command that calls the gateway; failures become one line on stderr and an exit code."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except UsageError as error:
            print(f"strata: {error}", file=sys.stderr)
            return USAGE
        except StrataError as error:
            sys.stdout.flush()
            print(f"strata: error: {describe(error)}", file=sys.stderr)
            return ERROR

    return run
