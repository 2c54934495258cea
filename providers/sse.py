"""Incremental server-sent-events decoding for upstream streams.

Bytes arrive in arbitrary pieces (an event may be cut in the middle of its JSON); this yields
the ``data`` payload of each complete event.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator


def _event_data(event: bytes) -> bytes | None:
    lines = event.split(b"\n")
    if len(lines) == 1:
        line = lines[0]
        if line.startswith(b"data:"):
            return line[6:] if line[5:6] == b" " else line[5:]
        return None
    parts = [(line[6:] if line[5:6] == b" " else line[5:]) for line in lines if line.startswith(b"data:")]
    return b"\n".join(parts) if parts else None


async def iter_sse_data(chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """Yield each event's data (multi-line data joined by newlines); comments are skipped."""
    buffer = b""
    async for chunk in chunks:
        buffer += chunk
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n")
        while True:
            end = buffer.find(b"\n\n")
            if end < 0:
                break
            event, buffer = buffer[:end], buffer[end + 2 :]
            data = _event_data(event)
            if data is not None:
                yield data
    if buffer.strip():
        data = _event_data(buffer.strip(b"\n"))
        if data is not None:
            yield data
