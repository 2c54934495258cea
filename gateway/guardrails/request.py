"""What a call asks of guardrails, as the surfaces read it (Converse's guardrailConfig,
InvokeModel's X-Amzn-Bedrock-Guardrail* headers, ``x-strata-guardrail`` and a ``guardrails`` body
field on the OpenAI surface), and what the pipeline recorded doing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from gateway.errors import InvalidRequest
from gateway.guardrails.assessment import Outcome
from gateway.guardrails.identifiers import ARN_PATTERN, ID_PATTERN
from gateway.guardrails.policies.base import TextUnit

Trace = Literal["enabled", "disabled", "enabled_full"]
StreamMode = Literal["sync", "async"]
# An id, a config guardrail's name or any guardrail's ARN (what GetGuardrail returns for each), and a version
_REF = re.compile(
    rf"^(?P<ref>{ID_PATTERN}|{ARN_PATTERN.replace('(?P<id>', '(?:')})(?::(?P<version>DRAFT|[1-9][0-9]{{0,7}}))?$"
)


@dataclass(frozen=True, slots=True)
class GuardrailRef:
    """A guardrail by id (or ARN, or the name of one declared in the config) and version."""

    identifier: str
    version: str = "DRAFT"
    param: str = field(default="guardrailIdentifier", compare=False)  # where the caller named it, for errors

    @classmethod
    def parse(cls, text: str, param: str) -> GuardrailRef:
        """``ID`` or ``ID:VERSION`` (a numbered version or DRAFT); a 400 naming ``param`` otherwise."""
        match = _REF.match(text.strip())
        if match is None:
            raise InvalidRequest(
                f"{param} must be ID or ID:VERSION (a version number or DRAFT), not {text!r}.", param=param
            )
        return cls(match.group("ref"), match.group("version") or "DRAFT", param)


def refs(value: Any, param: str) -> list[GuardrailRef]:
    """A header's or a body field's guardrails: "ID[:VERSION]", comma-separated, or a list of them."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise InvalidRequest(f"{param} must be a string or a list of strings.", param=param)
    return [GuardrailRef.parse(item, param) for item in items if item.strip()]


@dataclass(slots=True)
class Applied:
    """One guardrail's outcome on one side of a call."""

    guardrail_id: str
    version: str
    outcome: Outcome


@dataclass(slots=True)
class GuardrailRequest:
    """A call's guardrails: those it asked for, how to trace and stream, and what happened."""

    requested: list[GuardrailRef] = field(default_factory=list)
    trace: Trace = "disabled"
    stream_mode: StreamMode = "sync"
    imposed: set[tuple[str, str]] = field(default_factory=set)  # (id, version) of the key's, team's, model's
    report: Trace = "enabled_full"  # OpenAI-style surfaces: how much of the assessments strata_guardrail shows
    trace_asked: bool = False  # the caller asked for assessments (a header, Converse's trace): see render.withheld
    input_units: list[TextUnit] | None = None  # set by surfaces that mark guarded content (Converse)
    applied_input: list[Applied] = field(default_factory=list)
    applied_output: list[Applied] = field(default_factory=list)
    # (text as sent, text as kept) of each prompt text the input guardrails changed: masked, or, for
    # a blocked prompt, every finding withheld; what stores the caller's input applies them
    input_rewrites: list[tuple[str, str]] = field(default_factory=list)

    @property
    def intervened(self) -> bool:
        return any(a.outcome.intervened for a in (*self.applied_input, *self.applied_output))

    @property
    def input_blocked(self) -> bool:
        return any(a.outcome.blocked for a in self.applied_input)
