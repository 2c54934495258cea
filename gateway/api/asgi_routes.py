"""ASGI routes: the few endpoints every model call goes through, served as plain ASGI.

FastAPI's per-request machinery (dependency solving, its per-route wrappers, the Request
object) cost about as much CPU as the whole rest of a proxied call (BENCHMARKS.md), so the
invoke endpoints bypass it. Everything else (admin, health, model lists) stays FastAPI.
The routes still appear in the OpenAPI schema, from the models declared here. Each table
belongs to one API surface, and each route says whether it is a model call (one usage record).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gateway.api.rendering import error_response
from gateway.errors import MethodNotAllowed, PayloadTooLarge, StrataError, UnsupportedMediaType
from gateway.lifespan import AppState
from gateway.services.context import CallContext


def presented_key(authorization: str | None, x_api_key: str | None, api_key: str | None) -> str | None:
    """The key from 'Authorization: Bearer', 'x-api-key' or Azure's 'api-key' (one rule, every route)."""
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None
    return x_api_key or api_key


def is_json(content_type: str) -> bool:
    """``application/json`` or any ``application/...+json``, whatever its parameters (charset...)."""
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class AsgiRequest:
    """The little of a request an ASGI route needs: headers and a size-limited JSON body."""

    __slots__ = ("scope", "_receive", "_headers")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self._receive = receive
        self._headers: dict[bytes, bytes] | None = None

    def header(self, name: bytes) -> str | None:
        """The first value of a header (names arrive lower-cased); one pass over the list per request."""
        if self._headers is None:
            self._headers = dict(reversed(self.scope["headers"]))
        value = self._headers.get(name)
        return None if value is None else value.decode("latin-1")

    def api_key(self) -> str | None:
        return presented_key(self.header(b"authorization"), self.header(b"x-api-key"), self.header(b"api-key"))

    async def body(self, limit: int) -> bytes:
        """The body, read only when it can be JSON (415 otherwise; a missing type is fine, as boto3
        sends none with InvokeModel) and no longer than ``limit`` (413)."""
        content_type = self.header(b"content-type")
        if content_type and content_type != "application/json" and not is_json(content_type):
            raise UnsupportedMediaType(
                f"The request body must be JSON (Content-Type: application/json), not {content_type[:100]!r}."
            )
        declared = self.header(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"The request body is {declared} bytes; the limit is {limit} bytes.")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"The request body exceeds the limit of {limit} bytes.")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class ClientGone(Exception):
    """The caller disconnected before it finished sending; there is nobody to answer."""


Handler = Callable[[AppState, CallContext, AsgiRequest], Awaitable[Response]]
Ref = Callable[[type[BaseModel]], dict[str, Any]]  # a model to its OpenAPI reference


@dataclass(frozen=True, slots=True)
class PathTemplate:
    """``/model/{modelId}/converse``: one parameter between a literal prefix and suffix.

    The parameter takes everything in between, slashes included, so a model id such as
    ``org/model`` matches whether the client sent it percent-encoded (boto3 does) or not.
    """

    prefix: str
    name: str
    suffix: str

    @classmethod
    def parse(cls, path: str) -> PathTemplate:
        prefix, _, rest = path.partition("{")
        name, _, suffix = rest.partition("}")
        assert name and "{" not in suffix, f"one {{parameter}} per ASGI route path, not {path!r}"
        return cls(prefix, name, suffix)

    def value(self, path: str) -> str | None:
        if len(path) > len(self.prefix) + len(self.suffix) and path.startswith(self.prefix):
            if path.endswith(self.suffix):
                return path[len(self.prefix) : len(path) - len(self.suffix)]
        return None


@dataclass(frozen=True, slots=True)
class AsgiRoute:
    path: str
    method: str
    handler: Handler
    summary: str
    request_model: type[BaseModel]
    response_model: type[BaseModel]
    tag: str
    surface: str  # the API surface: decides the error shape and the usage record's `surface`
    model_call: bool  # calls a model: one usage record per authenticated request
    template: PathTemplate | None = None
    media_types: tuple[str, ...] = ("application/json",)  # what a 200 may be (an SSE stream, event-stream frames)
    error_model: type[BaseModel] | None = None
    stream_model: type[BaseModel] | None = None  # each SSE event's data, when the route streams SSE

    async def __call__(self, state: AppState, scope: Scope, receive: Receive, send: Send) -> None:
        call: CallContext = scope["strata.call"]
        if self.template is not None:
            scope["path_params"] = {self.template.name: self.template.value(scope["path"])}
        try:
            if scope["method"] != self.method:
                raise MethodNotAllowed(
                    f"Method {scope['method']} is not allowed on {self.path}; use {self.method}.", allow=self.method
                )
            response = await self.handler(state, call, AsgiRequest(scope, receive))
        except StrataError as error:
            response = error_response(call, error)
        except ClientGone:
            return
        await response(scope, receive, send)


