"""What every connection is held to, and how many connections each client address has open.

Both live per server process: with ``--workers N`` each worker counts (and caps) its own
connections, so one address may hold up to N times the cap across the workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.config.settings import Settings


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    header_timeout_s: float  # the whole request head, from the connection opening or its first byte
    body_timeout_s: float  # the whole body, from the end of the head
    idle_timeout_s: float  # a kept-alive connection waiting for its next request
    max_header_bytes: int
    max_per_client: int  # open connections per client address; 0: no cap

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            header_timeout_s=settings.header_timeout_s,
            body_timeout_s=settings.body_timeout_s,
            idle_timeout_s=settings.idle_timeout_s,
            max_header_bytes=settings.max_header_bytes,
            max_per_client=settings.max_connections_per_client,
        )

    @property
    def tick_s(self) -> float:
        """A connection's one timer never sleeps longer than the shortest deadline, so a deadline
        set while it sleeps is never missed and moving to a new phase never re-arms it."""
        return min(self.header_timeout_s, self.body_timeout_s, self.idle_timeout_s)


class ClientConnections:
    """Open connections per client address in this process (one event loop: no lock needed)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}
        self._at_cap: set[str] = set()  # refused since they last dropped below the cap: warn once per burst

    def admit(self, address: str) -> bool:
        count = self._open.get(address, 0)
        if self.limit and count >= self.limit:
            return False
        self._open[address] = count + 1
        return True

    def release(self, address: str) -> None:
        count = self._open.get(address, 0) - 1
        if count > 0:
            self._open[address] = count
        else:
            self._open.pop(address, None)
        if count < self.limit:
            self._at_cap.discard(address)

    def first_refusal(self, address: str) -> bool:
        """True for the first refusal of a burst: the moment worth a log line."""
        if address in self._at_cap:
            return False
        self._at_cap.add(address)
        return True

    def open_from(self, address: str) -> int:
        return self._open.get(address, 0)
