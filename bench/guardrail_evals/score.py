"""Precision, recall and false-positive rate of one policy (or one entity type) on a labelled set."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Score:
    policy: str  # e.g. "PII: EMAIL", "prompt attacks", "topics"
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    latency_ms: list[float] = field(default_factory=list)  # per case
    note: str = ""

    def add(self, expected: bool, found: bool) -> None:
        if expected and found:
            self.true_positives += 1
        elif found:
            self.false_positives += 1
        elif expected:
            self.false_negatives += 1
        else:
            self.true_negatives += 1

    @property
    def cases(self) -> int:
        return self.true_positives + self.false_positives + self.false_negatives + self.true_negatives

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def false_positive_rate(self) -> float:
        negatives = self.false_positives + self.true_negatives
        return self.false_positives / negatives if negatives else 0.0
