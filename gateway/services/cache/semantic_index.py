"""The semantic cache's nearest-neighbour index: which cached answer, if any, was asked for in other words.

Per process and in memory (numpy): each partition (a hash of scope, model, system prompt and
parameters, decided by the cache stage) holds its unit-length float32 vectors in one contiguous
matrix, so a lookup is one matrix-vector product over that partition's rows only, never a Python
loop over entries. A matrix is preallocated and doubles when full (halves when three quarters
empty), so adding is amortised O(1); removing swaps the last row into the hole.

Bounded by ``max_entries`` over all partitions: when full, the least recently used entry (added or
hit) goes. Expiry is wall-clock (``time.time()`` seconds, the same in every process, since entries
are shared through Redis): a heap of expiry times reclaims expired entries on every add and lookup,
so an expired entry is never returned and never holds memory past the next call.

When the cached prompt's text is given (``text=``, or its ``guard_signature`` from another
process), the index keeps the guard's facts about it (``semantic_guard.py``), and a lookup given
the new text passes over neighbours whose numbers, negation, names, identifiers, units or opposites
differ, taking the next best instead. An entry added without either is never refused by the guard.

Not thread-safe, by design: the gateway uses it from its event loop only (every method is
synchronous and short, so no lock is needed there). Never share one between threads.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from gateway.blas import one_blas_thread
from gateway.services.cache.semantic_guard import Facts, facts, parse
from gateway.services.cache.semantic_product import similarities

one_blas_thread()  # a lookup's product against the index runs on the event loop (gateway/blas.py)

INITIAL_ROWS = 16
GUARDED_CANDIDATES = 8  # neighbours above the threshold the guard may look at, best first

Vector = Sequence[float] | npt.NDArray[np.floating]


class VectorShapeError(ValueError):
    """A vector the index cannot hold: another dimension than its embedding model's, zero, or not finite."""


class _Where(NamedTuple):
    partition: str
    slot: int
    seq: int  # which add this is, so a stale expiry in the heap is recognised


