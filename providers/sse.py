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
    """Yield each event's data (multi-line data joined by newlines); comments are skipped.

    Linear in the stream's size however its events are cut: each byte is searched once for an
    event's end (one 32 MB event arriving in 64 KB pieces was rescanned whole for every piece,
    seconds of the event loop), and a \r\n split across two pieces is still one line end."""
    buffer = bytearray()
    scanned = 0  # bytes at the start of ``buffer`` known to hold no event end
    held_cr = False  # the last piece ended in \r: its \n may start the next
    async for chunk in chunks:
        if held_cr:
            chunk, held_cr = b"\r" + chunk, False
        if chunk.endswith(b"\r"):
            chunk, held_cr = chunk[:-1], True
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n")
        buffer += chunk
        start = 0
        while True:
            end = buffer.find(b"\n\n", max(start, scanned))
            if end < 0:
                break
            data = _event_data(bytes(buffer[start:end]))
            start = end + 2
            if data is not None:
                yield data
        del buffer[:start]
        scanned = max(0, len(buffer) - 1)
    if held_cr:
        buffer += b"\r"
    tail = bytes(buffer).strip()
    if tail:
        data = _event_data(tail.strip(b"\n"))
        if data is not None:
            yield data
