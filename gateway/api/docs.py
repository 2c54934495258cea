"""OpenAPI for the whole app, hot routes included (they are plain ASGI, see api/asgi_routes.py)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from gateway.api.asgi_routes import AsgiRoutes

_REF = "#/components/schemas/{model}"


def install_openapi(app: FastAPI, hot: AsgiRoutes) -> None:
    """Generate FastAPI's schema, then add the hot routes and the models they use."""

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return {"$ref": _REF.format(model=model.__name__)}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("paths", {}).update(hot.openapi_paths(ref))
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in hot.models():
                definition = model.model_json_schema(ref_template=_REF)
                for name, sub in definition.pop("$defs", {}).items():
                    components.setdefault(name, sub)
                components.setdefault(model.__name__, definition)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
