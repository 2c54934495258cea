"""Train the prompt-attack head shipped in ``gateway/guardrails/data/attack_head.npz``.

Why a head: the seeds' nearest-neighbour vote over frozen MiniLM vectors finds an attack only when
a seed is worded like it (0.37-0.58 recall on blind sets). A small network over the same vectors,
trained on every labelled prompt in the repo, generalises further and costs nothing at run time:
the pieces are embedded for the seeds anyway, and the head is three small matrix products.

Training is multiple-instance: a text is an attack when any of its pieces is (an instruction
hidden in an e-mail is one sentence of many), so a text's score is the highest of its pieces', as
at run time (``gateway/guardrails/semantic/attack_head.py``). The floors come from the calibration
set, never trained on: where 1% / 3% / 6% of its benign look-alikes reach HIGH / MEDIUM / LOW
(``calibration.py``'s budgets). Deterministic: the same data gives the same file.

    .venv/bin/python -m bench.train_attack_head   # ~12 minutes on 2 cores, most of it embedding
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import numpy as np
import torch

from gateway.guardrails.policies.base import TextUnit
from gateway.guardrails.semantic import attack_head, calibration
from gateway.guardrails.semantic.content import pieces_of
from gateway.guardrails.semantic.training import examples
from tests.support.embedder import MiniLMEmbedder

DATA = Path(__file__).parent / "guardrail_evals" / "data"
# Every development set and every training set: the held-out sets up to prompt_attacks_holdout31,
# judges once, were read by stop 40 (its judge, prompt_attacks_holdout32 and later, and the
# calibration set are never trained on); the shipped content seeds are added by examples().
TRAINING = [
    DATA / "prompt_attacks.jsonl",
    DATA / "holdout" / "prompt_attacks.jsonl",
    *(DATA / "holdout" / f"prompt_attacks_holdout{n}.jsonl" for n in range(2, 32)),
    *(DATA / "training" / f"prompt_attacks_train_{part}.jsonl" for part in "abcdefghi"),
]
CALIBRATION = DATA / "training" / "prompt_attacks_calibration.jsonl"
HIDDEN, MEMBERS, EPOCHS, LEARNING_RATE, WEIGHT_DECAY = 128, 3, 500, 3e-3, 0.1


async def _pieces(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every text's pieces as the content check cuts them, embedded; and which text each came from."""
    per_text = [pieces_of([TextUnit(t)]) for t in texts]
    flat = [p for pieces in per_text for p in pieces]
    vectors = np.asarray(await MiniLMEmbedder().embed(flat), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    owner = np.repeat(np.arange(len(texts)), [len(p) for p in per_text])
    return vectors, owner


def _member(vectors: torch.Tensor, owner: torch.Tensor, labels: torch.Tensor, seed: int) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(vectors.shape[1], HIDDEN), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(HIDDEN, 1)
    )
    optimiser = torch.optim.AdamW(net.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    for _ in range(EPOCHS):  # full batch: a few thousand texts
        piece_logits = net(vectors).squeeze(1)
        text_logits = torch.full((len(labels),), -1e9).scatter_reduce(0, owner, piece_logits, "amax")
        loss = torch.nn.functional.binary_cross_entropy_with_logits(text_logits, labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return net


def _head(nets: list[torch.nn.Sequential], floors: tuple[float, float, float]) -> attack_head.AttackHead:
    def weights(index: int, name: str) -> np.ndarray:
        return np.stack([getattr(net[index], name).detach().numpy() for net in nets])

    return attack_head.AttackHead(
        hidden_weights=weights(0, "weight").transpose(0, 2, 1).astype(np.float32),
        hidden_bias=weights(0, "bias").astype(np.float32),
        out_weights=weights(2, "weight")[:, 0, :].astype(np.float32),
        out_bias=weights(2, "bias")[:, 0].astype(np.float32),
        floors=floors,
    )


async def main(out: Path) -> None:
    torch.set_num_threads(2)
    rows = examples(TRAINING)
    vectors, owner = await _pieces([t for t, _ in rows])
    labels = torch.tensor([float(label) for _, label in rows])
    nets = [_member(torch.tensor(vectors), torch.tensor(owner), labels, seed) for seed in range(MEMBERS)]
    unfloored = _head(nets, (1.0, 1.0, 1.0)).rounded()  # as shipped (float16), so the floors fit it
    held_out = [json.loads(line) for line in CALIBRATION.read_text(encoding="utf-8").splitlines() if line.strip()]
    cal_vectors, cal_owner = await _pieces([r["text"] for r in held_out])
    scores = unfloored.text_scores(cal_vectors, cal_owner, len(held_out))
    benign = [float(s) for s, r in zip(scores, held_out, strict=True) if not r["attack"]]
    chosen = calibration.floors(benign)
    head = _head(nets, (chosen["HIGH"], chosen["MEDIUM"], chosen["LOW"])).rounded()
    head.save(out)
    found = np.mean([s >= chosen["MEDIUM"] for s, r in zip(scores, held_out, strict=True) if r["attack"]])
    print(f"{len(rows)} texts, {len(vectors)} pieces; floors {chosen}; calibration attacks at MEDIUM: {found:.2f}")
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=attack_head.SHIPPED)
    asyncio.run(main(parser.parse_args().out))
