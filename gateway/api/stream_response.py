"""A streaming response that notices a departed client at once, not at its next write.

Starlette's StreamingResponse (ASGI spec 2.4) learns of a disconnect only when a write fails,
so an upstream that is slow between chunks would keep running for nobody. This one watches
``http.disconnect`` alongside the stream and cancels it, then closes the upstream. It is also
the one place that knows why a stream stopped early: the client left, or the server cancelled
the request (shutdown); it tells the relay, whose record then says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gateway.errors import ServiceUnavailable
from gateway.services.stream_relay import CLIENT_CLOSED, SHUTDOWN, ChatStream, StreamEncoder


class StreamResponse(Response):
    media_type = "text/event-stream; charset=utf-8"

    def __init__(
        self,
        stream: ChatStream,
        encoder: StreamEncoder,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        # Not Response.__init__: it would declare a Content-Length of the (empty) body.
        self.status_code = 200
        self.background = None
        if media_type is not None:
            self.media_type = media_type
        self.init_headers({"cache-control": "no-cache", "x-accel-buffering": "no", **(headers or {})})
        self._stream = stream
        self._encoder = encoder
        self._content: AsyncIterator[bytes] = stream.encode(encoder)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client_left = started = finished = False
        async with anyio.create_task_group() as group:

            async def watch_disconnect() -> None:
                nonlocal client_left
                while (await receive())["type"] != "http.disconnect":
                    pass
                client_left = True
                group.cancel_scope.cancel()

            group.start_soon(watch_disconnect)
            try:
                await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
                started = True
                async for chunk in self._content:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                finished = True
            except OSError:
                client_left = True  # the client went away while we wrote
            finally:
                with anyio.CancelScope(shield=True):
                    if not finished:  # cut: by the client, or else by the server cancelling the request
                        self._stream.interrupted(CLIENT_CLOSED if client_left else SHUTDOWN)
                        if started and not client_left:
                            await self._say_shutting_down(send)
                    await _aclose(self._content)
                    await self._stream.aclose()
                group.cancel_scope.cancel()

    async def _say_shutting_down(self, send: Send) -> None:
        """End a stream the server is cutting with the surface's error event, so the SDK raises a
        clear, retryable error instead of a broken connection."""
        error = ServiceUnavailable("The server is shutting down; retry the request.", retry_after=1)
        try:
            await send({"type": "http.response.body", "body": self._encoder.error(error), "more_body": False})
        except OSError:
            pass


async def _aclose(content: AsyncIterator[bytes]) -> None:
    closer = getattr(content, "aclose", None)
    if closer is not None:
        await closer()
