"""OpenAPI for the whole app, hot routes included (they are plain ASGI, see api/asgi_routes.py).

The schema says what the gateway really answers, so that clients and fuzzers can hold it to it:
every operation's errors are declared in its surface's shape (``default``), and FastAPI's own
``422`` is taken out, since request validation errors are 400s here (gateway/app.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse

from gateway.api.asgi_routes import AsgiRoutes
from gateway.schemas.openai import OpenAIErrorResponse

if TYPE_CHECKING:
    from gateway.app import StrataApp

_REF = "#/components/schemas/{model}"
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")  # FastAPI's 422 body, never sent here


SWAGGER = "/console/static/vendor/swagger-ui"  # vendored (gateway/console/static/VENDORED.md)


def install_docs(app: StrataApp) -> None:
    """``/docs``: Swagger UI from the gateway's own files, so that it works with no internet."""

    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{root}{SWAGGER}/favicon-32x32.png",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        )

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_route("/docs", swagger, include_in_schema=False)
    app.add_route("/docs/oauth2-redirect", oauth2_redirect, include_in_schema=False)


def install_openapi(app: StrataApp, hot: AsgiRoutes) -> None:
    """Generate FastAPI's schema, then add the hot routes and the models they use."""
    install_docs(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            _declare_errors(app, hot, schema.setdefault("paths", {}), components)
            schema["paths"].update(hot.openapi_paths(_ref))
            for model in hot.models():
                _add_model(components, model)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": _REF.format(model=model.__name__)}


def _add_model(components: dict[str, Any], model: type[BaseModel]) -> None:
    definition = model.model_json_schema(ref_template=_REF)
    for name, sub in definition.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components.setdefault(model.__name__, definition)


def _declare_errors(app: StrataApp, hot: AsgiRoutes, paths: dict[str, Any], components: dict[str, Any]) -> None:
    """Each FastAPI operation's errors, in the shape of the surface that owns its path (as rendered)."""
    shapes: dict[str, type[BaseModel]] = {r.surface: r.error_model for r in hot.all() if r.error_model is not None}
    for path, operations in paths.items():
        for method, operation in operations.items():
            surface = app.routes_table.match(method.upper(), path).surface
            model = shapes.get(surface, OpenAIErrorResponse)
            _add_model(components, model)
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["default"] = {
                "description": "An error, in the surface's error shape",
                "content": {"application/json": {"schema": _ref(model)}},
            }
    for name in _FASTAPI_VALIDATION:
        components.pop(name, None)
