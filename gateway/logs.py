"""Logging: one JSON line per request, batched off the request path; plain lines for rare events.

A per-record handoff to a logging thread (QueueHandler -> QueueListener) wakes that thread for
every request and fights the event loop for the GIL: it cost ~40% of proxied throughput. The
access log instead appends to a deque and a thread drains it a few times a second, formatting
and writing each batch in one go.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import deque
from typing import IO, Any

import orjson

from gateway.caller_text import encodable

LOG = logging.getLogger("strata")
FLUSH_INTERVAL_S = 0.2
STRANGERS_PER_S = 20  # access log lines a second for requests refused before authentication


_second: tuple[int, str] = (-1, "")


def _timestamp(created: float) -> str:
    """ISO 8601 UTC with milliseconds; the formatted second is reused (one strftime a second)."""
    global _second
    whole = int(created)
    if _second[0] != whole:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{int(created % 1 * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json_line(line)


def json_line(line: dict[str, Any]) -> str:
    """``line`` as JSON; a lone surrogate anywhere in it (a caller's text in a message, a field or an
    exception) is escaped rather than losing the line (orjson refuses text with no UTF-8 form)."""
    try:
        return orjson.dumps(line, default=str).decode()
    except TypeError:  # orjson.JSONEncodeError
        return orjson.dumps(_encodable(line), default=lambda value: encodable(str(value))).decode()


def _encodable(value: Any) -> Any:
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(item) for item in value]
    return value


# Control characters a caller's text may carry (a path's %0a, an upstream's message): escaped in
# text lines, so that nobody can write a line of their own into the log (JSON escapes them itself).
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


def plain(value: object) -> str:
    """``value`` as text for a one-line log, control characters (and lone surrogates) escaped."""
    return encodable(str(value).translate(_ESCAPES))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = plain(super().format(record)) if record.exc_info is None else encodable(super().format(record))
        fields = getattr(record, "fields", None)
        if fields:
            base += " " + " ".join(f"{k}={plain(v)}" for k, v in fields.items() if v is not None)
        return base


def configure_logging(level: str, fmt: str, stream: IO[str] | None = None) -> None:
    """Strata's own loggers write to stderr in the chosen format (no propagation to root)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    LOG.handlers = [handler]
    LOG.setLevel(getattr(logging, level.upper()))
    LOG.propagate = False


def uvicorn_log_config(level: str, fmt: str) -> dict[str, Any]:
    """uvicorn's own lines (the server started, is shutting down...) in the gateway's format, so
    that a log shipper reading JSON never meets a plain-text line; its access log stays off
    (Strata writes its own)."""
    formatter: dict[str, Any] = {"()": f"{__name__}.JsonFormatter"}
    if fmt != "json":
        formatter = {"()": f"{__name__}.TextFormatter", "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"strata": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "strata", "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


class AccessLog:
    """Per-request lines: ``record`` costs the request an append; a thread writes in batches."""

    def __init__(self, enabled: bool, fmt: str = "json", stream: IO[str] | None = None) -> None:
        self.enabled = enabled
        self._json = fmt == "json"
        self._stream = stream or sys.stderr
        self._pending: deque[tuple[float, dict[str, Any]]] = deque()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stranger_second = 0
        self._strangers_logged = 0
        self._strangers_skipped = 0

    def record(self, fields: dict[str, Any]) -> None:
        self._pending.append((time.time(), fields))

    def record_stranger(self, fields: dict[str, Any]) -> None:
        """A request refused before anyone was known (no key, a wrong one): sampled, at most
        STRANGERS_PER_S lines a second, so that whoever can reach the port cannot grow the log at
        line rate either; the lines left out are counted in the next one logged."""
        now = int(time.time())
        if now != self._stranger_second:
            self._stranger_second, self._strangers_logged = now, 0
        if self._strangers_logged >= STRANGERS_PER_S:
            self._strangers_skipped += 1
            return
        self._strangers_logged += 1
        if self._strangers_skipped:
            fields = {**fields, "refused_not_logged": self._strangers_skipped}
            self._strangers_skipped = 0
        self.record(fields)

    def start(self) -> None:
        if self.enabled and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="strata-access-log", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL_S):
            self.flush()

    def flush(self) -> None:
        lines: list[str] = []
        while self._pending:
            created, fields = self._pending.popleft()
            lines.append(self._format(created, fields))
        if lines:
            try:
                self._stream.write("\n".join(lines) + "\n")
                self._stream.flush()
            except (OSError, ValueError):  # a closed or broken stderr must not stop serving
                pass

    def _format(self, created: float, fields: dict[str, Any]) -> str:
        if self._json:
            line = {"ts": _timestamp(created), "level": "info", "logger": "strata.access", "msg": "request", **fields}
            return json_line(line)
        pairs = " ".join(f"{k}={plain(v)}" for k, v in fields.items())
        return f"{_timestamp(created)} INFO strata.access request {pairs}"
