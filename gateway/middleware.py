"""Request id, route, access log line, usage record and the last-resort error boundary, as plain
ASGI (no per-request task). The outermost layer of the app: it wraps every route.

Every response carries ``x-request-id`` (the caller's, when it sent a sane one). The route table
decides the call's surface and whether it calls a model, once. An exception nothing else handled
becomes a 500 in the caller's error shape, logged with the request id. A model call whose caller
was authenticated gets one usage record; a request refused before that writes none (anyone who
can reach the port could otherwise grow the ledger at line rate): the access log has it. The same
record of every model call goes to the metrics and the invocation log (gateway/observability/), and
a model call gets the request's span when tracing is on.

While the process shuts down (gateway/drain.py) every response closes its connection, and a model
call arriving after the listener closed is refused with 503 and Retry-After, in the caller's shape.
"""

from __future__ import annotations

import asyncio
import os
import re
import time

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.asgi_routes import ClientGone
from gateway.api.rendering import error_response
from gateway.api.route_table import RouteTable, versioned
from gateway.drain import CLOSING_SCOPE_KEY, Drain, Phase
from gateway.errors import InternalError, ServiceUnavailable
from gateway.in_flight import InFlight
from gateway.logs import LOG, AccessLog
from gateway.observability.observer import Observer
from gateway.services.context import CallContext
from gateway.services.stream_relay import CLIENT_CLOSED, SHUTDOWN
from gateway.services.usage.record import usage_event
from gateway.services.usage.writer import UsageWriter
from gateway.startup_errors import startup_failure_message

_SANE_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
_CLOSE = (b"connection", b"close")
_STOPPED = Phase.STOPPED  # looked up once: an enum member's lookup costs ~130 ns on Python 3.11


def new_request_id() -> str:
    """32 random hex digits, the shape of a uuid4's hex, at a fifth of uuid4()'s cost."""
    return os.urandom(16).hex()


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode() if _SANE_ID.fullmatch(value) else None
    return None


_WITH_BODY = frozenset(("POST", "PUT", "PATCH", "DELETE"))
# A model call's task, in its scope: the server (gateway/server/protocol.py) cancels it when the
# caller hangs up before an answer started, so no model keeps generating for nobody; it marks the
# scope CLIENT_GONE first, and the boundary below records the call as the caller's leaving.
CALL_TASK_KEY = "strata.task"
CLIENT_GONE_KEY = "strata.client_gone"
MAX_LOGGED_PATH = 512  # characters of a request's path in its access log line (a head may hold 64 KiB)
CLIENT_CLOSED_STATUS = 499  # nginx's "client closed request": the status of a call nobody waited for


