"""A large partition's lookup shares its product with a helper thread, and never waits for one
that is busy."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from gateway.services.cache import semantic_product
from gateway.services.cache.semantic_index import SemanticIndex
from gateway.services.cache.semantic_product import CHUNK_ROWS, SHARED_ROWS, similarities


def _unit_rows(count: int, dim: int = 384, seed: int = 7) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("count", [1, SHARED_ROWS - 1, SHARED_ROWS, SHARED_ROWS + 1, 3 * CHUNK_ROWS + 17 + SHARED_ROWS])
def test_every_row_gets_its_similarity_small_or_large_partition(count: int) -> None:
    rows = _unit_rows(count)
    query = rows[count // 2]
    got = similarities(rows, query)
    assert got.shape == (count,)
    np.testing.assert_allclose(got, rows @ query, rtol=0, atol=1e-6)
    assert int(np.argmax(got)) == count // 2


def test_a_lookup_never_waits_for_a_busy_helper_thread() -> None:
    rows = _unit_rows(SHARED_ROWS * 3)
    release = threading.Event()
    busy = semantic_product._helper_thread().submit(release.wait, 30)  # the helper is held elsewhere
    try:
        answered = threading.Event()
        result: list[np.ndarray] = []

        def look() -> None:
            result.append(similarities(rows, rows[5]))
            answered.set()

        threading.Thread(target=look, daemon=True).start()
        assert answered.wait(10), "the product waited for the helper thread"
        np.testing.assert_allclose(result[0], rows @ rows[5], rtol=0, atol=1e-6)
    finally:
        release.set()
        busy.result(timeout=10)


def test_the_index_finds_the_nearest_entry_of_a_large_partition() -> None:
    rows = _unit_rows(SHARED_ROWS + 500, dim=16)
    index = SemanticIndex(max_entries=len(rows), dim=16)
    for number, row in enumerate(rows):
        index.add("p", row, f"entry-{number}", 2e9)
    target = len(rows) - 3
    found = index.nearest("p", rows[target], 0.99, 0.0)
    assert found is not None and found[0] == f"entry-{target}" and found[1] == pytest.approx(1.0, abs=1e-5)
