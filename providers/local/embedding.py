"""Dynamic batching for embeddings, in the worker: texts of many requests, one forward pass.

A request that finds the worker idle starts at once, so a lone caller pays no waiting. Texts
that arrived while a pass was running are batched for the next one; if that batch is not full
the worker waits up to ``max_wait`` for more. Only texts that came in while the pass computed say
that callers overlap: a lone caller's next request, sent the moment its answer left (before this
thread got back to its loop: the worker runs at a lower priority), starts at once too (it used
to wait the whole ``max_wait``, 5 ms, on up to half of a lone caller's requests).

A request with more texts than a batch holds is split across passes; its answer goes out when its
last text is done. A pass's texts are encoded in groups of similar length, so that little is
padding.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from providers.local.embedder import Embedder
from providers.local.protocol import Cancel, Embed, Embedded, Event, Failed, Stepped

STOP = object()
GROUP_RATIO = 1.5  # a pass pads its texts to the longest: lengths within 1.5x of each other share one
GROUP_FLOOR = 64  # characters


@dataclass
class _Request:
    rid: int
    total: int
    vectors: dict[int, list[float]] = field(default_factory=dict)
    tokens: int = 0


class EmbeddingEngine:
    def __init__(
        self, embedder: Embedder, max_batch_size: int, max_wait_s: float, emit: Callable[[list[Event]], None]
    ) -> None:
        self.embedder = embedder
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self.emit = emit
        self.inbox: queue.SimpleQueue[Embed | Cancel | object] = queue.SimpleQueue()
        self.pending: deque[tuple[int, int, str]] = deque()  # (rid, index, text)
        self.requests: dict[int, _Request] = {}
        self.stopping = False
        self.computing = False  # a pass is computing: requests submitted now overlap it
        self.overlapped = False  # some request came in while the last pass computed

    def submit(self, item: Embed | Cancel | object) -> None:
        """From the intake thread: queue a command, noting whether it overlaps a pass."""
        if self.computing and isinstance(item, Embed):
            self.overlapped = True
        self.inbox.put(item)

    def loop(self) -> None:
        with torch.inference_mode():
            busy = False  # did the last pass just run? then what is queued came in meanwhile
            while not self.stopping:
                self._drain(timeout=0.0 if busy else None)
                if busy and not self.pending:
                    busy = False  # nothing came in: go idle, and the next request starts at once
                    continue
                if busy and self.max_wait_s > 0 and self.overlapped:
                    deadline = time.monotonic() + self.max_wait_s
                    while not self.stopping and len(self.pending) < self.max_batch_size:
                        left = deadline - time.monotonic()
                        if left <= 0 or not self._drain(timeout=left):
                            break
                if self.pending and not self.stopping:
                    self._run_batch()
                    busy = True

    def _drain(self, timeout: float | None) -> bool:
        """Take what is queued, waiting up to ``timeout`` (None: forever) for the first item."""
        got = False
        while True:
            try:
                item = self.inbox.get(block=timeout is None or timeout > 0, timeout=timeout or None)
            except queue.Empty:
                return got
            got, timeout = True, 0.0
            if item is STOP:
                self.stopping = True
                return got
            if isinstance(item, Embed):
                over = None if item.truncate else self.embedder.too_long(item.texts)
                if over is not None:
                    index, tokens = over
                    message = (
                        f"input[{index}] is {tokens} tokens; this model reads at most {self.embedder.max_length}. "
                        "Shorten it (or, in a Cohere body, send truncate: END to have it cut)."
                    )
                    self.emit([Failed(item.rid, "context", message)])
                    continue
                self.requests[item.rid] = _Request(item.rid, len(item.texts))
                self.pending.extend((item.rid, i, text) for i, text in enumerate(item.texts))
            elif isinstance(item, Cancel):
                self.requests.pop(item.rid, None)
                self.pending = deque(entry for entry in self.pending if entry[0] != item.rid)

    def _run_batch(self) -> None:
        take = [self.pending.popleft() for _ in range(min(self.max_batch_size, len(self.pending)))]
        self.overlapped, self.computing = False, True
        try:
            vectors, counts = self._encode([text for _, _, text in take])
        except Exception as exc:  # boundary: fail these requests, keep serving
            self.computing = False
            failed = {rid for rid, _, _ in take}
            for rid in failed:
                self.requests.pop(rid, None)
            self.pending = deque(entry for entry in self.pending if entry[0] not in failed)
            self.emit([Failed(rid, "internal", f"the model failed: {exc}") for rid in failed])
            return
        self.computing = False  # what comes in from here on answers what this pass sends
        rows: list[list[float]] = vectors.tolist()
        events: list[Event] = [Stepped(len(take), sum(counts))]
        for (rid, index, _), vector, count in zip(take, rows, counts, strict=True):
            request = self.requests.get(rid)
            if request is None:
                continue  # cancelled meanwhile
            request.vectors[index] = vector
            request.tokens += count
            if len(request.vectors) == request.total:
                del self.requests[rid]
                ordered = [request.vectors[i] for i in range(request.total)]
                events.append(Embedded(rid, ordered, request.tokens))
        self.emit(events)

    def _encode(self, texts: list[str]) -> tuple[torch.Tensor, list[int]]:
        """``texts`` encoded in passes of similar lengths, so that short texts are not padded to
        the longest one's length (measured 20-25% less time for sentences of a mixed batch)."""
        groups = length_groups([len(text) for text in texts])
        if len(groups) == 1:
            return self.embedder.encode(texts)
        vectors: list[torch.Tensor] = [torch.empty(0)] * len(texts)
        counts = [0] * len(texts)
        for group in groups:
            encoded, group_counts = self.embedder.encode([texts[i] for i in group])
            for row, i in enumerate(group):
                vectors[i], counts[i] = encoded[row], group_counts[row]
        return torch.stack(vectors), counts


def length_groups(lengths: list[int], ratio: float = GROUP_RATIO, floor: int = GROUP_FLOOR) -> list[list[int]]:
    """Indexes of ``lengths`` in groups of similar length: sorted, and a new group begins where a
    length exceeds ``ratio`` times the group's shortest (texts under ``floor`` characters count as
    ``floor``: below it, padding costs less than another pass)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    groups: list[list[int]] = []
    shortest = 0
    for i in order:
        length = max(lengths[i], floor)
        if not groups or length > shortest * ratio:
            groups.append([])
            shortest = length
        groups[-1].append(i)
    return groups
