"""Reading AWS event-stream frames (``application/vnd.amazon.eventstream``), as ConverseStream sends them.

One frame: total length and headers length (uint32 BE each), the CRC32 of those 8 bytes, the
headers, the payload, the CRC32 of everything before it. Frames arrive split across reads at any
byte; ``EventStreamDecoder.feed`` keeps what is incomplete for the next read.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from gateway.client.errors import StrataError

_PRELUDE = struct.Struct(">III")
_MAX_FRAME = 16 * 1024 * 1024
# Value sizes of the fixed-size header types (bool true/false carry none; 6, 7 carry a length).
_FIXED = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}


@dataclass(frozen=True, slots=True)
class Frame:
    headers: dict[str, str]  # string-valued headers (:event-type, :message-type...); others are skipped
    payload: bytes


class EventStreamDecoder:
    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        """The frames ``data`` completes; a corrupt frame is an error (the stream cannot be resynchronised)."""
        self._buffer += data
        frames = []
        while len(self._buffer) >= _PRELUDE.size:
            total, headers_length, prelude_crc = _PRELUDE.unpack_from(self._buffer)
            if zlib.crc32(self._buffer[:8]) != prelude_crc or total > _MAX_FRAME or total < 16 + headers_length:
                raise StrataError("The event stream is corrupt (bad frame prelude).")
            if len(self._buffer) < total:
                break
            raw = bytes(self._buffer[:total])
            del self._buffer[:total]
            (message_crc,) = struct.unpack_from(">I", raw, total - 4)
            if zlib.crc32(raw[:-4]) != message_crc:
                raise StrataError("The event stream is corrupt (bad frame checksum).")
            try:
                headers = _headers(raw[12 : 12 + headers_length])
            except (ValueError, IndexError, struct.error):  # a checksummed frame, but headers garbled
                raise StrataError("The event stream is corrupt (bad frame headers).") from None
            frames.append(Frame(headers, raw[12 + headers_length : -4]))
        return frames


def _headers(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    at = 0
    while at < len(raw):
        size = raw[at]
        name = raw[at + 1 : at + 1 + size].decode()
        kind = raw[at + 1 + size]
        at += 2 + size
        if kind in (6, 7):
            (length,) = struct.unpack_from(">H", raw, at)
            value = raw[at + 2 : at + 2 + length]
            if kind == 7:
                headers[name] = value.decode()
            at += 2 + length
        elif kind in _FIXED:
            at += _FIXED[kind]
        else:
            raise StrataError(f"The event stream is corrupt (header type {kind}).")
    return headers


KEEP_ALIVE_EVENT = "keepAlive"  # the gateway's keep-alive frames while it holds text back: no event
