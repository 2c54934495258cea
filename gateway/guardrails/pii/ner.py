"""The PII types no pattern finds precisely (NAME, ADDRESS, AGE, USERNAME), found by a local
token-classification model: a transformers folder named by the operator, loaded from disk only
(``local_files_only``; nothing is downloaded), on first use, in a worker thread.

The model's labels are mapped to Bedrock's types by name (``LABELS``): CoNLL-style PER/LOC models
and PII models with FIRSTNAME, STREET, AGE, USERNAME labels both work. Labels that map to nothing
are ignored.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from gateway.guardrails.pii.scan import Finding

NER_TYPES = frozenset({"NAME", "ADDRESS", "AGE", "USERNAME"})
LABELS = {
    **dict.fromkeys(
        ("PER", "PERSON", "NAME", "FULLNAME", "FIRSTNAME", "LASTNAME", "MIDDLENAME", "GIVENNAME", "SURNAME"), "NAME"
    ),
    **dict.fromkeys(
        ("ADDRESS", "STREET", "STREETADDRESS", "STREET_ADDRESS", "BUILDINGNUMBER", "SECONDARYADDRESS", "CITY"),
        "ADDRESS",
    ),
    **dict.fromkeys(("ZIPCODE", "POSTCODE", "STATE", "COUNTY", "LOC", "LOCATION", "GPE"), "ADDRESS"),
    **dict.fromkeys(("AGE",), "AGE"),
    **dict.fromkeys(("USERNAME", "USER_NAME", "USER", "DISPLAYNAME"), "USERNAME"),
}
_PREFIXES = ("B-", "I-", "E-", "S-", "L-", "U-", "B_", "I_")
_STRIDE = 32  # tokens of overlap between windows of a long text


def entity_type(label: str) -> tuple[str | None, bool]:
    """A model label as (Bedrock type or None, whether it begins an entity)."""
    begins = label.startswith(("B-", "S-", "U-", "B_"))
    bare = label[2:] if label.startswith(_PREFIXES) else label
    return LABELS.get(bare.upper()), begins


@dataclass(slots=True)
class _Loaded:
    tokenizer: Any
    model: Any
    labels: dict[int, str]
    window: int


class NerModel:
    """One model folder, loaded once on first use and shared by every guardrail that needs it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    def _load(self) -> _Loaded:
        with self._lock:  # the first guardrails to need it may ask at once: load it once
            if self._loaded is None:
                from transformers import AutoModelForTokenClassification, AutoTokenizer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
                model = AutoModelForTokenClassification.from_pretrained(self.path, local_files_only=True).eval()
                limit = int(getattr(model.config, "max_position_embeddings", 512) or 512)
                window = max(16, min(limit, int(tokenizer.model_max_length or limit)) - 2)
                labels = {int(i): str(name) for i, name in model.config.id2label.items()}
                self._loaded = _Loaded(tokenizer, model, labels, window)
            return self._loaded

    def find(self, text: str, types: frozenset[str]) -> list[Finding]:
        """Entities of ``types`` in ``text`` (blocking: call it in a thread)."""
        if not text.strip():
            return []
        loaded = self._load()
        with self._lock:  # one text at a time: a fast tokenizer's truncation settings are not thread-safe
            return self._find(loaded, text, types)

    def _find(self, loaded: _Loaded, text: str, types: frozenset[str]) -> list[Finding]:
        import torch

        encoded = loaded.tokenizer(
            text,
            return_offsets_mapping=True,
            return_overflowing_tokens=True,
            truncation=True,
            max_length=loaded.window,
            stride=min(_STRIDE, loaded.window // 4),
            padding=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").tolist()
        encoded.pop("overflow_to_sample_mapping", None)
        with torch.inference_mode():
            predicted = loaded.model(**encoded).logits.argmax(-1).tolist()
        spans: set[tuple[str, int, int]] = set()
        for window_offsets, window_labels in zip(offsets, predicted, strict=True):
            spans.update(_spans(text, window_offsets, [loaded.labels[i] for i in window_labels], types))
        return [Finding(kind, start, end) for kind, start, end in sorted(spans, key=lambda s: (s[1], s[2]))]


def _spans(text: str, offsets: list[list[int]], labels: list[str], types: frozenset[str]) -> list[tuple[str, int, int]]:
    """Tokens with one type, next to each other (whitespace between at most), make one entity."""
    out: list[tuple[str, int, int]] = []
    current: tuple[str, int, int] | None = None
    for (start, end), label in zip(offsets, labels, strict=True):
        if start == end:
            continue  # special and padding tokens
        kind, begins = entity_type(label)
        if current is not None and current[0] == kind:
            # a word's pieces join whatever their prefix; words join when the label continues
            if start == current[2] or (not begins and not text[current[2] : start].strip()):
                current = (current[0], current[1], end)
                continue
        if current is not None:
            out.append(current)
        current = (kind, start, end) if kind is not None and kind in types else None
    if current is not None:
        out.append(current)
    return out
