"""A team's own text-classification model for the content filters, from a local folder.

Configured by path (``policies/content.py``'s ``CLASSIFIER_PATH``), loaded offline through the
local provider's loading code (``local_files_only``, no remote code), on first use. Labels are
read from the model's ``id2label``: a label named like a filter type (``HATE``, ``prompt-attack``)
counts for it, ``INJECTION``, ``PROMPT_INJECTION`` and ``JAILBREAK`` count for PROMPT_ATTACK; other
labels (``BENIGN``, ``SAFE``) are ignored. Probabilities (sigmoid for a multi-label model, softmax
otherwise) become confidences at ``LEVELS``, or at the floors ``calibration.py`` wrote beside the
model when it was calibrated on held-out prompts.

Inference runs in a thread, off the event loop but in the gateway's process: this is a plumbing
path for teams with a small classifier; a large one belongs behind the local model scheduler.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from gateway.guardrails.semantic import calibration
from gateway.guardrails.semantic.seeds import CATEGORIES

# Probability at or above: that confidence (a calibrated model's own floors replace these).
LEVELS: tuple[tuple[str, float], ...] = (("HIGH", 0.9), ("MEDIUM", 0.75), ("LOW", 0.5))
ALIASES = {"INJECTION": "PROMPT_ATTACK", "PROMPT_INJECTION": "PROMPT_ATTACK", "JAILBREAK": "PROMPT_ATTACK"}
MAX_TOKENS = 512


def category(label: str) -> str | None:
    """The content filter type a model's label stands for, if any."""
    name = re.sub(r"[^A-Z0-9]+", "_", label.upper()).strip("_")
    name = ALIASES.get(name, name)
    return name if name in CATEGORIES else None


def confidence(probability: float, levels: tuple[tuple[str, float], ...] = LEVELS) -> str:
    for name, floor in levels:
        if probability >= floor:
            return name
    return "NONE"


class LocalClassifier:
    """A transformers sequence-classification model, loaded once, run in a thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._loaded: tuple[Any, Any, dict[int, str], bool] | None = None
        self.levels = LEVELS
        self._lock = asyncio.Lock()

    def _load(self) -> tuple[Any, Any, dict[int, str], bool]:
        from providers.local.loading import go_offline, resolve_path

        go_offline()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = resolve_path(self.path)
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        model = AutoModelForSequenceClassification.from_pretrained(
            folder, local_files_only=True, trust_remote_code=False
        ).eval()
        labels = {int(i): c for i, label in model.config.id2label.items() if (c := category(str(label)))}
        multi = model.config.problem_type == "multi_label_classification"
        self.levels = calibration.read(folder) or LEVELS
        return model, tokenizer, labels, multi

    def probabilities(self, texts: list[str]) -> list[dict[str, float]]:
        """Each text's probability per filter type the model knows (loads the model when needed;
        blocking: for a thread, or for calibration's offline run)."""
        import torch

        if self._loaded is None:
            self._loaded = self._load()
        model, tokenizer, labels, multi = self._loaded
        batch = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        with torch.inference_mode():
            logits = model(**batch).logits.float()
        rows = (torch.sigmoid(logits) if multi else torch.softmax(logits, dim=-1)).tolist()
        return [{name: row[index] for index, name in labels.items()} for row in rows]

    def _run(self, texts: list[str]) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        for row in self.probabilities(texts):
            levels = {name: confidence(p, self.levels) for name, p in row.items()}
            out.append({name: level for name, level in levels.items() if level != "NONE"})
        return out

    async def classify(self, texts: list[str]) -> list[dict[str, str]]:
        """Each text's confidence per filter type the model knows (types under LOW left out)."""
        if self._loaded is None:
            async with self._lock:
                if self._loaded is None:
                    self._loaded = await asyncio.to_thread(self._load)
        return await asyncio.to_thread(self._run, texts)
