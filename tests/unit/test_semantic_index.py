"""The semantic cache's index: which cached answer a new prompt's vector finds, and what it never finds
(another partition's, an expired one, one evicted or discarded, one below the threshold)."""

from __future__ import annotations

import numpy as np
import pytest

from gateway.services.cache.semantic_index import SemanticIndex, VectorShapeError

DIM = 8
FAR = 2e9  # an expiry far in the future
NOW = 1_000.0


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def index(max_entries: int = 100) -> SemanticIndex:
    return SemanticIndex(max_entries=max_entries, dim=DIM)


def test_the_closest_entry_above_the_threshold_is_returned_with_its_similarity() -> None:
    idx = index()
    idx.add("p", unit(1, 0), "near", FAR)
    idx.add("p", unit(1, 1), "farther", FAR)
    idx.add("p", unit(0, 1), "orthogonal", FAR)
    found = idx.nearest("p", unit(1, 0.1), 0.9, NOW)
    assert found is not None
    key, similarity = found
    assert key == "near"
    assert similarity == pytest.approx(float(unit(1, 0) @ unit(1, 0.1)), abs=1e-6)


def test_nothing_is_returned_below_the_threshold() -> None:
    idx = index()
    idx.add("p", unit(1, 0), "a", FAR)
    similarity = float(unit(1, 0) @ unit(1, 1))  # about 0.707
    assert idx.nearest("p", unit(1, 1), similarity + 0.01, NOW) is None
    assert idx.nearest("p", unit(1, 1), similarity - 0.01, NOW) == ("a", pytest.approx(similarity, abs=1e-6))


def test_a_partition_never_answers_from_another() -> None:
    idx = index()
    idx.add("team-a:model", unit(1, 0), "a", FAR)
    assert idx.nearest("team-b:model", unit(1, 0), 0.5, NOW) is None
    assert idx.nearest("team-a:model", unit(1, 0), 0.5, NOW) == ("a", pytest.approx(1.0))


def test_vectors_not_of_unit_length_are_normalised() -> None:
    idx = index()
    idx.add("p", unit(1, 0) * 7, "a", FAR)
    assert idx.nearest("p", [3.0] + [0.0] * (DIM - 1), 0.999, NOW) == ("a", pytest.approx(1.0))


def test_an_expired_entry_is_never_returned_and_its_room_is_reclaimed() -> None:
    idx = index()
    idx.add("p", unit(1, 0), "old", NOW + 10)
    idx.add("p", unit(1, 0.2), "young", NOW + 100)
    assert idx.nearest("p", unit(1, 0), 0.9, NOW)[0] == "old"  # type: ignore[index]
    assert idx.nearest("p", unit(1, 0), 0.9, NOW + 10)[0] == "young"  # type: ignore[index]
    assert len(idx) == 1 and "old" not in idx
    idx.sweep(NOW + 100)
    assert len(idx) == 0


def test_expired_entries_of_partitions_nobody_asks_are_reclaimed_too() -> None:
    idx = index()
    idx.add("quiet", unit(1, 0), "q", NOW + 1)
    idx.nearest("busy", unit(1, 0), 0.9, NOW + 2)
    assert "q" not in idx and len(idx) == 0


def test_when_full_the_least_recently_used_entry_goes() -> None:
    idx = index(max_entries=3)
    idx.add("p", unit(1, 0), "first", FAR)
    idx.add("q", unit(0, 1), "second", FAR)
    idx.add("p", unit(0, 0, 1), "third", FAR)
    assert idx.nearest("p", unit(1, 0), 0.99, NOW) is not None  # "first" is used again
    idx.add("p", unit(0, 0, 0, 1), "fourth", FAR)
    assert len(idx) == 3
    assert "second" not in idx
    assert "first" in idx and "third" in idx and "fourth" in idx
    assert idx.nearest("q", unit(0, 1), 0.5, NOW) is None


def test_adding_a_key_again_replaces_its_entry() -> None:
    idx = index()
    idx.add("p", unit(1, 0), "k", FAR)
    idx.add("p", unit(0, 1), "k", FAR)
    assert len(idx) == 1
    assert idx.nearest("p", unit(1, 0), 0.5, NOW) is None
    assert idx.nearest("p", unit(0, 1), 0.5, NOW) == ("k", pytest.approx(1.0))


