"""The prompt-attack head: a small network over the MiniLM vectors the content check computes
anyway, trained on every labelled prompt in the repo (``bench/train_attack_head.py``).

Why: the nearest seeds vote only for text worded like a seed; on blind sets they and the patterns
found 0.37-0.58 of the attacks. The head reads what the vectors share beyond the wording and adds
its confidence to theirs (the highest wins). It is three members' mean logit per piece, the
highest piece deciding (an attack hidden in an e-mail is one sentence of many). Its floors were
set on a calibration set it was not trained on, so that MEDIUM confidence reaches 3% of hard benign
look-alikes there (HIGH 1%, LOW 6%).

Its weights fit the embedded all-MiniLM-L6-v2 in float32 only: with another embedding model the
content check leaves it out (``policies/content.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources as package_files
from pathlib import Path

import numpy as np
import numpy.typing as npt

from gateway.guardrails.semantic.vectors import Matrix

SHIPPED = Path(__file__).parent.parent / "data" / "attack_head.npz"
LEVELS = ("HIGH", "MEDIUM", "LOW")
_GELU_SCALE = float(np.sqrt(2.0 / np.pi))


@dataclass(frozen=True, slots=True)
class AttackHead:
    hidden_weights: npt.NDArray[np.float32]  # members x dimensions x hidden
    hidden_bias: npt.NDArray[np.float32]  # members x hidden
    out_weights: npt.NDArray[np.float32]  # members x hidden
    out_bias: npt.NDArray[np.float32]  # members
    floors: tuple[float, float, float]  # probability at or above: HIGH, MEDIUM, LOW
    _stacked: npt.NDArray[np.float32] = field(init=False, repr=False)  # dimensions x (members * hidden)

    def __post_init__(self) -> None:
        members, dimensions, hidden = self.hidden_weights.shape
        stacked = np.ascontiguousarray(self.hidden_weights.transpose(1, 0, 2).reshape(dimensions, members * hidden))
        object.__setattr__(self, "_stacked", stacked)  # one BLAS product for every member

    @property
    def dimensions(self) -> int:
        return int(self.hidden_weights.shape[1])

    def piece_scores(self, vectors: Matrix) -> npt.NDArray[np.float32]:
        """Each piece's probability of being an attack (the members' mean logit)."""
        members, _, hidden_size = self.hidden_weights.shape
        hidden = (vectors @ self._stacked).reshape(len(vectors), members, hidden_size) + self.hidden_bias
        cubed = hidden * hidden * hidden  # not hidden**3: numpy's float32 power is 100x slower
        hidden = 0.5 * hidden * (1.0 + np.tanh(_GELU_SCALE * (hidden + 0.044715 * cubed)))  # GELU (tanh), as trained
        logits = (hidden * self.out_weights).sum(axis=2) + self.out_bias
        scores: npt.NDArray[np.float32] = (1.0 / (1.0 + np.exp(-logits.mean(axis=1)))).astype(np.float32)
        return scores

    def text_scores(self, vectors: Matrix, owner: npt.NDArray[np.int64], texts: int) -> npt.NDArray[np.float32]:
        """Each text's score: its highest piece's (``owner`` says which text a piece came from)."""
        out = np.zeros(texts, dtype=np.float32)
        np.maximum.at(out, owner, self.piece_scores(vectors))
        return out

    def confidence(self, vectors: Matrix) -> str:
        """NONE, LOW, MEDIUM or HIGH for the text whose pieces these are."""
        if vectors.shape[0] == 0 or vectors.shape[1] != self.dimensions:
            return "NONE"
        best = float(self.piece_scores(vectors).max())
        return next((name for name, floor in zip(LEVELS, self.floors, strict=True) if best >= floor), "NONE")

    def rounded(self) -> AttackHead:
        """The head as shipped: weights stored in float16 (half the file), computed in float32."""

        def half(array: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
            return array.astype(np.float16).astype(np.float32)

        return AttackHead(
            half(self.hidden_weights), half(self.hidden_bias), half(self.out_weights), half(self.out_bias), self.floors
        )

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            hidden_weights=self.hidden_weights.astype(np.float16),
            hidden_bias=self.hidden_bias.astype(np.float16),
            out_weights=self.out_weights.astype(np.float16),
            out_bias=self.out_bias.astype(np.float16),
            floors=np.asarray(self.floors, dtype=np.float64),
        )


def load(path: Path) -> AttackHead:
    with np.load(path) as data:
        floors = tuple(float(f) for f in data["floors"])
        if len(floors) != 3 or not 1.0 >= floors[0] >= floors[1] >= floors[2] > 0.0:
            raise ValueError(f"{path}: floors must lie in (0, 1] and fall from HIGH to LOW")
        return AttackHead(
            data["hidden_weights"].astype(np.float32),
            data["hidden_bias"].astype(np.float32),
            data["out_weights"].astype(np.float32),
            data["out_bias"].astype(np.float32),
            (floors[0], floors[1], floors[2]),
        )


@cache
def shipped() -> AttackHead:
    """The head shipped in the package (read once: it is a constant of the release)."""
    with package_files.as_file(package_files.files("gateway.guardrails.data").joinpath(SHIPPED.name)) as path:
        return load(path)
