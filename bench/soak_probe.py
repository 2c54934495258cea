"""What the soak reads of a running gateway, from the outside: memory, descriptors, connections
and event-loop lag, and the least-squares slope that says whether memory keeps growing.

Everything comes from /proc (psutil is not a dependency): RSS from ``/proc/PID/status``, file
descriptors from ``/proc/PID/fd``, and connections by matching the process's socket inodes against
``/proc/PID/net/tcp`` and ``tcp6`` (which list the whole network namespace, so the inodes say which
are this process's). The lag is the gateway's own ``strata_event_loop_lag_seconds`` from /metrics.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

ESTABLISHED = "01"  # the `st` column of /proc/net/tcp


@dataclass(frozen=True, slots=True)
class Sample:
    t_s: float  # seconds since the soak started
    phase: str  # warm-up, baseline, soak, after
    rss_mb: float  # the gateway process itself
    tree_rss_mb: float  # with its descendants (a local model's worker)
    fds: int
    connections: int  # established TCP connections held by the gateway process
    sockets: int  # every TCP socket it holds, listening and closing ones included
    loop_lag_ms: float | None
    cpu_s: float
    requests: int  # answered by then (the soak's own count)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


def tree_rss_mb(pid: int) -> float:
    total = rss_mb(pid)
    for child in descendants(pid):
        try:
            total += rss_mb(child)
        except OSError:
            pass  # exited meanwhile
    return total


def _socket_inodes(pid: int) -> tuple[int, set[str]]:
    """(open descriptors, inodes of the sockets among them)."""
    folder = f"/proc/{pid}/fd"
    count, inodes = 0, set()
    for name in os.listdir(folder):
        count += 1
        try:
            target = os.readlink(f"{folder}/{name}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return count, inodes


def descriptor_kinds(pid: int) -> Counter[str]:
    """What the open descriptors are: a file's path, or the kind of a socket, pipe or anon inode."""
    kinds: Counter[str] = Counter()
    folder = f"/proc/{pid}/fd"
    for name in os.listdir(folder):
        try:
            target = os.readlink(f"{folder}/{name}")
        except OSError:
            continue
        kinds[target.split(":[", 1)[0] if ":[" in target else target] += 1
    return kinds


def descriptors(pid: int) -> tuple[int, int, int]:
    """(open file descriptors, established TCP connections, TCP sockets in any state)."""
    count, inodes = _socket_inodes(pid)
    established = sockets = 0
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[9] in inodes:
                sockets += 1
                established += fields[3] == ESTABLISHED
    return count, established, sockets


def loop_lag_ms(client: httpx.Client, base_url: str) -> float | None:
    """The gateway's last measured event-loop lag, in milliseconds (None if /metrics did not say)."""
    try:
        response = client.get(f"{base_url}/metrics")
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "strata_event_loop_lag_seconds":
                return float(sample.value) * 1000
    return None


def slope_per_10_min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, in value per 10 minutes (0 with < 2 points)."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / spread * 600


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
