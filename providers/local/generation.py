"""Continuous batching for text generation, in the worker.

Requests that arrive while others are generating join the running batch at the next step:
they are prefilled together, copied into the batch's KV cache (batch.py) and decoded with it.
An idle engine that gets a request first waits a few milliseconds for the rest of a burst, so
that a burst starts as one batch. Each step samples one token per row (one device-to-host copy
for the greedy rows, one for all sampling rows), streams each row's new text, drops finished and
cancelled rows, and runs one forward pass for the rest. A cancelled request leaves at the next
step.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from providers.local.batch import KVBatch, ModelRunner, prefill
from providers.local.decoding import IncrementalDecoder, Sampler, StopMatcher, choose_tokens
from providers.local.loading import CausalLM
from providers.local.protocol import Cancel, Delta, Event, Failed, SamplingParams, Stepped
from providers.local.static_step import Report, StaticStep

PREFILL_TOKEN_BUDGET = 16_384  # padded prompt tokens per prefill pass; more waits for the next step
STOP = object()  # the inbox sentinel that ends the loop


@dataclass(frozen=True, slots=True)
class Job:
    """A validated request: prompt token ids and how many new tokens it may have."""

    rid: int
    prompt: list[int]
    n: int
    max_new_tokens: int
    params: SamplingParams


@dataclass(slots=True)
class Row:
    rid: int
    index: int
    max_new_tokens: int
    sampler: Sampler
    decoder: IncrementalDecoder
    stops: StopMatcher
    generated: int = 0


@dataclass
class _Defaults:
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int | None = None
    eos: frozenset[int] = field(default_factory=frozenset)


def _defaults(lm: CausalLM) -> _Defaults:
    """The model's own defaults (generation_config.json): greedy unless it says to sample."""
    config, tokenizer = lm.generation_config, lm.tokenizer
    eos: set[int] = set()
    for source in (getattr(config, "eos_token_id", None), getattr(tokenizer, "eos_token_id", None)):
        eos.update(source if isinstance(source, list) else [source] if isinstance(source, int) else [])
    if not getattr(config, "do_sample", False):
        return _Defaults(eos=frozenset(eos))
    top_k = getattr(config, "top_k", None)
    return _Defaults(
        temperature=float(getattr(config, "temperature", None) or 1.0),
        top_p=float(getattr(config, "top_p", None) or 1.0),
        top_k=top_k if isinstance(top_k, int) and top_k > 0 else None,
        eos=frozenset(eos),
    )


