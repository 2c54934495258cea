"""The gateway's one exception tree. Surfaces render these in their own error shape.

Each error knows its HTTP status and an OpenAI-style ``type``/``code``; the Bedrock surface maps
the same errors to its ``x-amzn-ErrorType`` names. A message or param that quotes a caller's text
is kept encodable (gateway/caller_text.py): no surface's error body can then fail to serialise.
"""

from __future__ import annotations

import math

from gateway.caller_text import encodable
from providers import errors as perr


class StrataError(Exception):
    status: int = 500
    type: str = "api_error"
    code: str | None = None
    bedrock_type: str = "InternalServerException"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        message = encodable(message)
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.param = None if param is None else encodable(param)
        self.retry_after = retry_after


class InvalidRequest(StrataError):
    status = 400
    type = "invalid_request_error"
    bedrock_type = "ValidationException"


class Unprocessable(InvalidRequest):
    status = 422


class ContextWindowExceeded(InvalidRequest):
    code = "context_length_exceeded"


class ContentPolicyViolation(InvalidRequest):
    code = "content_policy_violation"


class MethodNotAllowed(InvalidRequest):
    """The path exists but not with this method; ``Allow`` names the methods it takes (RFC 9110)."""

    status = 405
    code = "method_not_allowed"

    def __init__(self, message: str, *, allow: str) -> None:
        super().__init__(message)
        self.allow = allow


class UnsupportedMediaType(InvalidRequest):
    status = 415
    code = "unsupported_media_type"


class PayloadTooLarge(InvalidRequest):
    status = 413
    code = "request_too_large"


class AuthenticationFailed(StrataError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"
    bedrock_type = "UnrecognizedClientException"


class PermissionDenied(StrataError):
    status = 403
    type = "permission_error"
    bedrock_type = "AccessDeniedException"


class NotFound(StrataError):
    status = 404
    type = "not_found_error"
    bedrock_type = "ResourceNotFoundException"


class ModelNotFound(NotFound):
    code = "model_not_found"


class Conflict(StrataError):
    """The request contradicts what exists (a name taken, a resource still holding others)."""

    status = 409
    type = "invalid_request_error"
    code = "conflict"
    bedrock_type = "ConflictException"


class ResourceInUse(Conflict):
    """A resource cannot go while others still use it (a guardrail a key, team or model names)."""

    code = "resource_in_use"
    bedrock_type = "ResourceInUseException"


class RateLimited(StrataError):
    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"
    bedrock_type = "ThrottlingException"


class InternalError(StrataError):
    status = 500
    type = "api_error"
    bedrock_type = "InternalServerException"


class UpstreamError(StrataError):
    status = 502
    type = "upstream_error"
    bedrock_type = "ModelErrorException"


class ServiceUnavailable(StrataError):
    status = 503
    type = "service_unavailable"
    bedrock_type = "ServiceUnavailableException"


class GatewayTimeout(StrataError):
    status = 504
    type = "timeout"
    bedrock_type = "ModelTimeoutException"


class NotCached(GatewayTimeout):
    """``x-strata-cache: only-if-cached`` and no cached answer (RFC 9111's 504). Asking again
    gives the same answer, so the response tells the SDKs not to retry it (error_headers)."""


_FROM_PROVIDER: dict[type[perr.ProviderError], type[StrataError]] = {
    perr.ContextWindowExceeded: ContextWindowExceeded,
    perr.ContentPolicyViolation: ContentPolicyViolation,
    perr.ProviderBadRequest: InvalidRequest,
    perr.UnsupportedOperation: InvalidRequest,
    perr.ProviderAuthError: UpstreamError,
    perr.ProviderNotFound: NotFound,
    perr.ProviderRateLimited: RateLimited,
    perr.ProviderTimeout: GatewayTimeout,
    perr.ProviderUnavailable: ServiceUnavailable,
    perr.ProviderUpstreamError: UpstreamError,
}


def from_provider_error(error: perr.ProviderError) -> StrataError:
    """The gateway error a caller sees for a provider failure."""
    target = next((_FROM_PROVIDER[k] for k in type(error).__mro__ if k in _FROM_PROVIDER), UpstreamError)
    if target is InvalidRequest:
        target = {413: PayloadTooLarge, 422: Unprocessable}.get(error.status, InvalidRequest)
    return target(error.message, code=error.code, param=error.param, retry_after=error.retry_after)


def openai_error_body(error: StrataError) -> dict[str, object]:
    """OpenAI's error JSON, which its SDKs turn into typed exceptions by status."""
    return {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}


def retry_after_header(error: StrataError) -> dict[str, str]:
    if error.retry_after is None:
        return {}
    return {"retry-after": str(max(1, math.ceil(error.retry_after)))}  # never earlier than told


def error_headers(error: StrataError) -> dict[str, str]:
    """The headers an error carries on every surface: Retry-After, Allow on a 405, and
    x-should-retry: false where retrying cannot help."""
    headers = retry_after_header(error)
    if isinstance(error, MethodNotAllowed):
        headers["allow"] = error.allow
    if isinstance(error, NotCached):
        headers["x-should-retry"] = "false"  # read by the openai and anthropic SDKs: a 504 is retried otherwise
    return headers
