"""A trained classifier's confidence floors, set from held-out prompts: a filter's strength then
is a share of benign prompts it may block (HIGH confidence 1%, MEDIUM 3%, LOW 6%), not a fixed
probability; floors never fall below an even chance, never rise from LOW to HIGH out of order, and
a file that cannot be read is an error rather than a silent return to the defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.guardrails.semantic import calibration
from gateway.guardrails.semantic.classifier import LEVELS, confidence


def test_each_floor_lets_through_at_most_its_budget_of_benign_prompts() -> None:
    benign = [i / 100 for i in range(100)]  # 0.00 .. 0.99
    floors = calibration.floors(benign)
    for name, budget in calibration.BUDGETS.items():
        assert sum(score >= floors[name] for score in benign) <= budget * len(benign)
    assert floors["HIGH"] > 0.98 and 0.96 < floors["MEDIUM"] <= 0.97 and 0.93 < floors["LOW"] <= 0.94


def test_a_model_that_scores_benign_prompts_low_keeps_the_even_chance_floor() -> None:
    assert calibration.floors([0.01, 0.02, 0.03] * 50) == {"HIGH": 0.5, "MEDIUM": 0.5, "LOW": 0.5}


def test_floors_fall_from_high_to_low_and_need_benign_prompts() -> None:
    floors = calibration.floors([0.2, 0.99, 0.6, 0.7] * 25)
    assert floors["HIGH"] >= floors["MEDIUM"] >= floors["LOW"]
    with pytest.raises(ValueError, match="not attacks"):
        calibration.floors([])


def test_floors_written_beside_a_model_are_read_back_as_its_levels(tmp_path: Path) -> None:
    assert calibration.read(tmp_path) is None
    calibration.write(tmp_path, {"HIGH": 0.99, "MEDIUM": 0.97, "LOW": 0.9}, {"benign": 100})
    levels = calibration.read(tmp_path)
    assert levels == (("HIGH", 0.99), ("MEDIUM", 0.97), ("LOW", 0.9))
    assert confidence(0.95, levels) == "LOW" and confidence(0.95, LEVELS) == "HIGH"


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"floors": {"HIGH": 0.9}}),
        json.dumps({"floors": {"HIGH": 0.5, "MEDIUM": 0.9, "LOW": 0.7}}),
        json.dumps({"floors": {"HIGH": 1.5, "MEDIUM": 0.9, "LOW": 0.7}}),
    ],
)
def test_a_calibration_file_that_cannot_be_used_is_an_error(tmp_path: Path, content: str) -> None:
    (tmp_path / calibration.FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=calibration.FILE):
        calibration.read(tmp_path)
