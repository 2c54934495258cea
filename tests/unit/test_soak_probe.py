"""What bench/soak.py reads from /proc and how it fits a slope: checked against this process and
known points, so a soak report's numbers mean what they say."""

from __future__ import annotations

import os
import socket

import pytest

from bench.soak_probe import descriptor_kinds, descriptors, percentile, rss_mb, slope_per_10_min


def test_the_slope_is_in_units_per_ten_minutes_and_ignores_noise_around_a_flat_line() -> None:
    growing = [(t * 60.0, 100.0 + t) for t in range(30)]  # 1 MB a minute
    assert slope_per_10_min(growing) == pytest.approx(10.0)
    flat = [(t * 10.0, 100.0 + (0.5 if t % 2 else -0.5)) for t in range(180)]
    assert abs(slope_per_10_min(flat)) < 0.05
    assert slope_per_10_min([(0.0, 1.0)]) == 0.0


def test_connections_and_descriptors_are_this_processs_own() -> None:
    pid = os.getpid()
    fds, established, sockets = descriptors(pid)
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        with client, accepted:
            now = descriptors(pid)
            assert now == (fds + 3, established + 2, sockets + 3)  # the listener and both ends
            assert descriptor_kinds(pid)["socket"] >= 3
    assert descriptors(pid) == (fds, established, sockets)
    assert 1 < rss_mb(pid) < 100_000


def test_percentiles_of_nothing_are_none() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
