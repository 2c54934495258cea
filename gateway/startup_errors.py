"""A configuration the gateway cannot serve, found while it starts: said in one line, not a traceback."""

from __future__ import annotations


class StartupRefused(Exception):
    """The configuration cannot be served (a model's default guardrail that does not exist...): what
    the server logs is this message, not a traceback (``startup_failure_message``)."""


def startup_failure_message(text: str) -> str:
    """Starlette reports a failed startup as the traceback's text; for ``StartupRefused``, only its
    message (the traceback buried the one line that said what was wrong)."""
    marker = f"{StartupRefused.__module__}.{StartupRefused.__qualname__}: "
    return text.rsplit(marker, 1)[1].strip() if marker in text else text