class AsgiRoutes:
    """The ASGI routes of one surface (or, once included into one another, of the whole app)."""

    def __init__(self, surface: str = "", error_model: type[BaseModel] | None = None) -> None:
        self.surface = surface
        self.error_model = error_model  # the surface's error body, for the OpenAPI schema
        self._routes: dict[str, AsgiRoute] = {}
        self._templated: list[AsgiRoute] = []  # tried only when the exact lookup misses

    def post(
        self,
        path: str,
        *,
        summary: str,
        request_model: type[BaseModel],
        response_model: type[BaseModel],
        tag: str,
        model_call: bool = True,
        media_types: tuple[str, ...] = ("application/json",),
        stream_model: type[BaseModel] | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            template = PathTemplate.parse(path) if "{" in path else None
            route = AsgiRoute(
                path,
                "POST",
                handler,
                summary,
                request_model,
                response_model,
                tag,
                self.surface,
                model_call,
                template,
                media_types,
                self.error_model,
                stream_model,
            )
            if template is None:
                self._routes[path] = route
            else:
                self._templated.append(route)
            return handler

        return register

    def match(self, path: str) -> AsgiRoute | None:
        route = self._routes.get(path)
        if route is None and self._templated:
            for candidate in self._templated:
                if candidate.template is not None and candidate.template.value(path) is not None:
                    return candidate
        return route

    def all(self) -> list[AsgiRoute]:
        return [*self._routes.values(), *self._templated]

    def include(self, other: AsgiRoutes) -> None:
        self._routes.update(other._routes)
        self._templated.extend(other._templated)

    def openapi_paths(self, ref: Ref) -> dict[str, Any]:
        paths: dict[str, Any] = {}
        for route in [*self._routes.values(), *self._templated]:
            parameters: dict[str, Any] = {}
            if route.template is not None:
                parameter = {"name": route.template.name, "in": "path", "required": True, "schema": {"type": "string"}}
                parameters["parameters"] = [parameter]
            paths[route.path] = {
                route.method.lower(): {
                    "tags": [route.tag],
                    "summary": route.summary,
                    "operationId": route.handler.__name__,
                    **parameters,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": ref(route.request_model)}},
                    },
                    "responses": {"200": _success(route, ref), "default": _failure(route, ref)},
                }
            }
        return paths

    def models(self) -> list[type[BaseModel]]:
        routes = [*self._routes.values(), *self._templated]
        models = [m for r in routes for m in (r.request_model, r.response_model)]
        return models + [m for r in routes for m in (r.error_model, r.stream_model) if m is not None]


_STREAMED = {"schema": {"type": "string", "description": "a stream; see the operation's summary"}}


def _success(route: AsgiRoute, ref: Ref) -> dict[str, Any]:
    content = {media: _content(route, media, ref) for media in route.media_types}
    streams = len(route.media_types) > 1
    return {
        "description": "Success" + (" (a stream when the request asks for one)" if streams else ""),
        "content": content,
    }


def _content(route: AsgiRoute, media: str, ref: Ref) -> dict[str, Any]:
    if media == "application/json":
        return {"schema": ref(route.response_model)}
    if media == "text/event-stream" and route.stream_model is not None:
        payloads = [ref(m) for m in (route.stream_model, route.error_model) if m is not None]
        return {"schema": sse_event(payloads)}
    return _STREAMED


def sse_event(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """One server-sent event: its ``data`` is JSON (a chunk, or an error after the first chunk) or ``[DONE]``."""
    json_data = {"type": "string", "contentMediaType": "application/json", "contentSchema": {"anyOf": payloads}}
    return {
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"anyOf": [{"const": "[DONE]"}, json_data]}},
    }


def _failure(route: AsgiRoute, ref: Ref) -> dict[str, Any]:
    failure: dict[str, Any] = {"description": "An error, in the surface's error shape"}
    if route.error_model is not None:
        failure["content"] = {"application/json": {"schema": ref(route.error_model)}}
    return failure
