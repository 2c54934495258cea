"""``compile: true``: decoding over fixed shapes, compiled, gives the tokens eager decoding gives."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from pydantic import ValidationError

from providers.local.batch import KVBatch, ModelRunner, prefill
from providers.local.config import LocalDeployment
from providers.local.generation import GenerationEngine, Job
from providers.local.loading import CausalLM, load_causal_lm
from providers.local.protocol import Delta, Event, SamplingParams
from providers.local.static_step import StaticStep, UnsupportedModel, round_up
from providers.local.templates import render_prompt
from tests.support.local_models import tiny_gpt2, tiny_llama
from tests.unit.test_local_batching import PROMPTS, _alone, _quiet, one_torch_thread, serve_in_changing_batch

__all__ = ["one_torch_thread"]  # its autouse fixture: one torch thread for this module too


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def lm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CausalLM:
    folder = tmp_path_factory.mktemp(request.param)
    tiny_gpt2(folder, context=512) if request.param == "gpt2" else tiny_llama(folder, context=512)
    return load_causal_lm(folder, "cpu", "auto", None, _quiet)


def _runner(lm: CausalLM) -> ModelRunner:
    return ModelRunner(lm.model, "cpu", int(lm.tokenizer.pad_token_id))


def _prompts(lm: CausalLM) -> list[list[int]]:
    return [render_prompt(lm.tokenizer, [{"role": "user", "content": text}], None) for text in PROMPTS]


def test_the_fixed_shape_step_gives_the_eager_tokens_as_rows_join_leave_and_outgrow_the_buffers(
    lm: CausalLM,
) -> None:
    """Run uncompiled, so that many shapes cost nothing: 150 steps outgrow the first 128 columns (the
    live columns move into 256), rows join and leave, and the last row alone shrinks the slots."""
    run, prompts = _runner(lm), _prompts(lm)
    eager = serve_in_changing_batch(KVBatch(run, 8), prompts, 150)
    batch = KVBatch(run, 8, static=StaticStep(run, compiled=False))
    assert serve_in_changing_batch(batch, prompts, 150) == eager
    assert batch.capacity == 256 and batch.layers[0].key_buffer.shape[2] == 256
    assert len({tuple(tokens) for tokens in eager.values()}) > 1, "the tiny model should not answer everything alike"


@torch.inference_mode()
def test_a_fixed_shape_batch_grows_by_powers_of_two_and_gives_back_slots_it_no_longer_needs(lm: CausalLM) -> None:
    run, prompts = _runner(lm), _prompts(lm)
    batch = KVBatch(run, 12, static=StaticStep(run, compiled=False))

    def shape() -> tuple[int, int]:
        slots, _, capacity, _ = batch.layers[0].key_buffer.shape
        return slots, capacity

    batch.add(prefill(run, prompts[:3]))
    assert shape() == (4, 128)
    batch.add(prefill(run, prompts[3:]))
    assert shape() == (8, 128)
    batch.add(prefill(run, prompts[:4] + prompts[:1]))
    assert shape() == (12, 128), "the deployment's limit caps the slots"
    address = batch.layers[0].key_buffer.data_ptr()
    assert batch.remove(list(range(2, 10))) == [0, 1]
    assert batch.logits is not None
    batch.step(batch.logits.argmax(-1).tolist())
    assert shape() == (2, 128) and batch.size == 2, "two rows left in twelve slots: the step runs on two"
    batch.add(prefill(run, prompts[:3]))
    assert shape() == (8, 128)
    assert batch.layers[0].key_buffer.data_ptr() == address, "slots given back and taken again: the same memory"


@torch.inference_mode()
def test_a_long_running_fixed_shape_batch_moves_its_columns_within_the_same_buffers(lm: CausalLM) -> None:
    """Two slots, rows replaced as they finish, for 400 steps: the live columns reach the end of the
    128 columns again and again and move back to the front in place (a CUDA graph replays on the
    addresses it recorded), and every row still gets the tokens it gets alone."""
    run, prompts = _runner(lm), _prompts(lm)
    lifetime = 50
    alone = [_alone(run, prompt, lifetime) for prompt in prompts]
    batch = KVBatch(run, 2, headroom=1, static=StaticStep(run, compiled=False))
    batch.add(prefill(run, [prompts[0]]))
    rows, got, started = [0], {0: []}, 1  # request k serves prompts[k % 5]
    buffers = set()
    for step in range(400):
        if step == lifetime // 2 or (len(rows) < 2 and step > lifetime // 2):
            batch.add(prefill(run, [prompts[started % len(prompts)]]))
            rows.append(started)
            got[started] = []
            started += 1
        assert batch.logits is not None
        tokens = batch.logits.argmax(-1).tolist()
        for row, token in zip(rows, tokens, strict=True):
            got[row].append(token)
        drop = [k for k, row in enumerate(rows) if len(got[row]) >= lifetime]
        if drop:
            order = batch.remove(drop)
            rows, tokens = [rows[k] for k in order], [tokens[k] for k in order]
        batch.step(tokens)
        if step >= lifetime:  # two slots from step 25 on
            buffers.add(batch.layers[0].key_buffer.data_ptr())
    finished = [k for k, tokens in got.items() if len(tokens) == lifetime]
    assert len(finished) >= 10
    assert all(got[k] == alone[k % len(prompts)] for k in finished)
    assert len(buffers) == 1 and batch.layers[0].key_buffer.shape[2] == 128


@torch.inference_mode()
def test_short_chats_after_a_long_one_step_over_the_short_columns_again(lm: CausalLM) -> None:
    """A step attends over every column: once the long history is gone, the batch goes back to 128
    columns, in the memory it had there before, and answers as it does alone."""
    run, prompts = _runner(lm), _prompts(lm)
    batch = KVBatch(run, 4, static=StaticStep(run, compiled=False))
    batch.add(prefill(run, [prompts[0]]))
    short = batch.layers[0].key_buffer.data_ptr()
    for _ in range(300):
        assert batch.logits is not None
        batch.step(batch.logits.argmax(-1).tolist())
    assert batch.capacity == 512
    batch.remove([0])
    batch.add(prefill(run, [prompts[1]]))
    got = []
    for _ in range(20):
        assert batch.logits is not None
        got.append(int(batch.logits.argmax(-1)[0]))
        batch.step(got[-1:])
    assert got == _alone(run, prompts[1], 20)
    assert batch.capacity == 128 and batch.layers[0].key_buffer.data_ptr() == short


def test_round_up_gives_powers_of_two() -> None:
    assert [round_up(n) for n in (1, 2, 3, 4, 5, 8, 9)] == [1, 2, 4, 4, 8, 8, 16]
    assert round_up(5, 128) == 128 and round_up(129, 128) == 256


def _engine_answers(lm: CausalLM, compile: bool, reports: list[tuple[str, dict[str, Any]]]) -> dict[int, str]:
    events: list[Event] = []
    engine = GenerationEngine(
        lm, 4, events.extend, compile=compile, report=lambda message, fields: reports.append((message, fields))
    )
    if compile:
        engine.warm_up()
    for rid, text in enumerate(PROMPTS[:2]):
        prompt = render_prompt(lm.tokenizer, [{"role": "user", "content": text}], None)
        engine.inbox.put(Job(rid, prompt, 1, 10, SamplingParams(max_tokens=10)))
    while engine.step() and (engine.rows or engine.waiting or not engine.inbox.empty()):
        pass
    answers: dict[int, str] = {}
    for event in events:
        if isinstance(event, Delta):
            answers[event.rid] = answers.get(event.rid, "") + event.text
    return answers


def test_a_compiled_engine_answers_as_the_eager_one_and_reports_each_shape_it_compiled(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The real torch.compile (inductor on the CPU): the lone request's shape at warm-up, then two rows."""
    folder = tmp_path_factory.mktemp("compiled")
    lm = load_causal_lm(tiny_gpt2(folder), "cpu", "auto", None, _quiet)
    reports: list[tuple[str, dict[str, Any]]] = []
    eager = _engine_answers(lm, False, [])
    compiled = _engine_answers(lm, True, reports)
    assert compiled == eager and all(eager.values())
    assert [(message, fields["slots"], fields["capacity"]) for message, fields in reports] == [
        ("decode step compiled", 1, 128),
        ("decode step compiled", 2, 128),
    ]


