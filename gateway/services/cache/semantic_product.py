"""A partition's similarities to a prompt's vector: one matrix-vector product, shared with a helper
thread when the partition is large.

A product over 10,000 rows reads 15 MB. Right after a lookup's embedding pass (which streams the
model's weights through the CPU's caches) those rows come from memory, and one thread takes ~1.1 ms
where the same product in cache takes 0.27 (AMD EPYC, 2 cores, ``bench/semantic_lookup_floor.py``).
Memory bandwidth grows with the cores reading, so the rows are cut in chunks that the event loop's
thread and one helper thread take in turn: ~0.52 ms. The event loop never waits on a helper that
has not started: it takes every chunk itself then, and cancels the helper's turn; it waits at most
for the one chunk the helper is computing. Small partitions are cached and quick: one thread, no hand-off.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

SHARED_ROWS = 4096  # a partition this large is shared with the helper thread
CHUNK_ROWS = 1024  # 1.5 MB of 384-dim rows: many chunks, so neither thread waits long for the other

_helper: ThreadPoolExecutor | None = None


def similarities(rows: npt.NDArray[np.float32], unit: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """``rows @ unit``: each row's dot product with the unit vector."""
    total = len(rows)
    if total < SHARED_ROWS:
        return rows @ unit
    out = np.empty(total, dtype=np.float32)
    chunks = itertools.count()  # its next() holds the GIL: each chunk is taken by one thread only
    last = -(-total // CHUNK_ROWS)

    def take_chunks() -> None:
        while (chunk := next(chunks)) < last:
            start = chunk * CHUNK_ROWS
            np.matmul(rows[start : start + CHUNK_ROWS], unit, out=out[start : start + CHUNK_ROWS])

    helping = _helper_thread().submit(take_chunks)
    take_chunks()
    if not helping.cancel():  # started: it is on its last chunk at most
        helping.result()
    return out


def _helper_thread() -> ThreadPoolExecutor:
    global _helper
    if _helper is None:
        _helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantic-product")
    return _helper
