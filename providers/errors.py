"""Errors a provider raises. The pipeline maps them to gateway errors; surfaces render those.

Every error says whether trying again (here or on another deployment) can help, so that
routing never has to guess from status codes.
"""

from __future__ import annotations

from collections.abc import Iterable


class ProviderError(Exception):
    """Base class: an upstream or local back-end failed to answer."""

    retryable: bool = False
    # The deployment's own configuration is wrong (its key refused, its model id or route unknown
    # upstream): the caller's request is fine, so another deployment, or a fallback, may serve it.
    misconfigured: bool = False
    status: int = 502

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        code: str | None = None,
        param: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail  # for the operator's log, never for the caller
        if status is not None:
            self.status = status
        self.retry_after = retry_after
        self.code = code
        self.param = param


class ProviderBadRequest(ProviderError):
    """The upstream rejected the request itself (400/422): the same request fails everywhere."""

    status = 400


class ContextWindowExceeded(ProviderBadRequest):
    """The prompt plus max_tokens does not fit the model's context window."""


class ContentPolicyViolation(ProviderBadRequest):
    """The upstream refused the content."""


class ProviderAuthError(ProviderError):
    """The upstream refused the gateway's own credentials: an operator must fix the config."""

    status = 502
    misconfigured = True


class ProviderNotFound(ProviderError):
    """The upstream does not know the model id or the route."""

    status = 404
    misconfigured = True


class ProviderRateLimited(ProviderError):
    """The upstream said 429; retry_after carries its Retry-After when it sent one."""

    retryable = True
    status = 429


class ProviderTimeout(ProviderError):
    """Connect, first byte, idle-between-chunks or whole-request time ran out."""

    retryable = True
    status = 504


class ProviderUnavailable(ProviderError):
    """The upstream is overloaded, down or unreachable (503, connection refused, queue full)."""

    retryable = True
    status = 503


class ProviderBusy(ProviderUnavailable):
    """The back-end is healthy but cannot take the call now: its own queue is full, or it is still
    loading. Back-pressure, not a failure: another deployment may take the call, and it never counts
    against this deployment's circuit breaker."""


class ProviderUpstreamError(ProviderError):
    """Any other upstream failure (5xx, malformed response, stream cut mid-way)."""

    retryable = True
    status = 502


class UnsupportedOperation(ProviderError):
    """The back-end cannot do this (embeddings on a chat-only model, tools without a template)."""

    status = 400


REDACTED = "[redacted]"


def redact(error: ProviderError, secrets: Iterable[str]) -> ProviderError:
    """``error`` with every secret in its message and detail replaced: some upstreams quote the
    key they refused ("Incorrect API key provided: sk-..."), and the message reaches callers."""
    for secret in secrets:
        if len(secret) >= 8:
            error.message = error.message.replace(secret, REDACTED)
            if error.detail is not None:
                error.detail = error.detail.replace(secret, REDACTED)
            error.args = (error.message,)
    return error


def error_for_status(
    status: int,
    message: str,
    *,
    code: str | None = None,
    error_type: str | None = None,
    param: str | None = None,
    retry_after: float | None = None,
) -> ProviderError:
    """Map an upstream HTTP error to the provider error that describes it."""
    hint = f"{code or ''} {error_type or ''} {message}".lower()
    kind: type[ProviderError]
    if status in (400, 422):
        if "context_length" in hint or "context window" in hint or "maximum context" in hint:
            kind = ContextWindowExceeded
        elif "content_policy" in hint or "content_filter" in hint or "content management" in hint:
            kind = ContentPolicyViolation
        else:
            kind = ProviderBadRequest
    elif status in (401, 403):
        kind = ProviderAuthError
        # Not the caller's key: a code like invalid_api_key would send them after the wrong problem.
        return kind(f"upstream refused the gateway's credentials ({status}): {message}", code="upstream_auth_error")
    elif status == 404:
        kind = ProviderNotFound
    elif status == 413:
        kind = ProviderBadRequest
    elif status == 429:
        kind = ProviderRateLimited
    elif status in (408, 504):
        kind = ProviderTimeout
        return kind(message, retry_after=retry_after, code=code)
    elif status == 503:
        kind = ProviderUnavailable
        return kind(message, retry_after=retry_after, code=code)
    else:
        kind = ProviderUpstreamError
        return kind(f"upstream answered {status}: {message}", retry_after=retry_after, code=code)
    return kind(
        message, status=status if kind is ProviderBadRequest else None, retry_after=retry_after, code=code, param=param
    )
