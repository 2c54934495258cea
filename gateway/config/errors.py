"""The one error configuration problems raise; its message is meant for the operator, as is."""

from __future__ import annotations


class ConfigError(Exception):
    """A catalog or setting that cannot be used: the file, the key path and what is wrong."""
