"""AWS event-stream framing (``application/vnd.amazon.eventstream``), the encoding side.

Bedrock's streaming operations answer with binary frames, which botocore parses with its
``EventStreamBuffer`` and turns into events (or raises, for exception frames). One frame::

    prelude:  total length (uint32 BE) | headers length (uint32 BE) | CRC32 of those 8 bytes
    headers:  name length (uint8) | name | value type (uint8, 7 = string) | length (uint16 BE) | value
    payload:  the event's JSON
    trailer:  CRC32 of everything before it

The headers of a given event type never change, so they are encoded once and cached: a frame
then costs two CRC32s and a concatenation.
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

import orjson

CONTENT_TYPE = "application/vnd.amazon.eventstream"

_STRING = 7
_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")
_PRELUDE_AND_CRC = 12
_TRAILER = 4


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return bytes((len(raw_name),)) + raw_name + bytes((_STRING,)) + struct.pack(">H", len(raw_value)) + raw_value


def encode_headers(headers: tuple[tuple[str, str], ...]) -> bytes:
    return b"".join(_header(name, value) for name, value in headers)


@lru_cache(maxsize=64)
def event_headers(event_type: str) -> bytes:
    """The headers of an ordinary JSON event, e.g. ``contentBlockDelta`` or ``chunk``."""
    return encode_headers(
        ((":event-type", event_type), (":content-type", "application/json"), (":message-type", "event"))
    )


@lru_cache(maxsize=32)
def exception_headers(exception_type: str) -> bytes:
    """Headers of an exception frame; botocore raises ``EventStreamError`` with this code."""
    return encode_headers(
        (
            (":exception-type", exception_type),
            (":content-type", "application/json"),
            (":message-type", "exception"),
        )
    )


def frame(headers: bytes, payload: bytes) -> bytes:
    """One complete frame from already-encoded headers and a payload."""
    total = _PRELUDE_AND_CRC + len(headers) + len(payload) + _TRAILER
    prelude = _PRELUDE.pack(total, len(headers))
    head = prelude + _CRC.pack(zlib.crc32(prelude))
    body = headers + payload
    return head + body + _CRC.pack(zlib.crc32(body, zlib.crc32(head)))


def event(event_type: str, payload: object) -> bytes:
    """A JSON event frame: ``event("messageStop", {"stopReason": "end_turn"})``."""
    return frame(event_headers(event_type), orjson.dumps(payload))


KEEP_ALIVE_EVENT = "keepAlive"  # no member of any Bedrock stream: botocore skips it, as it does every unknown event
KEEP_ALIVE = frame(event_headers(KEEP_ALIVE_EVENT), b"{}")


def exception(exception_type: str, message: str) -> bytes:
    """An exception frame, e.g. ``exception("throttlingException", "Too many requests")``."""
    return frame(exception_headers(exception_type), orjson.dumps({"message": message}))
