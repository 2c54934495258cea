"""The `strata` command: serve, check a config."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from gateway import __version__
from gateway.config.catalog import load_catalog
from gateway.config.errors import ConfigError
from gateway.config.loading import load_configuration
from gateway.config.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.app import create_app
    from gateway.config.secrets import ensure_master_key
    from gateway.server.config import uvicorn_options

    if args.config is not None:
        os.environ["STRATA_CONFIG"] = str(args.config)  # workers rebuild settings from the environment
    try:
        settings, catalog = load_configuration(args.config)
        settings = settings.with_overrides(host=args.host, port=args.port, workers=args.workers)
        key, created = ensure_master_key(settings)
        asyncio.run(_prepare_database(settings))
        app = create_app(settings, catalog, key)  # everything checkable before serving is checked here
    except ConfigError as exc:
        print(f"strata: invalid configuration\n{exc}", file=sys.stderr)
        return 2
    if created:
        print(
            f"Generated a master key (shown once; kept in {settings.data_dir / 'master.key'}, mode 0600):\n  {key}",
            file=sys.stderr,
        )
    source = settings.config or "the embedded default catalog"
    print(
        f"Strata {__version__}: serving {', '.join(catalog.models)} from {source} "
        f"on http{'s' if args.ssl_certfile else ''}://{settings.host}:{settings.port}",
        file=sys.stderr,
    )
    options = uvicorn_options(settings)
    options.update(ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile)
    if settings.workers > 1:  # each worker builds its own app (as checked above) from the environment
        uvicorn.run("gateway.app:app_from_environment", factory=True, workers=settings.workers, **options)
    else:
        uvicorn.run(app, **options)
    return 0


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

    revision = asyncio.run(run())
    print(f"database at revision {revision}")
    return 0


def _config_check(args: argparse.Namespace) -> int:
    try:
        catalog = load_catalog(args.file)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    deployments = sum(len(m.deployments) for m in catalog.models.values())
    print(f"{args.file}: OK ({len(catalog.models)} models, {deployments} deployments)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="strata", description="Strata model gateway")
    parser.add_argument("--version", action="version", version=f"strata {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the gateway")
    serve.add_argument("--config", type=Path, help="YAML catalog (default: $STRATA_CONFIG or ./strata.yaml)")
    serve.add_argument("--host", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 4000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database tools")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations ($STRATA_DATABASE_URL, or the embedded SQLite)")
    upgrade.add_argument("--config", type=Path, help="YAML catalog whose settings block names the database")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=_db_upgrade)

    config = commands.add_parser("config", help="configuration tools")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    check = config_commands.add_parser("check", help="validate a config file without starting")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=_config_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
