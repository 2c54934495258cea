"""The Bedrock surface's pieces that need no server: error shapes and templated hot paths."""

from __future__ import annotations

import orjson
import pytest
from pydantic import BaseModel

from gateway.api.asgi_routes import AsgiRoutes, PathTemplate
from gateway.api.bedrock import _trace
from gateway.api.bedrock_errors import bedrock_error_response
from gateway.api.rendering import error_response
from gateway.errors import (
    AuthenticationFailed,
    ContextWindowExceeded,
    GatewayTimeout,
    InternalError,
    InvalidRequest,
    ModelNotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
    StrataError,
    UpstreamError,
)
from gateway.services.context import CallContext


class Empty(BaseModel):
    pass


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (InvalidRequest("x"), 400, "ValidationException"),
        (ContextWindowExceeded("x"), 400, "ValidationException"),
        (PayloadTooLarge("x"), 400, "ValidationException"),
        (AuthenticationFailed("x"), 403, "UnrecognizedClientException"),
        (AuthenticationFailed("x", code="missing_api_key"), 403, "MissingAuthenticationTokenException"),
        (PermissionDenied("x"), 403, "AccessDeniedException"),
        (ModelNotFound("x"), 404, "ResourceNotFoundException"),
        (GatewayTimeout("x"), 408, "ModelTimeoutException"),
        (UpstreamError("x"), 424, "ModelErrorException"),
        (RateLimited("x", retry_after=2.5), 429, "ThrottlingException"),
        (InternalError("x"), 500, "InternalServerException"),
        (ServiceUnavailable("x"), 503, "ServiceUnavailableException"),
        (StrataError("x", status=405), 405, "ValidationException"),
    ],
)
def test_errors_render_in_bedrocks_shape(error: StrataError, status: int, kind: str) -> None:
    response = bedrock_error_response(error, "req-1")

    assert response.status_code == status
    assert response.headers["x-amzn-errortype"] == kind
    assert response.headers["x-amzn-requestid"] == "req-1"
    assert orjson.loads(response.body) == {"message": "x"}
    if error.retry_after is not None:
        assert response.headers["retry-after"] == "3"


def test_the_surface_decides_the_shape() -> None:
    bedrock = error_response(CallContext(request_id="r", surface="bedrock"), UpstreamError("boom"))
    openai = error_response(CallContext(request_id="r", surface="openai"), UpstreamError("boom"))

    assert (bedrock.status_code, orjson.loads(bedrock.body)) == (424, {"message": "boom"})
    assert openai.status_code == 502 and "error" in orjson.loads(openai.body)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/model/gpt-test/converse", "gpt-test"),
        ("/model/org/model-a/converse", "org/model-a"),  # %2F arrives decoded
        ("/model/acme.chat:1/converse", "acme.chat:1"),
        ("/model//converse", None),
        ("/model/converse", None),
        ("/model/x/converse-stream", None),
        ("/models/x/converse", None),
    ],
)
def test_a_path_template_takes_everything_between_its_prefix_and_suffix(path: str, value: str | None) -> None:
    assert PathTemplate.parse("/model/{modelId}/converse").value(path) == value


def test_exact_paths_win_and_templates_are_tried_after() -> None:
    routes = AsgiRoutes()

    async def handler(*_: object) -> None:
        raise AssertionError

    for path in ("/v1/chat/completions", "/model/{modelId}/invoke", "/model/{modelId}/invoke-with-response-stream"):
        routes.post(path, summary="", request_model=Empty, response_model=Empty, tag="t")(
            handler  # type: ignore[arg-type]
        )

    assert routes.match("/v1/chat/completions").path == "/v1/chat/completions"  # type: ignore[union-attr]
    assert routes.match("/model/a/b/invoke").path == "/model/{modelId}/invoke"  # type: ignore[union-attr]
    stream = routes.match("/model/a/invoke-with-response-stream")
    assert stream is not None and stream.path == "/model/{modelId}/invoke-with-response-stream"
    assert routes.match("/model/a/other") is None


def test_routing_speaks_in_the_trace_only_when_it_chose() -> None:
    plain = CallContext(request_id="r", surface="bedrock", model="m", deployment="m/0", attempts=1)
    retried = CallContext(request_id="r", surface="bedrock", model="m", deployment="m/1", attempts=2)

    assert _trace(plain) is None
    assert _trace(retried) == {"promptRouter": {"invokedModelId": "m/1"}}
