"""Continuous batching: a request's greedy tokens do not depend on the batch it is served in."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from providers.local import generation
from providers.local.batch import KVBatch, ModelRunner, Prefilled, prefill
from providers.local.generation import STOP, GenerationEngine, Job
from providers.local.loading import CausalLM, load_causal_lm
from providers.local.protocol import Cancel, Delta, Event, SamplingParams
from providers.local.templates import render_prompt
from tests.support.local_models import tiny_gpt2, tiny_llama


def _quiet(*args: object, **fields: object) -> None:
    return None


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny models gain nothing from threads, and on a busy machine parallel regions crawl."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def lm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CausalLM:
    folder = tmp_path_factory.mktemp(request.param)
    (tiny_gpt2 if request.param == "gpt2" else tiny_llama)(folder)
    return load_causal_lm(folder, "cpu", "auto", None, _quiet)


def _prompt(lm: CausalLM, text: str) -> list[int]:
    return render_prompt(lm.tokenizer, [{"role": "user", "content": text}], None)


PROMPTS = [
    "hello cat",
    "tell me a story once upon a time there was a little fox",
    "how are you today",
    "the dog sat on the mat and ran far away",
    "what is your name",
]


@torch.inference_mode()
def _alone(run: ModelRunner, prompt: list[int], steps: int) -> list[int]:
    batch, tokens = KVBatch(run, 1), []
    batch.add(prefill(run, [prompt]))
    for _ in range(steps):
        assert batch.logits is not None
        token = int(batch.logits.argmax(-1)[0])
        tokens.append(token)
        batch.step([token])
    return tokens


@pytest.mark.parametrize("headroom", [64, 1])
@torch.inference_mode()
def test_greedy_tokens_in_a_changing_batch_equal_those_served_alone(lm: CausalLM, headroom: int) -> None:
    """Rows join (prefilled alone or together, shorter or longer than the batch) and leave mid-way.

    With ``headroom=1`` the buffers fill up often, so the live columns move into new buffers many
    times; the join of a longer prompt shifts them too. The layout must not change a token.
    """
    run = ModelRunner(lm.model, "cpu", int(lm.tokenizer.pad_token_id))
    prompts = [_prompt(lm, text) for text in PROMPTS]
    steps = 12
    expected = [_alone(run, p, steps) for p in prompts]
    assert len({tuple(e) for e in expected}) > 1, "the tiny model should not answer everything alike"

    batch = KVBatch(run, 8, headroom=headroom)
    got = serve_in_changing_batch(batch, prompts, steps)
    for i in (0, 2, 3, 4):
        assert got[i] == expected[i], f"request {i} changed when batched"
    assert got[1] == expected[1][: len(got[1])]
    assert batch.size == 0 and batch.logits is None


@torch.inference_mode()
def serve_in_changing_batch(batch: KVBatch, prompts: list[list[int]], steps: int) -> dict[int, list[int]]:
    """Each of five prompts' greedy tokens (``steps`` of them), served in one batch that changes.

    0 starts alone (the shortest prompt); 1 (the longest) joins at step 1; 2 at step 3; 3 and 4
    join together at step 5 (prefilled as a pair); 1 leaves early at step 7 (as a cancelled
    request would), so the last row moves into its slot and the live columns shrink.
    """
    run = batch.run
    joins = {1: [1], 3: [2], 5: [3, 4]}
    rows = [0]
    batch.add(prefill(run, [prompts[0]]))
    got: dict[int, list[int]] = {0: []}
    for step in range(steps + 8):
        if step in joins:
            batch.add(prefill(run, [prompts[i] for i in joins[step]]))
            rows += joins[step]
            got.update({i: [] for i in joins[step]})
        assert batch.logits is not None
        tokens = batch.logits.argmax(-1).tolist()
        for row, token in zip(rows, tokens, strict=True):
            got[row].append(token)
        drop = [k for k, row in enumerate(rows) if len(got[row]) >= steps or (row == 1 and step == 7)]
        if drop:
            order = batch.remove(drop)
            rows, tokens = [rows[k] for k in order], [tokens[k] for k in order]
        if not rows:
            break
        batch.step(tokens)
    return got


@torch.inference_mode()
def test_a_batch_reuses_its_buffers_after_it_empties(lm: CausalLM) -> None:
    run = ModelRunner(lm.model, "cpu", int(lm.tokenizer.pad_token_id))
    prompt = _prompt(lm, PROMPTS[1])
    expected = _alone(run, prompt, 6)
    batch, buffers = KVBatch(run, 4), []
    for _ in range(2):
        batch.add(prefill(run, [prompt]), [0, 0])  # one prompt, two rows (n choices)
        buffers.append(batch.layers[0].key_buffer)
        got: list[list[int]] = [[], []]
        for _ in range(6):
            assert batch.logits is not None
            tokens = batch.logits.argmax(-1).tolist()
            for row, token in zip(got, tokens, strict=True):
                row.append(token)
            batch.step(tokens)
        assert got == [expected, expected]
        assert batch.remove([0, 1]) == []
    assert buffers[0] is buffers[1], "an emptied batch keeps its buffers for the next one"


def _engine(lm: CausalLM, max_batch: int = 8) -> tuple[GenerationEngine, list[Event]]:
    events: list[Event] = []
    return GenerationEngine(lm, max_batch, events.extend), events


def _job(lm: CausalLM, rid: int, text: str, max_new: int = 10, n: int = 1, **params: object) -> Job:
    return Job(rid, _prompt(lm, text), n, max_new, SamplingParams(max_tokens=max_new, **params))  # type: ignore[arg-type]


def _texts(events: list[Event]) -> dict[tuple[int, int], tuple[str, str | None, int]]:
    out: dict[tuple[int, int], tuple[str, str | None, int]] = {}
    for event in events:
        if isinstance(event, Delta):
            text, _, _ = out.get((event.rid, event.index), ("", None, 0))
            out[(event.rid, event.index)] = (text + event.text, event.finish, event.completion_tokens)
    return out


def _run(engine: GenerationEngine, limit: int = 200) -> None:
    for _ in range(limit):
        engine.step()
        if not engine.rows and not engine.waiting:
            return
    raise AssertionError("the engine did not finish")


def _serve_alone(lm: CausalLM, job: Job) -> tuple[str, str | None, int]:
    engine, events = _engine(lm)
    engine.inbox.put(job)
    _run(engine)
    return _texts(events)[(job.rid, 0)]


def test_engine_streams_the_same_text_batched_as_alone(lm: CausalLM) -> None:
    jobs = [_job(lm, rid, text, max_new=8 + rid) for rid, text in enumerate(PROMPTS)]
    alone = {job.rid: _serve_alone(lm, job) for job in jobs}
    engine, events = _engine(lm, max_batch=3)  # fewer slots than requests: some wait, then join
    engine.inbox.put(jobs[0])
    engine.step()
    for job in jobs[1:]:
        engine.inbox.put(job)
        engine.step()
    _run(engine)
    got = _texts(events)
    for job in jobs:
        assert got[(job.rid, 0)] == alone[job.rid]
        _, finish, used = got[(job.rid, 0)]
        assert finish == "stop" or (finish == "length" and used == job.max_new_tokens)


def test_same_seed_same_sample_alone_or_batched(lm: CausalLM) -> None:
    seeded = _job(lm, 1, "hello cat", max_new=12, temperature=1.5, seed=1234)
    first, second = _serve_alone(lm, seeded), _serve_alone(lm, seeded)
    assert first == second
    engine, events = _engine(lm)
    for job in (_job(lm, 2, "how are you", temperature=1.0), seeded, _job(lm, 3, "what is your name", seed=9)):
        engine.inbox.put(job)
    _run(engine)
    assert _texts(events)[(1, 0)] == first
    other = _serve_alone(lm, _job(lm, 1, "hello cat", max_new=12, temperature=1.5, seed=4321))
    assert other != first or len(set(first[0].split())) <= 1


def test_n_choices_share_the_prompt_and_differ_by_seed(lm: CausalLM) -> None:
    engine, events = _engine(lm)
    engine.inbox.put(_job(lm, 5, "tell me a story", max_new=10, n=3, temperature=2.0, seed=7))
    _run(engine)
    got = _texts(events)
    assert sorted(index for rid, index in got if rid == 5) == [0, 1, 2]
    assert all(got[(5, i)][1] in ("length", "stop") for i in range(3))  # at temperature 2 an early EOS may come
    assert len({got[(5, i)][0] for i in range(3)}) > 1, "each choice has its own seed"


def test_stop_sequence_cuts_the_text_and_finishes_with_stop(lm: CausalLM) -> None:
    text, _, _ = _serve_alone(lm, _job(lm, 1, "tell me a story", max_new=12))
    words = text.split()
    stop = words[len(words) // 2]
    cut, finish, used = _serve_alone(lm, _job(lm, 1, "tell me a story", max_new=12, stop=(stop,)))
    assert finish == "stop"
    assert cut == text[: text.find(stop)]
    assert stop not in cut and used < 12


def test_cancel_frees_the_slot_at_the_next_step(lm: CausalLM) -> None:
    engine, events = _engine(lm, max_batch=1)
    engine.inbox.put(_job(lm, 1, "hello cat", max_new=10_000))
    engine.inbox.put(_job(lm, 2, "how are you", max_new=5))
    for _ in range(3):
        engine.step()
    assert [row.rid for row in engine.rows] == [1] and [job.rid for job in engine.waiting] == [2]
    engine.inbox.put(Cancel(1))
    engine.step()
    assert [row.rid for row in engine.rows] == [2]
    _run(engine)
    assert _texts(events)[(2, 0)][1] == "length"


def test_stop_ends_the_loop_even_while_a_request_is_generating(lm: CausalLM) -> None:
    engine, events = _engine(lm)
    loop = threading.Thread(target=engine.loop, daemon=True)
    loop.start()
    engine.inbox.put(_job(lm, 1, "hello cat", max_new=100_000))
    deadline = time.monotonic() + 10
    while not events and time.monotonic() < deadline:
        time.sleep(0.01)
    assert events, "the loop was generating"
    engine.inbox.put(STOP)
    loop.join(timeout=10)
    assert not loop.is_alive(), "STOP ended the loop"


def test_end_of_sequence_finishes_with_stop(lm: CausalLM, tmp_path: Path) -> None:
    engine, events = _engine(lm)
    first = _serve_alone(lm, _job(lm, 1, "hello cat", max_new=1))[0]
    eos_id = lm.tokenizer.convert_tokens_to_ids(first.strip())
    engine.defaults.eos = frozenset({eos_id})  # this model's first greedy token now ends the reply
    engine.inbox.put(_job(lm, 1, "hello cat", max_new=10))
    _run(engine)
    assert _texts(events)[(1, 0)] == ("", "stop", 1)


def test_an_idle_engine_gathers_a_burst_into_one_prefill(lm: CausalLM, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[Event] = []
    engine = GenerationEngine(lm, 8, events.extend, gather_s=0.05)
    prefills: list[int] = []
    real = generation.prefill

    def counting(run: ModelRunner, prompts: list[list[int]]) -> Prefilled:
        prefills.append(len(prompts))
        return real(run, prompts)

    monkeypatch.setattr(generation, "prefill", counting)

    def burst() -> None:
        for rid, text in enumerate(PROMPTS[:3]):
            engine.inbox.put(_job(lm, rid, text, max_new=3))
            time.sleep(0.01)

    sender = threading.Thread(target=burst)
    sender.start()
    assert engine.step(block=True)
    sender.join()
    assert prefills == [3] and len(engine.rows) == 3
    _run(engine)
    assert sorted(rid for rid, _ in _texts(events)) == [0, 1, 2]


def test_a_lone_request_waits_only_the_gathering_time(lm: CausalLM) -> None:
    engine, _ = _engine(lm)
    engine.gather_s = 0.02
    engine.inbox.put(_job(lm, 1, "hello cat", max_new=2))
    started = time.monotonic()
    engine._drain(block=True)
    assert engine._gather()
    waited = time.monotonic() - started
    assert 0.02 <= waited < 0.2 and len(engine.waiting) == 1
    engine.inbox.put(STOP)
    assert not engine._gather(), "STOP ends the gathering and the loop"


def test_attention_avoids_cudnn_on_cuda(lm: CausalLM) -> None:
    """cuDNN plans each new shape, and a decoding batch has a new one every step (see batch.py)."""
    from torch.nn.attention import SDPBackend

    assert ModelRunner(lm.model, "cpu", 0).backends is None  # the CPU keeps torch's own choice
    backends = ModelRunner(lm.model, "cuda:0", 0).backends
    assert backends is not None and SDPBackend.CUDNN_ATTENTION not in backends
    assert SDPBackend.EFFICIENT_ATTENTION in backends  # padded batches pass a mask: flash cannot take it


@torch.inference_mode()
def test_buffers_grow_columns_for_a_lone_row_without_adding_slots(lm: CausalLM) -> None:
    run = ModelRunner(lm.model, "cpu", int(lm.tokenizer.pad_token_id))
    batch = KVBatch(run, 8, headroom=2)
    batch.add(prefill(run, [_prompt(lm, PROMPTS[0])]))
    for _ in range(20):  # several relayouts: the columns double, the one slot stays one
        assert batch.logits is not None
        batch.step(batch.logits.argmax(-1).tolist())
    assert batch.layers[0].key_buffer.shape[0] == 1
    assert batch.capacity >= batch.end - batch.start + 1
