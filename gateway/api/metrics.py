"""``GET /metrics``: Prometheus' scrape, with the master key or an admin key as a bearer token
(or with none, when ``STRATA_METRICS_PUBLIC=true``, for a scrape from a private network)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from gateway.deps import ApiKey, Call, State
from gateway.errors import NotFound, PermissionDenied
from gateway.observability.exposition import render

router = APIRouter(tags=["Operations"])


@router.get(
    "/metrics",
    summary="Metrics in the Prometheus text format",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "The Prometheus text format"}},
)
async def metrics(state: State, call: Call, key: ApiKey, request: Request) -> Response:
    recorder = state.observer.metrics
    if recorder is None:
        raise NotFound("Metrics are switched off (STRATA_METRICS=false).")
    if not state.settings.metrics_public:
        principal = await state.invoker.authenticate(call, key)
        if not principal.is_admin:
            raise PermissionDenied("/metrics needs the master key or an admin key.")
    gzipped = "gzip" in request.headers.get("accept-encoding", "")
    body = await render(recorder, gzipped)
    headers = {"content-encoding": "gzip", "vary": "accept-encoding"} if gzipped else {"vary": "accept-encoding"}
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers=headers)
