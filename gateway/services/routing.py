"""Which deployments answer a call, in which order. The pipeline walks the plan it returns."""

from __future__ import annotations

import random

from gateway.services.catalog import DeploymentHandle, PublicModel


class Router:
    """Weighted random order (the default strategy): each deployment leads in proportion to its weight."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._random = (rng or random.Random()).random

    def plan(self, model: PublicModel) -> tuple[DeploymentHandle, ...]:
        deployments = model.deployments
        if len(deployments) == 1:
            return deployments
        # Efraimidis-Spirakis: sorting by u ** (1 / weight) is a weighted shuffle.
        keyed = sorted(deployments, key=lambda d: self._random() ** (1.0 / d.config.weight), reverse=True)
        return tuple(keyed)