class _Partition:
    """One partition's rows: vectors[:size] are live, keys[i] and guards[i] describe row i."""

    __slots__ = ("vectors", "expires", "keys", "guards")

    def __init__(self, dim: int) -> None:
        self.vectors: npt.NDArray[np.float32] = np.empty((INITIAL_ROWS, dim), dtype=np.float32)
        self.expires: npt.NDArray[np.float64] = np.empty(INITIAL_ROWS, dtype=np.float64)
        self.keys: list[str] = []
        self.guards: list[Facts | None] = []

    @property
    def size(self) -> int:
        return len(self.keys)

    def append(self, vector: npt.NDArray[np.float32], key: str, expires_at: float, guard: Facts | None) -> int:
        slot = self.size
        if slot == len(self.vectors):
            self._resize(2 * slot)
        self.vectors[slot] = vector
        self.expires[slot] = expires_at
        self.keys.append(key)
        self.guards.append(guard)
        return slot

    def remove(self, slot: int) -> str | None:
        """Drop row ``slot``; the key of the row moved into it (the last one), if any."""
        last = self.size - 1
        moved = None
        if slot != last:
            self.vectors[slot] = self.vectors[last]
            self.expires[slot] = self.expires[last]
            self.keys[slot] = moved = self.keys[last]
            self.guards[slot] = self.guards[last]
        self.keys.pop()
        self.guards.pop()
        rows = len(self.vectors)
        if rows > INITIAL_ROWS and self.size <= rows // 4:
            self._resize(rows // 2)
        return moved

    def _resize(self, rows: int) -> None:
        size = self.size
        vectors = np.empty((rows, self.vectors.shape[1]), dtype=np.float32)
        vectors[:size] = self.vectors[:size]
        expires = np.empty(rows, dtype=np.float64)
        expires[:size] = self.expires[:size]
        self.vectors, self.expires = vectors, expires


class SemanticIndex:
    """Per-process, bounded nearest-neighbour index of unit-length float32 vectors, partitioned."""

    def __init__(self, max_entries: int = 10_000, dim: int = 384) -> None:
        if max_entries < 1 or dim < 1:
            raise ValueError("a semantic index needs max_entries >= 1 and dim >= 1")
        self.max_entries = max_entries
        self.dim = dim
        self._partitions: dict[str, _Partition] = {}
        self._where: OrderedDict[str, _Where] = OrderedDict()  # least recently used first
        self._expiry: list[tuple[float, int, str]] = []  # (expires_at, seq, key), a heap
        self._seq = 0
        self._clock: float | None = None  # the latest ``now`` a caller gave (add takes none)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, entry_key: object) -> bool:
        return entry_key in self._where

    def add(
        self,
        partition: str,
        vector: Vector,
        entry_key: str,
        expires_at: float,
        text: str | None = None,
        *,
        guard_signature: str | None = None,
        text_facts: Facts | None = None,
    ) -> None:
        """Remember that entry_key (an exact-cache key holding the answer) answers a prompt with this
        vector in this partition. ``text`` (the prompt) or its ``guard_signature`` lets lookups apply
        the guard (``text_facts``: the text already read, ``facts(text)``). Replaces an entry of the
        same key; the least recently used goes when full."""
        unit = self._unit(vector)
        if text_facts is not None:
            guard: Facts | None = text_facts
        else:
            guard = parse(guard_signature) if guard_signature is not None else facts(text) if text is not None else None
        if entry_key in self._where:
            self._remove(entry_key)
        self._expire_by(self._clock)
        while len(self._where) >= self.max_entries:
            self._remove(next(iter(self._where)))
        part = self._partitions.get(partition)
        if part is None:
            part = self._partitions[partition] = _Partition(self.dim)
        self._seq += 1
        slot = part.append(unit, entry_key, expires_at, guard)
        self._where[entry_key] = _Where(partition, slot, self._seq)
        heapq.heappush(self._expiry, (expires_at, self._seq, entry_key))
        self._compact_heap()

    def nearest(
        self,
        partition: str,
        vector: Vector,
        threshold: float,
        now: float,
        text: str | None = None,
        *,
        text_facts: Facts | None = None,
    ) -> tuple[str, float] | None:
        """The best unexpired entry at cosine >= threshold: (entry_key, similarity), else None.
        With ``text`` (the new prompt; ``text_facts``: it already read), entries whose guard
        signature differs are passed over."""
        unit = self._unit(vector)
        self._clock = now if self._clock is None else max(self._clock, now)
        self._expire_by(now)
        part = self._partitions.get(partition)
        if part is None:
            return None
        sims = similarities(part.vectors[: part.size], unit)
        if text is None and text_facts is None:
            best = int(np.argmax(sims))
            found = best if sims[best] >= threshold else None
        else:
            found = self._guarded(part, sims, threshold, text, text_facts)
        if found is None:
            return None
        key = part.keys[found]
        self._where.move_to_end(key)
        return key, float(sims[found])

    def discard(self, entry_key: str) -> None:
        """The answer behind entry_key is gone: forget it (nothing happens for an unknown key)."""
        if entry_key in self._where:
            self._remove(entry_key)

    def clear(self, partition_prefix: str | None = None) -> int:
        """Drop every partition whose name starts with the prefix (all when None); entries dropped."""
        names = [n for n in self._partitions if partition_prefix is None or n.startswith(partition_prefix)]
        dropped = 0
        for name in names:
            part = self._partitions.pop(name)
            dropped += part.size
            for key in part.keys:
                del self._where[key]
        if partition_prefix is None:
            self._expiry.clear()
        self._compact_heap()
        return dropped

    def sweep(self, now: float) -> None:
        """Reclaim every entry expired at ``now`` (lookups do this too; adds, by the latest ``now``)."""
        self._clock = now if self._clock is None else max(self._clock, now)
        self._expire_by(now)

    def _guarded(
        self,
        part: _Partition,
        sims: npt.NDArray[np.float32],
        threshold: float,
        text: str | None,
        text_facts: Facts | None,
    ) -> int | None:
        """The best row above the threshold the guard allows; the new prompt is read (unless it
        was already) only when some row is above it (a miss costs no guard)."""
        above = np.flatnonzero(sims >= threshold)
        if above.size == 0:
            return None
        new = text_facts if text_facts is not None else facts(text or "")
        if above.size > GUARDED_CANDIDATES:
            above = above[np.argpartition(-sims[above], GUARDED_CANDIDATES)[:GUARDED_CANDIDATES]]
        for row in above[np.argsort(-sims[above], kind="stable")]:
            cached = part.guards[row]
            if cached is None or cached.allows(new):
                return int(row)
        return None

    def _unit(self, vector: Vector) -> npt.NDArray[np.float32]:
        array = np.asarray(vector, dtype=np.float32)
        if array.shape != (self.dim,):
            raise VectorShapeError(
                f"the semantic index holds {self.dim}-dimensional vectors (its embedding model's); "
                f"got shape {array.shape}"
            )
        norm = float(np.linalg.norm(array))
        if not np.isfinite(norm) or norm == 0.0:
            raise VectorShapeError("a semantic index vector must be finite and non-zero")
        return array if abs(norm - 1.0) < 1e-4 else array / np.float32(norm)

    def _remove(self, key: str) -> None:
        where = self._where.pop(key)
        part = self._partitions[where.partition]
        moved = part.remove(where.slot)
        if moved is not None:
            self._where[moved] = self._where[moved]._replace(slot=where.slot)
        if part.size == 0:
            del self._partitions[where.partition]

    def _expire_by(self, now: float | None) -> None:
        heap = self._expiry
        while now is not None and heap and heap[0][0] <= now:
            _, seq, key = heapq.heappop(heap)
            where = self._where.get(key)
            if where is not None and where.seq == seq:
                self._remove(key)

    def _compact_heap(self) -> None:
        """Drop expiry records of entries already gone once they outnumber the live ones."""
        if len(self._expiry) > 2 * len(self._where) + 64:
            live = self._where
            self._expiry = [e for e in self._expiry if (w := live.get(e[2])) is not None and w.seq == e[1]]
            heapq.heapify(self._expiry)