def test_a_discarded_entry_is_never_returned() -> None:
    idx = index()
    idx.add("p", unit(1, 0), "gone", FAR)
    idx.add("p", unit(1, 0.3), "kept", FAR)
    idx.discard("gone")
    idx.discard("never-added")
    assert idx.nearest("p", unit(1, 0), 0.5, NOW)[0] == "kept"  # type: ignore[index]
    assert len(idx) == 1


def test_clear_drops_the_partitions_with_the_prefix_and_says_how_many_entries() -> None:
    idx = index()
    idx.add("model-a:team-1:x", unit(1, 0), "a1", FAR)
    idx.add("model-a:team-2:x", unit(1, 0), "a2", FAR)
    idx.add("model-b:team-1:x", unit(1, 0), "b1", FAR)
    assert idx.clear("model-a:") == 2
    assert idx.nearest("model-a:team-1:x", unit(1, 0), 0.5, NOW) is None
    assert idx.nearest("model-b:team-1:x", unit(1, 0), 0.5, NOW) == ("b1", pytest.approx(1.0))
    assert idx.clear() == 1 and len(idx) == 0


def test_a_vector_of_another_dimension_is_refused_with_a_clear_error() -> None:
    idx = index()
    with pytest.raises(VectorShapeError, match="8-dimensional.*shape \\(384,\\)"):
        idx.add("p", [0.1] * 384, "k", FAR)
    with pytest.raises(VectorShapeError, match="8-dimensional"):
        idx.nearest("p", [0.1] * 7, 0.5, NOW)
    with pytest.raises(VectorShapeError, match="non-zero"):
        idx.add("p", [0.0] * DIM, "k", FAR)
    with pytest.raises(VectorShapeError, match="finite"):
        idx.add("p", [float("nan")] + [0.0] * (DIM - 1), "k", FAR)
    assert len(idx) == 0


def test_a_partition_grows_and_shrinks_without_losing_an_entry() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(500, DIM)).astype(np.float32)
    idx = index(max_entries=1000)
    for i, v in enumerate(vectors):
        idx.add("p", v, f"k{i}", FAR)
    for i in range(0, 480):
        idx.discard(f"k{i}")
    for i in range(480, 500):
        assert idx.nearest("p", vectors[i], 0.9999, NOW)[0] == f"k{i}"  # type: ignore[index]


@pytest.mark.parametrize("seed", range(40))
def test_nearest_agrees_with_brute_force(seed: int) -> None:
    """Random entries over three partitions, some discarded, random thresholds: the index answers
    exactly what a brute-force scan over the kept entries would (seeded, so a failure reproduces)."""
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, 60))
    entries = rng.normal(size=(count, DIM)).astype(np.float32)
    partitions = rng.integers(0, 3, size=count)
    idx = index(max_entries=1000)
    kept: dict[str, tuple[int, np.ndarray]] = {}
    for i, vector in enumerate(entries):
        idx.add(f"p{partitions[i]}", vector, f"k{i}", FAR)
        kept[f"k{i}"] = (int(partitions[i]), vector.astype(np.float64) / np.linalg.norm(vector))
    for i in rng.choice(count, size=count // 3, replace=False):
        idx.discard(f"k{i}")
        del kept[f"k{i}"]
    for query in rng.normal(size=(10, DIM)):
        q = query / np.linalg.norm(query)
        threshold = float(rng.uniform(-0.5, 0.9))
        for p in range(3):
            scores = {k: float(v @ q) for k, (part, v) in kept.items() if part == p}
            found = idx.nearest(f"p{p}", query, threshold, NOW)
            best = max(scores.values(), default=None)
            if best is None or best < threshold - 1e-5:
                assert found is None
            elif best >= threshold + 1e-5:
                assert found is not None
                assert scores[found[0]] == pytest.approx(best, abs=1e-5)
                assert found[1] == pytest.approx(best, abs=1e-5)