def bounded(receive: Receive, limit: int, scope: Scope) -> Receive:
    """``receive`` that refuses a body past ``limit`` bytes (413 in the caller's shape, before it is
    read when Content-Length says so) and turns a caller gone mid-body into ClientGone, which the
    boundary answers quietly: the ASGI routes read their bodies this way themselves. Once the body
    is whole, messages pass as they come (a streaming route watches for ``http.disconnect``). An
    HTTPException, because FastAPI turns any other error met while reading a body into a 400."""
    declared = next((int(v) for n, v in scope["headers"] if n == b"content-length" and v.isdigit()), 0)
    if declared > limit:

        async def refuse() -> Message:
            raise HTTPException(413, f"The request body is {declared} bytes; the limit is {limit} bytes.")

        return refuse
    size = 0
    complete = False  # the whole body came: a disconnect from here on is a stream's caller leaving

    async def receive_bounded() -> Message:
        nonlocal size, complete
        message = await receive()
        if complete:
            return message
        if message["type"] == "http.disconnect":
            raise ClientGone
        size += len(message.get("body", b""))
        if size > limit:
            raise HTTPException(413, f"The request body exceeds the limit of {limit} bytes.")
        complete = not message.get("more_body", False)
        return message

    return receive_bounded


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        routes: RouteTable,
        access_log: AccessLog,
        usage: UsageWriter | None = None,
        in_flight: InFlight | None = None,
        drain: Drain | None = None,
        observer: Observer | None = None,
        max_body_bytes: int = 20 * 1024 * 1024,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.routes = routes
        self.access_log = access_log
        self.usage = usage
        self.in_flight = in_flight or InFlight()
        self.drain = drain or Drain()
        self.observer = observer or Observer()  # metrics, traces, invocation logs (gateway/observability/)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, _lifespan_send(send) if scope["type"] == "lifespan" else send)
            return
        incoming_id = _incoming_request_id(scope)
        request_id = incoming_id or new_request_id()
        if scope["path"][:4] != "/v1/":
            versioned_path = versioned(scope["path"])
            if versioned_path is not None:  # LiteLLM's users' base_url="http://host:4000"
                scope["path"] = versioned_path
                if scope.get("raw_path"):
                    scope["raw_path"] = b"/v1" + scope["raw_path"]
        match = self.routes.match(scope["method"], scope["path"])
        call = CallContext(request_id=request_id, surface=match.surface, model_call=match.model_call)
        scope["strata.call"] = call
        if match.model_call:
            scope[CALL_TASK_KEY] = asyncio.current_task()
        scope["strata.route"] = match.route
        tracing = self.observer.tracing
        if tracing is not None and match.route is not None and match.model_call:
            call.trace = tracing.begin(scope, call, match.route.path)
        header = (b"x-request-id", request_id.encode())
        status = 0
        self.in_flight.count += 1
        drain = self.drain

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
                if drain.phase:  # shutting down: the client's next request goes through the balancer
                    message["headers"].append(_CLOSE)
            await send(message)

        if match.route is None and scope["method"] in _WITH_BODY:  # FastAPI's routes read bodies unbounded
            receive = bounded(receive, self.max_body_bytes, scope)
        try:
            if match.model_call and (CLOSING_SCOPE_KEY in scope or drain.phase is _STOPPED):
                await error_response(call, _shutting_down())(scope, receive, send_with_id)
                return
            await self.app(scope, receive, send_with_id)
        except ClientGone:  # the caller left while sending its body: nobody to answer, nothing wrong here
            LOG.info("client left before sending its whole body", extra={"fields": {"request_id": request_id}})
        except asyncio.CancelledError:
            if scope.get(CLIENT_GONE_KEY):
                # The caller hung up before its answer began: the server cancelled the work (a local
                # model drops the request at its next step, an upstream call is closed).
                call.error_type = call.error_type or CLIENT_CLOSED
                status = status or CLIENT_CLOSED_STATUS
                LOG.info("client left before its answer began", extra={"fields": {"request_id": request_id}})
            elif drain.phase is not Phase.SERVING:
                # The shutdown grace ran out and the server cut what was still running: documented,
                # recorded as such (a stream says so to its caller), not an error with a traceback.
                call.error_type = call.error_type or SHUTDOWN
                LOG.info("request cut at shutdown", extra={"fields": {"request_id": request_id}})
                if status == 0:  # nothing sent yet: a 503 in the caller's shape (was uvicorn's bare 500)
                    await error_response(call, _shutting_down())(scope, receive, send_with_id)
            else:
                raise
        except Exception:  # boundary: anything unhandled below becomes a clean 500
            LOG.exception("unhandled error", extra={"fields": {"request_id": request_id}})
            if status == 0:
                error = InternalError(f"The server had an error processing your request (request id {request_id}).")
                await error_response(call, error)(scope, receive, send_with_id)
        finally:
            if self.access_log.enabled:
                if call.principal is None and status >= 300:  # refused or redirected before anyone was known
                    self.access_log.record_stranger(_access_fields(scope, call, status))
                else:
                    self.access_log.record(_access_fields(scope, call, status))
            if call.model_call:
                self._record(call, status, own_id=incoming_id is None)
            if call.trace is not None:
                call.trace.end(call, status)
            self.in_flight.leave()

    def _record(self, call: CallContext, status: int, own_id: bool) -> None:
        """The call's usage record, built once: queued for the ledger (authenticated callers only),
        handed to the metrics and the invocation log (observer.py)."""
        usage = self.usage if call.principal is not None else None
        observer = self.observer
        if usage is None and not observer.wants_calls:
            return
        # The usage record's id must be unique: a caller's own x-request-id may repeat.
        event = usage_event(call, status, call.request_id if own_id else new_request_id())
        if usage is not None:
            usage.submit(event)
        observer.finished(call, event)


def _lifespan_send(send: Send) -> Send:
    async def send_clean(message: Message) -> None:
        if message["type"] == "lifespan.startup.failed" and message.get("message"):
            message = {**message, "message": startup_failure_message(message["message"])}
        await send(message)

    return send_clean


def _shutting_down() -> ServiceUnavailable:
    message = "This gateway is shutting down and takes no new model calls; retry the request."
    return ServiceUnavailable(message, code="shutting_down", retry_after=1)


def _access_fields(scope: Scope, call: CallContext, status: int) -> dict[str, object]:
    fields = {
        "request_id": call.request_id,
        "method": scope["method"],
        "path": scope["path"] if len(scope["path"]) <= MAX_LOGGED_PATH else scope["path"][:MAX_LOGGED_PATH] + "...",
        "status": status,
        "duration_ms": round((time.perf_counter() - call.started) * 1000, 2),
        "surface": call.surface,
        "key_id": call.principal.key_id if call.principal else None,
        "model": call.model,
        "deployment": call.deployment,
        "provider": call.provider,
        "stream": call.stream,
        "attempts": call.attempts or None,
        "prompt_tokens": call.prompt_tokens,
        "completion_tokens": call.completion_tokens,
        "usage_estimated": call.usage_estimated or None,
        "ttft_ms": round(call.first_token_s * 1000, 2) if call.first_token_s is not None else None,
        "error_type": call.error_type,
    }
    return {k: v for k, v in fields.items() if v is not None}
