"""Where this process is in its shutdown, read by readiness and by the request boundary.

SIGTERM (``gateway/server/signals.py``) moves it from SERVING to DRAINING: readiness answers 503
so that load balancers stop sending, while requests still arriving are served (each response
closes its connection, so the client's next request goes through the balancer again). After
``shutdown_delay_s`` the server closes its listener; calls in flight get ``shutdown_grace_s`` to
finish. A request that was still arriving on an open connection then is answered, not cut: the
server marks it (``CLOSING_SCOPE_KEY``, gateway/server/protocol.py) and the boundary refuses it
if it calls a model, with 503 and Retry-After, rather than start work the grace period would cut.
STOPPED: the app itself is stopping (its lifespan's shutdown); any model call is refused.
"""

from __future__ import annotations

from enum import IntEnum

from gateway.logs import LOG

CLOSING_SCOPE_KEY = "strata.closing"  # in a request's ASGI scope: it arrived after the listener closed


class Phase(IntEnum):
    SERVING = 0
    DRAINING = 1  # readiness fails; requests are served, each connection closed after its response
    STOPPED = 2  # the app is closing its resources: model calls are refused


class Drain:
    """One per app; its phase only moves forward."""

    def __init__(self) -> None:
        self.phase = Phase.SERVING

    def begin(self) -> None:
        if self.phase is Phase.SERVING:
            self.phase = Phase.DRAINING
            LOG.info("draining: readiness fails from now on; requests are still served")

    def stop(self) -> None:
        self.phase = Phase.STOPPED
