"""Errors of the guardrail subsystem (the API renders them as Bedrock's exception classes)."""

from __future__ import annotations


class GuardrailNotFound(LookupError):
    """No guardrail with that identifier, or not that version of it."""
