"""Streams as iterators of typed events: OpenAI's server-sent events and Bedrock's event-stream frames.

Each stream is also a context manager and closes its connection when it ends, fails or is left
early. An error after the stream started (an SSE ``error`` event, an exception frame, a cut
connection) is raised from the iteration as the same exception class a whole answer would get.
A guardrail that blocked the call is raised at the end, once its report has arrived, when the
client was made with ``raise_on_guardrail=True`` (the default).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import ValidationError

from gateway.client.errors import APIConnectionError, GuardrailIntervened, StrataError, error_from_event
from gateway.client.eventstream import KEEP_ALIVE_EVENT, EventStreamDecoder, Frame
from gateway.client.transport import Settings, transport_error
from gateway.client.types import ChatCompletionChunk, ConverseStreamEvent

_CUT = "The stream ended before it was complete."
_Event = TypeVar("_Event", ChatCompletionChunk, ConverseStreamEvent)


def _unexpected(what: str) -> StrataError:
    """An event that is not what the gateway sends (a proxy's mangled line, another service): the
    same StrataError a whole answer of the wrong shape gets, not a JSON or validation error."""
    return StrataError(f"Unexpected event in the stream: {what}")


def _parsed(data: str | bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise _unexpected(f"not JSON: {data[:80]!r}") from None


def _valid(model: type[_Event], payload: Any) -> _Event:
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in error.errors()[:3])
        raise _unexpected(problems) from None


class _ChatEvents:
    """OpenAI's stream, one ``data:`` payload at a time (the gateway sends one line per event)."""

    def __init__(self, raise_on_guardrail: bool) -> None:
        self.raise_on_guardrail = raise_on_guardrail
        self.done = False
        self.blocked: ChatCompletionChunk | None = None
        self.text: list[str] = []

    def line(self, line: str) -> ChatCompletionChunk | None:
        if not line.startswith("data:"):
            return None  # blank separators, comments, event names
        data = line[5:].strip()
        if data == "[DONE]":
            self.done = True
            return None
        payload = _parsed(data)
        if isinstance(payload, dict) and "error" in payload and "choices" not in payload:
            raise error_from_event(payload)
        chunk = _valid(ChatCompletionChunk, payload)
        self.text.append(chunk.text)
        report = chunk.strata_guardrail
        if report is not None and report.blocked and self.raise_on_guardrail:
            self.blocked = chunk
        return chunk

    def end(self) -> None:
        if not self.done:
            raise APIConnectionError(_CUT)
        if self.blocked is not None:
            report = self.blocked.strata_guardrail
            assert report is not None
            raise GuardrailIntervened(
                f"A guardrail blocked the call ({', '.join(report.policies) or 'no policy named'}).",
                assessment=report,
                output="".join(self.text),
                response=self.blocked,
                code="guardrail_intervened",
            )


class _ConverseEvents:
    def __init__(self, raise_on_guardrail: bool) -> None:
        self.raise_on_guardrail = raise_on_guardrail
        self.decoder = EventStreamDecoder()
        self.stop_reason: str | None = None
        self.trace: dict[str, Any] | None = None
        self.text: list[str] = []

    def feed(self, data: bytes) -> list[ConverseStreamEvent]:
        frames = self.decoder.feed(data)  # the gateway's keep-alives (while text is held back) are no events
        return [self.event(frame) for frame in frames if frame.headers.get(":event-type") != KEEP_ALIVE_EVENT]

    def event(self, frame: Frame) -> ConverseStreamEvent:
        kind = frame.headers.get(":message-type", "event")
        payload = _parsed(frame.payload) if frame.payload else {}
        if not isinstance(payload, dict):
            raise _unexpected(f"not a JSON object: {frame.payload[:80]!r}")
        if kind == "exception":
            raise error_from_event(payload, frame.headers.get(":exception-type"))
        if kind == "error":
            message = frame.headers.get(":error-message") or "The stream failed."
            raise StrataError(message, code=frame.headers.get(":error-code"))
        event = _valid(ConverseStreamEvent, {**payload, "type": frame.headers.get(":event-type", "")})
        self.text.append(event.text)
        self.stop_reason = event.stopReason or self.stop_reason
        self.trace = event.trace or self.trace
        return event

    def end(self) -> None:
        if self.stop_reason is None:
            raise APIConnectionError(_CUT)
        if self.stop_reason == "guardrail_intervened" and self.raise_on_guardrail:
            assessment = (self.trace or {}).get("guardrail")
            raise GuardrailIntervened(
                "A guardrail blocked the call.", assessment=assessment, output="".join(self.text), code=self.stop_reason
            )


class _Closing:
    """Context manager plumbing shared by the sync streams."""

    _response: httpx.Response

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class ChatStream(_Closing):
    """``for chunk in client.chat_stream(...)``: ChatCompletionChunk objects, in order."""

    def __init__(self, response: httpx.Response, settings: Settings, raise_on_guardrail: bool) -> None:
        self._response, self._settings = response, settings
        self._events = _ChatEvents(raise_on_guardrail)

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        try:
            for line in self._response.iter_lines():
                chunk = self._events.line(line)
                if chunk is not None:
                    yield chunk
            self._events.end()
        except httpx.TransportError as error:
            raise transport_error(error, self._settings) from None
        finally:
            self.close()


class ConverseStream(_Closing):
    """``for event in client.converse_stream(...)``: ConverseStreamEvent objects (``event.text``)."""

    def __init__(self, response: httpx.Response, settings: Settings, raise_on_guardrail: bool) -> None:
        self._response, self._settings = response, settings
        self._events = _ConverseEvents(raise_on_guardrail)

    def __iter__(self) -> Iterator[ConverseStreamEvent]:
        try:
            for data in self._response.iter_bytes():
                yield from self._events.feed(data)
            self._events.end()
        except httpx.TransportError as error:
            raise transport_error(error, self._settings) from None
        finally:
            self.close()


class _AsyncClosing:
    _response: httpx.Response

    async def aclose(self) -> None:
        await self._response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class AsyncChatStream(_AsyncClosing):
    def __init__(self, response: httpx.Response, settings: Settings, raise_on_guardrail: bool) -> None:
        self._response, self._settings = response, settings
        self._events = _ChatEvents(raise_on_guardrail)

    async def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        try:
            async for line in self._response.aiter_lines():
                chunk = self._events.line(line)
                if chunk is not None:
                    yield chunk
            self._events.end()
        except httpx.TransportError as error:
            raise transport_error(error, self._settings) from None
        finally:
            await self.aclose()


class AsyncConverseStream(_AsyncClosing):
    def __init__(self, response: httpx.Response, settings: Settings, raise_on_guardrail: bool) -> None:
        self._response, self._settings = response, settings
        self._events = _ConverseEvents(raise_on_guardrail)

    async def __aiter__(self) -> AsyncIterator[ConverseStreamEvent]:
        try:
            async for data in self._response.aiter_bytes():
                for event in self._events.feed(data):
                    yield event
            self._events.end()
        except httpx.TransportError as error:
            raise transport_error(error, self._settings) from None
        finally:
            await self.aclose()
