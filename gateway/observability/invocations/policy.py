"""Which calls' invocation records keep their prompt and completion.

A call's bodies are kept when its model is enabled in the catalog (``log_bodies: true``) or when the
``invocation_log_bodies`` setting names its model, key or team (``model:NAME``, ``key:ID``,
``team:ID``, comma-separated; ``*`` for every call). Decided once per call at the request boundary:
at most three set lookups.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.config.errors import ConfigError
from gateway.services.usage.record import UsageEvent

KINDS = ("model", "key", "team")


class BodyPolicy:
    def __init__(self, selectors: str = "", models: Iterable[str] = ()) -> None:
        self.everything = False
        found: dict[str, set[str]] = {kind: set() for kind in KINDS}
        found["model"].update(models)
        for entry in (part.strip() for part in selectors.split(",")):
            if not entry:
                continue
            if entry == "*":
                self.everything = True
                continue
            kind, _, name = entry.partition(":")
            if kind not in found or not name:
                raise ConfigError(f"invocation_log_bodies: {entry!r} is not model:NAME, key:ID, team:ID or *")
            found[kind].add(name)
        self.models = frozenset(found["model"])
        self.keys = frozenset(found["key"])
        self.teams = frozenset(found["team"])
        self.any = self.everything or bool(self.models or self.keys or self.teams)

    def keeps_bodies(self, event: UsageEvent) -> bool:
        if not self.any:
            return False
        return (
            self.everything
            or event.model in self.models
            or event.key_id in self.keys
            or (event.team_id is not None and event.team_id in self.teams)
        )
