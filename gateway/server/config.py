"""The one uvicorn configuration: ``strata serve`` (one worker or N) and the tests' gateways use it."""

from __future__ import annotations

from functools import partial
from typing import Any

from gateway.config.settings import Settings
from gateway.logs import uvicorn_log_config
from gateway.server.limits import ClientConnections, ConnectionLimits
from gateway.server.protocol import StrataHttpProtocol

WORKER_PING_TIMEOUT_S = 30


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``, the app (or factory) aside.

    ``http`` is the protocol class with this process's limits bound in: a partial of a module-level
    class, so it pickles into the worker processes of ``--workers N``, each of which then counts
    its own connections per client.
    """
    limits = ConnectionLimits.from_settings(settings)
    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": partial(StrataHttpProtocol, limits=limits, clients=ClientConnections(limits.max_per_client)),
        "ws": "none",  # no WebSocket routes: an upgrade request is served as plain HTTP
        "lifespan": "on",
        "access_log": False,  # Strata writes its own (gateway/logs.py)
        "log_level": settings.log_level,
        "log_config": uvicorn_log_config(settings.log_level, settings.log_format),
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_keep_alive": settings.idle_timeout_s,  # unused by StrataHttpProtocol; kept truthful
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
        # --workers N: the parent kills a worker that does not answer its ping within this long, and
        # a new worker answers only once it has imported the app's modules (seconds on a busy host;
        # uvicorn's 5 s default had workers killed and respawned in a loop under load).
        "timeout_worker_healthcheck": WORKER_PING_TIMEOUT_S,
    }
