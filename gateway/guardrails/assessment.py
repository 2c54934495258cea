"""What checking text found, and what the guardrail then did, in Bedrock's own shapes.

Each policy reports ``Detection``s; the engine decides the outcome from them (any BLOCKED
detection blocks, else any ANONYMIZED one masks) and renders the assessment exactly as Bedrock's
GuardrailAssessment (ApplyGuardrail's ``assessments``, Converse's ``trace.guardrail``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from gateway.guardrails.definition import Side

# The assessment sections, as Bedrock groups them: (policy key, list key).
TOPICS = ("topicPolicy", "topics")
CONTENT = ("contentPolicy", "filters")
CUSTOM_WORDS = ("wordPolicy", "customWords")
MANAGED_WORDS = ("wordPolicy", "managedWordLists")
PII = ("sensitiveInformationPolicy", "piiEntities")
REGEXES = ("sensitiveInformationPolicy", "regexes")
GROUNDING = ("contextualGroundingPolicy", "filters")
# Bedrock's GuardrailUsage keys, per section: what a check of one kind counts as processed.
_UNITS = {
    "topicPolicy": "topicPolicyUnits",
    "contentPolicy": "contentPolicyUnits",
    "wordPolicy": "wordPolicyUnits",
    "sensitiveInformationPolicy": "sensitiveInformationPolicyUnits",
    "contextualGroundingPolicy": "contextualGroundingPolicyUnits",
}
# Lists a section always has, even when empty (botocore's shapes require them).
_REQUIRED_LISTS = {
    "wordPolicy": ("customWords", "managedWordLists"),
    "sensitiveInformationPolicy": ("piiEntities", "regexes"),
}

Action = Literal["BLOCKED", "ANONYMIZED", "NONE"]
WITHHELD = "{WITHHELD}"  # a withheld match that has no placeholder of its own (a blocked word)


@dataclass(slots=True)
class Detection:
    """One thing a policy found. ``entry`` is Bedrock's assessment entry for it, without
    ``action`` and ``detected``, which come from the fields here. ``span`` locates the match
    ((text unit index, start, end)) for masking; ``placeholder`` replaces it (``{EMAIL}``)."""

    section: tuple[str, str]
    entry: dict[str, Any]
    action: Action
    span: tuple[int, int, int] | None = None
    placeholder: str | None = None
    detected: bool = True  # False: a filter or topic evaluated that did not fire (outputScope FULL)

    def rendered(self, withhold: bool = False) -> dict[str, Any]:
        """Bedrock's entry; ``withhold``: the matched text replaced by its placeholder, for text
        the caller was not given (see ``render.withheld``)."""
        entry = {**self.entry, "action": self.action, "detected": self.detected}
        if withhold and "match" in entry:
            entry["match"] = self.placeholder or WITHHELD
        return entry


@dataclass(slots=True)
class Outcome:
    """A guardrail applied to some text: whether it intervened, what goes on instead, and why."""

    side: Side
    detections: list[Detection]
    outputs: list[str]  # the text to use instead (the blocked message, or the masked text); [] if none
    units_checked: dict[str, int] = field(default_factory=dict)  # per section: text units processed
    characters: int = 0
    latency_ms: int = 0
    passed: list[Detection] = field(default_factory=list)  # evaluated, not detected: shown in full only

    @property
    def blocked(self) -> bool:
        return any(d.action == "BLOCKED" for d in self.detections)

    @property
    def anonymized(self) -> bool:
        return any(d.action == "ANONYMIZED" for d in self.detections)

    @property
    def intervened(self) -> bool:
        return self.blocked or self.anonymized

    @property
    def action(self) -> str:
        """Bedrock's GuardrailAction."""
        return "GUARDRAIL_INTERVENED" if self.intervened else "NONE"

    @property
    def summary(self) -> str:
        """For the usage record and metrics: blocked, anonymized, detected (NONE actions only), none."""
        if self.blocked:
            return "blocked"
        if self.anonymized:
            return "anonymized"
        return "detected" if self.detections else "none"

    def policies(self) -> list[str]:
        """The policy kinds that fired (Bedrock's section names), for callers and logs."""
        return sorted({d.section[0] for d in self.detections})

    def assessment(self, full: bool = False, withhold: bool = False) -> dict[str, Any]:
        """Bedrock's GuardrailAssessment: the detections (``full``: those that only report too, and
        the filters and topics that were evaluated and did not fire, ``detected: false``), per
        section, with invocation metrics; ``withhold``: matched text as placeholders."""
        out: dict[str, Any] = {}
        for detection in [*self.detections, *self.passed] if full else self.detections:
            if not full and detection.action == "NONE":
                continue
            policy, key = detection.section
            section = out.setdefault(policy, {})
            section.setdefault(key, []).append(detection.rendered(withhold))
        for policy, keys in _REQUIRED_LISTS.items():
            if policy in out:
                for key in keys:
                    out[policy].setdefault(key, [])
        out["invocationMetrics"] = {
            "guardrailProcessingLatency": self.latency_ms,
            "usage": self.usage(),
            "guardrailCoverage": {"textCharacters": {"guarded": self.characters, "total": self.characters}},
        }
        return out

    def usage(self) -> dict[str, int]:
        """Bedrock's GuardrailUsage (text units: 1,000 characters, rounded up, per policy checked)."""
        usage = {name: 0 for name in _UNITS.values()}
        usage["sensitiveInformationPolicyFreeUnits"] = 0
        for policy, units in self.units_checked.items():
            usage[_UNITS[policy]] += units
        return usage