class GenerationEngine:
    def __init__(
        self,
        lm: CausalLM,
        max_batch_size: int,
        emit: Callable[[list[Event]], None],
        gather_s: float = 0.0,
        compile: bool = False,
        report: Report | None = None,
    ) -> None:
        self.lm = lm
        self.max_batch_size = max_batch_size
        self.emit = emit
        self.gather_s = gather_s
        pad = lm.tokenizer.pad_token_id
        if pad is None:
            pad = next(iter(_defaults(lm).eos), 0)
        self.run = ModelRunner(lm.model, lm.device, int(pad))
        self.defaults = _defaults(lm)
        self.inbox: queue.SimpleQueue[Job | Cancel | object] = queue.SimpleQueue()
        self.waiting: deque[Job] = deque()
        self.rows: list[Row] = []  # in the batch's slot order
        self.static = StaticStep(self.run, report, context=lm.max_context) if compile else None
        self.batch = KVBatch(self.run, max_batch_size, static=self.static)

    def warm_up(self) -> None:
        """Compile the step a lone short request meets, before the model says it is loaded."""
        with torch.inference_mode():
            self.batch.add(prefill(self.run, [[self.run.pad_id]]))
            self.batch.step([self.run.pad_id])
            self.batch.remove([0])

    def loop(self) -> None:
        """The worker's main loop; returns when STOP arrives."""
        with torch.inference_mode():
            while self.step(block=True):
                pass

    def step(self, block: bool = False) -> bool:
        """Take queued commands (waiting for one if idle and ``block``), admit, advance one token.

        Returns False once STOP has arrived. Tests drive the engine with it, step by step.
        """
        idle = not self.rows and not self.waiting
        if not self._drain(block=block and idle):
            return False
        if block and idle and self.waiting and not self._gather():
            return False
        try:
            with torch.inference_mode():
                self._admit()
                if self.rows:
                    self._advance()
        except Exception as exc:  # boundary: a failure fails the running batch, never the worker
            self._fail_all(exc)
        return True

    def _drain(self, block: bool) -> bool:
        while True:
            try:
                item = self.inbox.get(block=block)
            except queue.Empty:
                return True
            block = False
            if not self._take(item):
                return False

    def _gather(self) -> bool:
        """An idle engine that just got work waits for the rest of a burst (``gather_s`` after the
        last arrival, at most 4x that in all): the burst's requests then share one prefill and
        decode in step from the start, instead of each joining a step later with a prefill of its
        own and finishing that much later. A lone request pays ``gather_s`` once (the deployment's
        ``max_wait_ms``, 5 by default).
        """
        now = time.monotonic()
        deadline = now + 4 * self.gather_s
        while sum(job.n for job in self.waiting) < self.max_batch_size:
            timeout = min(self.gather_s, deadline - now)
            if timeout <= 0:
                return True
            try:
                item = self.inbox.get(timeout=timeout)
            except queue.Empty:
                return True
            if not self._take(item):
                return False
            now = time.monotonic()
        return True

    def _take(self, item: Job | Cancel | object) -> bool:
        if item is STOP:
            return False
        if isinstance(item, Job):
            self.waiting.append(item)
        elif isinstance(item, Cancel):
            self._cancel(item.rid)
        return True

    def _cancel(self, rid: int) -> None:
        self.waiting = deque(job for job in self.waiting if job.rid != rid)
        drop = [i for i, row in enumerate(self.rows) if row.rid == rid]
        if drop:
            self._drop(drop)

    def _drop(self, drop: list[int]) -> list[int]:
        """Take these rows out of the batch; returns the new order of the rest (old indices)."""
        order = self.batch.remove(drop)
        self.rows = [self.rows[i] for i in order]
        return order

    def _fail_all(self, exc: Exception) -> None:
        self.emit([Failed(row.rid, "internal", f"the model failed: {exc}") for row in self.rows])
        self.rows = []
        self.batch = KVBatch(self.run, self.max_batch_size, static=self.static)

    def _row(self, job: Job, index: int) -> Row:
        p, d = job.params, self.defaults
        seed = None if p.seed is None else p.seed + index
        temperature = d.temperature if p.temperature is None else p.temperature
        top_p = d.top_p if p.top_p is None else p.top_p
        top_k = p.top_k if p.top_k is not None else (d.top_k if p.temperature is None else None)
        sampler = Sampler(temperature, top_p, top_k, seed)
        return Row(
            job.rid, index, job.max_new_tokens, sampler, IncrementalDecoder(self.lm.tokenizer), StopMatcher(p.stop)
        )

    def _admit(self) -> None:
        """Prefill waiting requests that fit (first come, first served) and merge them in."""
        room, budget = self.max_batch_size - len(self.rows), PREFILL_TOKEN_BUDGET
        while self.waiting and self.waiting[0].n > self.max_batch_size:  # could never fit: fail it, not the queue
            job = self.waiting.popleft()
            self.emit([Failed(job.rid, "bad_request", f"n is at most {self.max_batch_size} for this model")])
        jobs: list[Job] = []
        while self.waiting and self.waiting[0].n <= room:
            longest = max([len(self.waiting[0].prompt), *(len(j.prompt) for j in jobs)])
            if jobs and longest * (len(jobs) + 1) > budget:
                break
            job = self.waiting.popleft()
            jobs.append(job)
            room -= job.n
        if not jobs:
            return
        try:
            fresh = prefill(self.run, [job.prompt for job in jobs])
            self.batch.add(fresh, [i for i, job in enumerate(jobs) for _ in range(job.n)])  # n choices: one prefill
        except Exception as exc:  # boundary: a failed forward fails its requests, not the worker
            self.emit([Failed(job.rid, "internal", f"the model failed: {exc}") for job in jobs])
            if self.batch.size != len(self.rows):  # it failed half-way in: the batch cannot be trusted
                self._fail_all(exc)
            return
        self.rows.extend(self._row(job, i) for job in jobs for i in range(job.n))

    def _advance(self) -> None:
        """Sample a token per row, stream the text, drop finished rows, step the rest."""
        assert self.batch.logits is not None
        tokens = choose_tokens(self.batch.logits, [row.sampler for row in self.rows])
        events: list[Event] = [Stepped(len(self.rows), len(self.rows))]  # a token per row
        drop: list[int] = []
        for i, (row, token) in enumerate(zip(self.rows, tokens, strict=True)):
            text, finish = self._next_text(row, token)
            if text or finish:
                events.append(Delta(row.rid, row.index, text, finish, row.generated, row.stops.matched))
            if finish is not None:
                drop.append(i)
        self.emit(events)
        if drop:
            tokens = [tokens[i] for i in self._drop(drop)]
        if not self.rows:
            return
        try:
            self.batch.step(tokens)
        except Exception as exc:  # boundary: fail the batch, keep serving
            self._fail_all(exc)

    def _next_text(self, row: Row, token: int) -> tuple[str, str | None]:
        row.generated += 1
        if token in self.defaults.eos:
            return row.decoder.flush() + row.stops.flush(), "stop"
        text, stopped = row.stops.feed(row.decoder.push(token))
        if stopped:
            return text, "stop"
        if row.generated >= row.max_new_tokens:
            tail, _ = row.stops.feed(row.decoder.flush())
            return text + tail + row.stops.flush(), "length"
        return text, None
