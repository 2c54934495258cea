"""Confidence floors for a team's classifier, chosen on labelled prompts it was not trained on.

Why: a classifier's probabilities are not a false-positive rate. Fine-tuned on a few hundred
attacks, MiniLM put 7% of a blind set's benign look-alikes above the fixed MEDIUM floor (0.75),
where a filter of MEDIUM strength should stay near 5%. Calibration reads the probabilities the
model gives held-out benign prompts and puts each confidence's floor where at most ``BUDGETS`` of
them reach it (a filter's strength then is a false-positive budget, as the seed classifier's
floors are: ``neighbours.py``). The floors are written beside the model, in ``FILE``, and
``classifier.py`` reads them in place of its defaults.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

FILE = "strata_confidence.json"
# Share of held-out benign prompts allowed at or above each confidence. Under the seed classifier's
# (2%, 5%, 10%): a calibration set of a hundred or two benign prompts is a noisy estimate, and
# prompts written later, by others, score higher than the ones a model was tuned near.
BUDGETS = {"HIGH": 0.01, "MEDIUM": 0.03, "LOW": 0.06}
LOWEST_FLOOR = 0.5  # never below: the model must at least lean towards the label


def floors(benign: Sequence[float], budgets: dict[str, float] = BUDGETS) -> dict[str, float]:
    """Each confidence's floor: the lowest probability that at most its budget of ``benign``
    scores reach (strictly above the score ranked at the budget), never under ``LOWEST_FLOOR``."""
    if not benign:
        raise ValueError("calibration needs prompts that are not attacks")
    ranked = sorted(benign, reverse=True)
    out = {}
    for name, budget in budgets.items():
        allowed = math.floor(budget * len(ranked))  # benign scores that may reach the floor
        if allowed >= len(ranked):
            out[name] = LOWEST_FLOOR
            continue
        out[name] = max(LOWEST_FLOOR, min(1.0, math.nextafter(ranked[allowed], math.inf)))
    out["MEDIUM"] = max(out["MEDIUM"], out["LOW"])
    out["HIGH"] = max(out["HIGH"], out["MEDIUM"])
    return out


def write(folder: Path, chosen: dict[str, float], source: dict[str, object]) -> Path:
    path = folder / FILE
    path.write_text(json.dumps({"floors": chosen, "calibration": source}, indent=2) + "\n", encoding="utf-8")
    return path


def read(folder: Path) -> tuple[tuple[str, float], ...] | None:
    """The floors written beside a model, as ``classifier.LEVELS`` orders them; None when there are
    none. A malformed file is an error: a classifier silently back on its defaults would block
    another share of traffic than its operator chose."""
    path = folder / FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["floors"]
        levels = tuple((name, float(data[name])) for name in ("HIGH", "MEDIUM", "LOW"))
    except (ValueError, KeyError, TypeError) as bad:
        raise ValueError(f"{path}: not a calibration Strata wrote ({bad})") from None
    if not all(0.0 < floor <= 1.0 for _, floor in levels) or not levels[0][1] >= levels[1][1] >= levels[2][1]:
        raise ValueError(f"{path}: floors must lie in (0, 1] and fall from HIGH to LOW")
    return levels
