"""Ports for the servers tests start, safe with test files running on several processes.

A port taken from the kernel with ``bind(("127.0.0.1", 0))`` and released comes from the
ephemeral range (32768-60999 on Linux), where every outgoing connection also takes its source port:
with test files on two processes, one process's clients took a port the other had just chosen for
a gateway, which then could not bind ("address already in use") and a whole module failed. Ports
here come from below that range, from a band of their own for each pytest-xdist worker, and one
process never hands out a port twice.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path

_LOWEST = 20000  # above the well-known services tests use (PostgreSQL 5432, Redis 6379, nginx's)


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _band() -> range:
    """This process's ports: its share of [20000, the ephemeral range's start)."""
    top = _ephemeral_start()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker) if worker.isdigit() else 0
    size = max(0, top - _LOWEST) // max(1, count)
    return range(_LOWEST + index * size, _LOWEST + (index + 1) * size)


def _candidates() -> Iterator[int]:
    band = _band()
    if len(band) < 100:  # an unusual ephemeral range: the kernel's choice, as before
        while True:
            yield 0
    first = random.randrange(len(band))
    for offset in itertools.count():
        yield band[(first + offset) % len(band)]


_NEXT = _candidates()


def free_port() -> int:
    """A port nothing listens on now, for a server the test starts next."""
    for candidate in _NEXT:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            port: int = sock.getsockname()[1]
            return port
    raise RuntimeError("no free port")  # pragma: no cover  (the generator never ends)