def test_a_model_whose_step_does_not_compile_still_answers_eagerly(
    lm: CausalLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports: list[tuple[str, dict[str, Any]]] = []
    run = _runner(lm)
    static = StaticStep(run, lambda message, fields: reports.append((message, fields)))

    def refuse(*args: object) -> torch.Tensor:
        raise RuntimeError("inductor could not lower this model")

    monkeypatch.setattr(static, "compiled", refuse)
    eager = serve_in_changing_batch(KVBatch(run, 8), _prompts(lm), 6)
    assert serve_in_changing_batch(KVBatch(run, 8, static=static), _prompts(lm), 6) == eager
    assert [message for message, _ in reports] == ["decode step not compiled; decoding eagerly"]
    assert "inductor could not lower this model" in reports[0][1]["error"]


def test_a_model_with_attention_the_step_cannot_mask_is_refused_by_name(lm: CausalLM) -> None:
    run = _runner(lm)
    config = lm.model.config
    before = config._attn_implementation
    config._attn_implementation = "flash_attention_2"
    try:
        with pytest.raises(UnsupportedModel, match="flash_attention_2"):
            StaticStep(run)
    finally:
        config._attn_implementation = before


def test_a_model_attending_through_a_window_shorter_than_its_context_is_refused(lm: CausalLM) -> None:
    """Mistral's 4,096-token window in a longer context: the static mask would see past it."""
    run, config = _runner(lm), lm.model.config
    config.sliding_window = 64
    try:
        with pytest.raises(UnsupportedModel, match="sliding window of 64 tokens within its 512-token context"):
            StaticStep(run, context=512)
        assert StaticStep(run, context=64).failure is None, "a context the window covers is whole histories"
        config.layer_types = ["full_attention"] * config.num_hidden_layers
        assert StaticStep(run, context=512).failure is None, "a window no layer uses does not matter"
    finally:
        del config.sliding_window
        if hasattr(config, "layer_types"):
            del config.layer_types


@pytest.mark.parametrize(
    ("extra", "refusal"),
    [
        ({"task": "embeddings"}, "compile applies to chat models"),
        ({"quantize": "int8"}, "use quantize: int8 or compile: true, not both"),
    ],
)
def test_a_catalog_asking_compile_where_it_cannot_apply_is_refused(extra: dict[str, str], refusal: str) -> None:
    with pytest.raises(ValidationError, match=refusal):
        LocalDeployment.model_validate({"provider": "local", "path": "/models/x", "compile": True, **extra})
    assert LocalDeployment.model_validate({"provider": "local", "path": "/models/x", "compile": True}).compile
