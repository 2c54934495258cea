"""Errors in Bedrock's shape, so botocore raises the matching exception class.

botocore picks the class from the ``x-amzn-ErrorType`` header (the part before any ``:``) and
the message from the JSON body's ``message``. Each ``StrataError`` already names its Bedrock
type; the status follows the type as Bedrock's service model declares it (so an upstream
failure, 502 on the OpenAI surface, is ModelErrorException 424 here, and a bad key is 403).
Mid-stream failures become exception frames whose names are the stream's union members.
"""

from __future__ import annotations

import orjson
from starlette.responses import Response

from gateway.errors import AuthenticationFailed, MethodNotAllowed, StrataError, UnsupportedMediaType, error_headers
from gateway.translate import eventstream

_STATUS = {
    "ValidationException": 400,
    "AccessDeniedException": 403,
    "UnrecognizedClientException": 403,
    "MissingAuthenticationTokenException": 403,
    "ResourceNotFoundException": 404,
    "ConflictException": 400,  # 400, not 409: botocore's bedrock model declares both so
    "ResourceInUseException": 400,
    "ModelTimeoutException": 408,
    "ModelErrorException": 424,
    "ThrottlingException": 429,
    "InternalServerException": 500,
    "ServiceUnavailableException": 503,
}

# Exception members of the ConverseStream / InvokeModelWithResponseStream event unions.
_STREAM_MEMBER = {
    "ValidationException": "validationException",
    "ThrottlingException": "throttlingException",
    "ServiceUnavailableException": "serviceUnavailableException",
    "ModelErrorException": "modelStreamErrorException",
    "ModelTimeoutException": "modelTimeoutException",
}


def bedrock_type(error: StrataError) -> str:
    if isinstance(error, AuthenticationFailed) and error.code == "missing_api_key":
        return "MissingAuthenticationTokenException"
    if type(error) is StrataError and error.status < 500:
        return "ValidationException"  # ad-hoc client errors (e.g. 405) are the caller's fault, not ours
    return error.bedrock_type


def bedrock_status(error: StrataError) -> int:
    if type(error) is StrataError or isinstance(error, MethodNotAllowed | UnsupportedMediaType):
        return error.status  # an ad-hoc status (405, 415...) says more than any type's default
    return _STATUS.get(bedrock_type(error), error.status)


def bedrock_error_response(error: StrataError, request_id: str | None) -> Response:
    headers = {"x-amzn-ErrorType": bedrock_type(error), **error_headers(error)}
    if request_id:
        headers["x-amzn-RequestId"] = request_id
    return Response(
        orjson.dumps({"message": error.message}),
        status_code=bedrock_status(error),
        media_type="application/json",
        headers=headers,
    )


def exception_frame(error: StrataError, *, timeout_member: bool) -> bytes:
    """The exception frame for a failure after the stream started.

    ConverseStream has no ``modelTimeoutException`` member (InvokeModelWithResponseStream does);
    there a timeout is reported as the model's stream failing.
    """
    member = _STREAM_MEMBER.get(bedrock_type(error), "internalServerException")
    if member == "modelTimeoutException" and not timeout_member:
        member = "modelStreamErrorException"
    return eventstream.exception(member, error.message)
