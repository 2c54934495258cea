"""The embedding batcher waits for more texts only when callers overlap: a lone caller whose next
request arrives as its answer leaves starts at once; texts that came in during a pass still wait
for company."""

from __future__ import annotations

import threading
import time

import torch

from providers.local.embedding import STOP, EmbeddingEngine
from providers.local.protocol import Embed, Embedded, Event


class RecordingEmbedder:
    """Zero vectors; notes each pass's size; the first pass can be held until released."""

    def __init__(self, hold_first: bool = False) -> None:
        self.passes: list[int] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def too_long(self, texts: list[str]) -> tuple[int, int] | None:
        return None  # every text fits

    def encode(self, texts: list[str]) -> tuple[torch.Tensor, list[int]]:
        self.started.set()
        self.release.wait(10)
        self.passes.append(len(texts))
        return torch.zeros(len(texts), 4), [1] * len(texts)


def _run(engine: EmbeddingEngine) -> threading.Thread:
    worker = threading.Thread(target=engine.loop, daemon=True)
    worker.start()
    return worker


def test_a_lone_callers_next_request_does_not_wait_for_company() -> None:
    answered: dict[int, float] = {}
    done = threading.Event()
    engine: EmbeddingEngine

    def emit(events: list[Event]) -> None:
        for event in events:
            if isinstance(event, Embedded):
                answered[event.rid] = time.monotonic()
                if event.rid == 1:  # the caller asks again before this thread is back in its loop
                    engine.submit(Embed(2, ["second"]))
                else:
                    done.set()

    engine = EmbeddingEngine(RecordingEmbedder(), max_batch_size=8, max_wait_s=30.0, emit=emit)  # type: ignore[arg-type]
    worker = _run(engine)
    engine.submit(Embed(1, ["first"]))
    assert done.wait(5), "the second request waited for texts that were never coming"
    engine.submit(STOP)
    worker.join(5)


def test_texts_that_arrive_during_a_pass_wait_for_company() -> None:
    embedder = RecordingEmbedder(hold_first=True)
    answered = threading.Event()
    finished = threading.Event()

    def emit(events: list[Event]) -> None:
        rids = {e.rid for e in events if isinstance(e, Embedded)}
        if 1 in rids:
            answered.set()
        if rids & {2, 3}:
            finished.set()

    engine = EmbeddingEngine(embedder, max_batch_size=8, max_wait_s=5.0, emit=emit)  # type: ignore[arg-type]
    worker = _run(engine)
    engine.submit(Embed(1, ["first"]))
    assert embedder.started.wait(5)
    engine.submit(Embed(2, ["overlaps the first pass"]))  # callers overlap: the next pass waits for more
    embedder.release.set()
    assert answered.wait(5)
    time.sleep(0.05)
    engine.submit(Embed(3, ["joins the waiting batch"]))
    assert finished.wait(10)
    engine.submit(STOP)
    worker.join(5)
    assert embedder.passes == [1, 2], embedder.passes
