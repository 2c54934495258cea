"""``strata serve`` and ``strata db upgrade``: the commands that run the gateway itself.

The server's modules are imported inside the handlers, so that the client commands beside them
start without loading FastAPI, SQLAlchemy or litellm.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway import __version__

if TYPE_CHECKING:
    from gateway.config.settings import Settings


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on now (taken, not an address here), or None.

    Bound as uvicorn binds (SO_REUSEADDR), so a port left in TIME_WAIT by a stopped gateway is free."""
    if port == 0:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as error:
        return f"{host} is not an address here ({error.strerror or error})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as error:
            return error.strerror or str(error)
    return None


def _port_free(host: str, port: int) -> bool:
    problem = port_problem(host, port)
    if problem is not None:
        print(
            f"strata: cannot listen on {host}:{port}: {problem} (another gateway running? choose another --port)",
            file=sys.stderr,
        )
    return problem is None


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.app import create_app
    from gateway.config.errors import ConfigError
    from gateway.config.loading import load_configuration
    from gateway.config.secrets import ensure_master_key
    from gateway.config.settings import unknown_variables
    from gateway.observability import multiproc
    from gateway.server.config import uvicorn_options
    from gateway.server.workers import run_workers

    if args.config is not None:
        os.environ["STRATA_CONFIG"] = str(args.config)  # workers rebuild settings from the environment
    try:
        settings, catalog = load_configuration(args.config)
        settings = settings.with_overrides(host=args.host, port=args.port, workers=args.workers)
        if not _port_free(settings.host, settings.port):  # before any model loads or file is written
            return 1
        if (problem := _tls_problem(args.ssl_certfile, args.ssl_keyfile)) is not None:
            print(f"strata: {problem}", file=sys.stderr)
            return 2
        key, created = ensure_master_key(settings)
        if (problem := _run_on_database(_prepare_database(settings), settings.database_url_or_default)) is not None:
            print(problem, file=sys.stderr)
            return 1
        metrics_dir = multiproc.prepare(settings.workers)  # every worker's metrics in one folder
        app = create_app(settings, catalog, key)  # everything checkable before serving is checked here
    except ConfigError as exc:
        print(f"strata: invalid configuration\n{exc}", file=sys.stderr)
        return 2
    if created:
        print(
            f"Generated a master key (shown once; kept in {settings.data_dir / 'master.key'}, mode 0600):\n  {key}",
            file=sys.stderr,
        )
    if catalog.unmapped_warning:  # a LiteLLM config: once, here, not in every worker
        print(f"strata: warning: {catalog.unmapped_warning}", file=sys.stderr)
    for unknown in unknown_variables(os.environ):
        print(f"strata: warning: environment: {unknown}", file=sys.stderr)

    source = settings.config or "the embedded default catalog"
    print(
        f"Strata {__version__}: serving {', '.join(catalog.models)} from {source} "
        f"on http{'s' if args.ssl_certfile else ''}://{settings.host}:{settings.port}",
        file=sys.stderr,
    )
    options = uvicorn_options(settings)
    options.update(ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile)
    status = 0
    try:
        if settings.workers > 1:  # each worker builds its own app (as checked above) from the environment
            status = run_workers("gateway.app:app_from_environment", settings.workers, options)
        else:
            uvicorn.run(app, **options)
    finally:
        multiproc.remove(metrics_dir)
    return status


async def _prepare_database(settings: Settings) -> None:
    """Before serving: migrate the embedded SQLite, or refuse a PostgreSQL schema that is behind;
    refuse a STRATA_SECRET_KEY other than the one the database's keys were sealed with."""
    from gateway.config.secrets import ensure_secret_key
    from gateway.db.database import Database
    from gateway.services.keys.crypto import KeySealer

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database.connect(settings.database_url_or_default, KeySealer(ensure_secret_key(settings)))
    try:
        await database.prepare()
    finally:
        await database.aclose()


def _db_upgrade(args: argparse.Namespace) -> int:
    from gateway.config.errors import ConfigError
    from gateway.config.loading import load_configuration
    from gateway.db import migrate
    from gateway.db.database import Database

    try:
        settings, _ = load_configuration(args.config)
    except ConfigError as exc:
        print(f"strata: invalid configuration\n{exc}", file=sys.stderr)
        return 2
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run() -> str | None:
        database = Database.connect(settings.database_url_or_default)
        try:
            await migrate.upgrade(database.engine, database.url, args.revision)
            return await migrate.current_revision(database.engine)
        finally:
            await database.aclose()

    revision: list[str | None] = []

    async def upgraded() -> None:
        revision.append(await run())

    if (problem := _run_on_database(upgraded(), settings.database_url_or_default)) is not None:
        print(problem, file=sys.stderr)
        return 1
    print(f"database at revision {revision[0]}")
    return 0


def _run_on_database(work: Coroutine[Any, Any, None], url: str) -> str | None:
    """Run ``work``; a database that cannot be reached (refused, unknown host, wrong password, no
    such database) is one line naming it, not a traceback (None: done)."""
    try:
        asyncio.run(work)
    except Exception as exc:
        if not isinstance(exc, OSError) and not type(exc).__module__.startswith(("sqlalchemy", "asyncpg")):
            raise
        from sqlalchemy.engine import make_url

        where = make_url(url).render_as_string(hide_password=True)
        text = str(getattr(exc, "orig", None) or exc).strip()
        reason = text.splitlines()[0] if text else type(exc).__name__
        return f"strata: cannot use the database at {where}: {reason}"
    return None


def _tls_problem(certfile: str | None, keyfile: str | None) -> str | None:
    """Why the certificate cannot serve HTTPS (missing, not PEM, not the key's), before anything
    is announced: it was a traceback after the "serving on https://" line."""
    if certfile is None:
        return None if keyfile is None else "--ssl-keyfile needs --ssl-certfile"
    import ssl

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except FileNotFoundError:
        missing = next((f for f in (certfile, keyfile) if f is not None and not Path(f).is_file()), certfile)
        return f"cannot use the TLS certificate: {missing}: no such file"
    except (OSError, ssl.SSLError) as exc:
        return f"cannot use the TLS certificate {certfile}: {exc.strerror or exc}"
    return None


def _bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (--port 83686 listened on 18150)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="run the gateway", description="Run the gateway (HTTP, or HTTPS).")
    serve.add_argument("--config", type=Path, help="YAML catalog (default: $STRATA_CONFIG or ./strata.yaml)")
    serve.add_argument("--host", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=_bounded(0, 65535), help="port (default 4000)")
    serve.add_argument("--workers", type=_bounded(1, 1024), help="worker processes (default 1)")
    serve.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database tools", description="Database tools.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = db_commands.add_parser(
        "upgrade",
        help="apply migrations ($STRATA_DATABASE_URL, or the embedded SQLite)",
        description="Apply the database migrations ($STRATA_DATABASE_URL, or the embedded SQLite).",
    )
    upgrade.add_argument("--config", type=Path, help="YAML catalog whose settings block names the database")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=_db_upgrade)
