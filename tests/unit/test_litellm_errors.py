"""litellm's errors reach callers as one sentence: a Python traceback it folded into a message
(file paths, code lines) is cut off, and a message is bounded."""

from __future__ import annotations

from providers.litellm import MAX_MESSAGE, _map_error


class APIConnectionError(Exception):
    status_code = 500


def test_a_traceback_folded_into_litellm_s_message_never_reaches_the_caller() -> None:
    folded = (
        "litellm.APIConnectionError: 'content'\nTraceback (most recent call last):\n"
        '  File "/srv/.venv/lib/python3.11/site-packages/litellm/main.py", line 944, in completion\n'
        "KeyError: 'content'"
    )
    error = _map_error(APIConnectionError(folded))
    assert "Traceback" not in error.message and "site-packages" not in error.message
    assert "APIConnectionError: 'content'" in error.message


def test_a_huge_message_is_bounded() -> None:
    assert len(_map_error(APIConnectionError("x" * 100_000)).message) <= MAX_MESSAGE + 100
