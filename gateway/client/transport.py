"""HTTP to the gateway: one call = one deadline, retried per retries.py, answers parsed or raised.

A resource describes a call as a ``Call`` (method, path, body, how to read the answer); the sync
and async transports run it the same way. ``timeout`` is the deadline of a whole call, retries and
waits included; a stream's deadline covers getting its first byte, then each read may take
``timeout`` again (a long answer is not cut off).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
from tenacity import AsyncRetrying, Retrying, retry_if_exception

from gateway import __version__
from gateway.client import retries
from gateway.client.errors import APIConnectionError, StrataError, TimeoutError, error_from_response

T = TypeVar("T")
DEFAULT_BASE_URL = "http://127.0.0.1:4000"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 2


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One API call: ``parse`` turns the answer's JSON (None for an empty body) into its result."""

    method: str
    path: str
    parse: Callable[[Any], T]
    body: Any = None
    params: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Settings:
    base_url: str
    api_key: str
    timeout: float
    max_retries: int
    headers: Mapping[str, str]

    @classmethod
    def resolve(
        cls,
        base_url: str | None,
        api_key: str | None,
        timeout: float | None,
        max_retries: int | None,
        headers: Mapping[str, str] | None,
    ) -> Settings:
        """Arguments first, then STRATA_BASE_URL / STRATA_API_KEY; no key at all is an error now,
        not a 401 later."""
        key = api_key or os.environ.get("STRATA_API_KEY")
        if not key:
            raise StrataError("No API key: pass api_key=... or set STRATA_API_KEY.")
        url = (base_url or os.environ.get("STRATA_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise StrataError(f"The base URL must start with http:// or https://, not {url!r}.")
        if timeout is not None and not timeout > 0:
            raise StrataError("timeout must be a positive number of seconds.")
        if max_retries is not None and max_retries < 0:
            raise StrataError("max_retries must be 0 or more.")
        _check_header("The API key", key)
        for name, value in (headers or {}).items():
            _check_header("A header name", name)
            _check_header(f"The header {name!r}", value)
        return cls(
            url,
            key,
            DEFAULT_TIMEOUT_S if timeout is None else float(timeout),
            DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
            dict(headers or {}),
        )

    def request_headers(self) -> dict[str, str]:
        """Sent with every request, over any client's own defaults (an ``http_client`` given too)."""
        headers = {"authorization": f"Bearer {self.api_key}", "user-agent": f"strata-python/{__version__}"}
        return {**headers, **self.headers}

    def client_options(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "headers": self.request_headers(), "timeout": self.timeout}


def _check_header(what: str, text: str) -> None:
    """An HTTP header carries printable ASCII only: a pasted curly quote, an accent or a line break
    is refused here, as a StrataError, not as a UnicodeEncodeError on the first call."""
    for at, char in enumerate(text):
        if not " " <= char <= "~":
            raise StrataError(
                f"{what} has a character an HTTP header cannot carry ({char!r} at position {at}): "
                "only printable ASCII is allowed (a pasted quote or line break?)."
            )


def _encode(call: Call[Any], settings: Settings) -> dict[str, Any]:
    """The request's options. The URL and headers are whole on each request, so a given
    ``http_client`` (its own base URL or none, its own headers) calls ``base_url`` with the key."""
    headers = {**settings.request_headers(), **call.headers}
    options: dict[str, Any] = {"url": settings.base_url + call.path, "params": _params(call.params), "headers": headers}
    if call.body is not None:
        options["content"] = json.dumps(call.body).encode()
        options["headers"]["content-type"] = "application/json"
    return options


def _params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Query parameters without the unset ones; booleans as the gateway reads them."""
    if not params:
        return None
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in params.items() if v is not None}


def _remaining(deadline: float, settings: Settings) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"No answer from the gateway within {settings.timeout:g} s.")
    return left


# Failures that prove nothing was sent: no connection was made (refused, DNS, connect timeout), or
# the request could not be made at all. Only these are retried: once a request went out, the gateway
# may have received it, and a model call or a create sent again could run (and be billed) twice.
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol, httpx.ProxyError)


def transport_error(error: httpx.TransportError, settings: Settings) -> StrataError:
    if isinstance(error, httpx.TimeoutException) and not isinstance(error, httpx.ConnectTimeout):
        return TimeoutError(f"No answer from the gateway within {settings.timeout:g} s.")
    reason = str(error) or type(error).__name__
    if isinstance(error, _UNSENT):
        return APIConnectionError(f"Cannot reach the gateway at {settings.base_url}: {reason}")
    return APIConnectionError(
        f"The connection to the gateway at {settings.base_url} was lost ({reason}); "
        "not retried: the request may have reached it.",
        request_sent=True,
    )


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        headers = {name.lower(): value for name, value in response.headers.items()}
        raise error_from_response(response.status_code, headers, response.content)
    return response


def _parse(call: Call[T], response: httpx.Response) -> T:
    try:
        return call.parse(json.loads(response.content) if response.content else None)
    # not JSON, or not the shape expected: pydantic's ValidationError, or a field the parser
    # reads missing (another service answering at base_url, a proxy's page)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        what = f"no {error}" if isinstance(error, KeyError) else str(error)
        raise StrataError(
            f"Unexpected answer to {call.method} {call.path}: {what}", status=response.status_code
        ) from None


def _attempt_timeout(deadline: float, settings: Settings) -> httpx.Timeout:
    """What is left of the deadline, for every step of an attempt (a stream's: up to its headers)."""
    return httpx.Timeout(_remaining(deadline, settings))


def _started(response: httpx.Response, settings: Settings) -> httpx.Response:
    """A stream that has started: each read of its body may take the whole ``timeout`` again (a long
    answer is not cut off). httpx reads the request's timeouts when the body is first read."""
    timeouts = response.request.extensions.get("timeout")
    if isinstance(timeouts, dict):
        timeouts["read"] = settings.timeout
    return response


class SyncTransport:
    def __init__(self, settings: Settings, http_client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.http = http_client or httpx.Client(**settings.client_options())

    def _retrying(self, deadline: float) -> Retrying:
        return Retrying(
            retry=retry_if_exception(retries.retryable),
            stop=retries.Stop(self.settings.max_retries, deadline),
            wait=retries.wait,
            reraise=True,
        )

    def _attempt(self, call: Call[Any], deadline: float, stream: bool) -> httpx.Response:
        timeout = _attempt_timeout(deadline, self.settings)
        request = self.http.build_request(call.method, timeout=timeout, **_encode(call, self.settings))
        try:
            response = self.http.send(request, stream=stream)
        except httpx.TransportError as error:
            raise transport_error(error, self.settings) from None
        if stream and response.status_code >= 400:
            try:
                response.read()
            except httpx.TransportError as error:
                raise transport_error(error, self.settings) from None
            finally:
                response.close()
        return _started(_checked(response), self.settings) if stream else _checked(response)

    def run(self, call: Call[T]) -> T:
        deadline = time.monotonic() + self.settings.timeout
        response: httpx.Response = self._retrying(deadline)(self._attempt, call, deadline, False)
        return _parse(call, response)

    def open_stream(self, call: Call[Any]) -> httpx.Response:
        """The answer with its body unread (the caller closes it)."""
        deadline = time.monotonic() + self.settings.timeout
        response: httpx.Response = self._retrying(deadline)(self._attempt, call, deadline, True)
        return response

    def close(self) -> None:
        self.http.close()


class AsyncTransport:
    def __init__(self, settings: Settings, http_client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.http = http_client or httpx.AsyncClient(**settings.client_options())

    def _retrying(self, deadline: float) -> AsyncRetrying:
        return AsyncRetrying(
            retry=retry_if_exception(retries.retryable),
            stop=retries.Stop(self.settings.max_retries, deadline),
            wait=retries.wait,
            reraise=True,
        )

    async def _attempt(self, call: Call[Any], deadline: float, stream: bool) -> httpx.Response:
        timeout = _attempt_timeout(deadline, self.settings)
        request = self.http.build_request(call.method, timeout=timeout, **_encode(call, self.settings))
        try:
            response = await self.http.send(request, stream=stream)
        except httpx.TransportError as error:
            raise transport_error(error, self.settings) from None
        if stream and response.status_code >= 400:
            try:
                await response.aread()
            except httpx.TransportError as error:
                raise transport_error(error, self.settings) from None
            finally:
                await response.aclose()
        return _started(_checked(response), self.settings) if stream else _checked(response)

    async def run(self, call: Call[T]) -> T:
        deadline = time.monotonic() + self.settings.timeout
        response: httpx.Response = await self._retrying(deadline)(self._attempt, call, deadline, False)
        return _parse(call, response)

    async def open_stream(self, call: Call[Any]) -> httpx.Response:
        deadline = time.monotonic() + self.settings.timeout
        response: httpx.Response = await self._retrying(deadline)(self._attempt, call, deadline, True)
        return response

    async def aclose(self) -> None:
        await self.http.aclose()
