"""Strata: a provider-agnostic model gateway."""

__version__ = "0.1.0"
