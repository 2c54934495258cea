"""The app's route table: which route serves a path, which API surface it belongs to, and
whether it calls a model. Decided here once per request, read by everything after.

ASGI routes (api/asgi_routes.py) are matched exactly; FastAPI routes and unknown paths get the
surface that claimed a deeper prefix of theirs (``/v1/messages``), else the one that owns their
first path segment, so an unknown ``/v1/...`` path answers in OpenAI's error shape, an unknown
``/v1/messages/...`` one in Anthropic's and an unknown ``/model/...`` operation in Bedrock's.
"""

from __future__ import annotations

from typing import NamedTuple

from fastapi import APIRouter
from starlette.routing import BaseRoute

from gateway.api.asgi_routes import AsgiRoute, AsgiRoutes

OTHER = "other"  # health, docs, the schema: not an API surface of their own

# OpenAI's paths without their /v1, as LiteLLM's proxy also serves them: its users' applications
# often say base_url="http://host:4000". Served as the /v1 path they name.
UNPREFIXED = ("/chat/completions", "/completions", "/embeddings", "/models", "/responses")


def versioned(path: str) -> str | None:
    """``/v1`` + ``path`` for an OpenAI path sent without its version (``/models/{id}`` too)."""
    for prefix in UNPREFIXED:
        if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
            return "/v1" + path
    return None


class Match(NamedTuple):
    """What a request is, decided once (a tuple: built on every request, it must cost nothing)."""

    route: AsgiRoute | None  # None: FastAPI serves it (or answers 404)
    surface: str
    model_call: bool


class RouteTable:
    def __init__(self) -> None:
        self.asgi = AsgiRoutes()
        self._surface_of_segment: dict[str, str] = {}
        self._surface_of_prefix: dict[str, str] = {}  # deeper claims, e.g. /v1/messages inside /v1

    def add_asgi(self, routes: AsgiRoutes) -> None:
        self.asgi.include(routes)
        for route in routes.all():  # matched exactly; their segment's unknown paths go to the first claimant
            self._surface_of_segment.setdefault(_first_segment(route.path), routes.surface)

    def add_router(self, router: APIRouter, surface: str) -> None:
        """A FastAPI router whose every route (and unknown paths beside them) belong to ``surface``."""
        for route in router.routes:
            self._claim(_path_of(route), surface)

    def claim(self, prefix: str, surface: str) -> None:
        """Unknown paths under ``prefix`` (one segment, e.g. ``/model``, or more, e.g. ``/v1/messages``)
        answer in ``surface``'s shape."""
        if prefix.count("/") > 1:
            self._surface_of_prefix[prefix.rstrip("/")] = surface
        else:
            self._claim(prefix, surface)

    def match(self, method: str, path: str) -> Match:
        route = self.asgi.match(path)
        if route is not None:
            return Match(route, route.surface, route.model_call and method == route.method)
        for prefix, surface in self._surface_of_prefix.items():  # a few at most; never on a model call
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                return Match(None, surface, False)
        return Match(None, self._surface_of_segment.get(_first_segment(path), OTHER), False)

    def _claim(self, path: str, surface: str) -> None:
        segment = _first_segment(path)
        owner = self._surface_of_segment.setdefault(segment, surface)
        assert owner == surface, f"{segment} belongs to {owner}, not {surface}"


def _path_of(route: BaseRoute) -> str:
    path: str = getattr(route, "path", "")
    return path


def _first_segment(path: str) -> str:
    end = path.find("/", 1)
    return path if end == -1 else path[:end]
