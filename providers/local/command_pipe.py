"""The gateway's end of a worker process's command pipe.

A command used to be handed to a writer thread, so that the event loop never blocks on a full
pipe. That thread needs the GIL to pickle and write, and the event loop holds it until it next
waits: a semantic-cache lookup's embedding left 0.19 ms after it was asked for (median of ~740
lookups, timed by hand in a gateway), while the loop read the prompt for the cache's guard.

Now a small command is written at once, from the caller's thread, when nothing is waiting for the
writer thread and the pipe has room (``poll``): a write of at most ``PIPE_BUF`` bytes to a pipe
with a free page neither blocks nor interleaves with another. Large commands (a long prompt), a
full pipe, or commands already queued go through the writer thread as before, in order.
"""

from __future__ import annotations

import queue
import select
import threading
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler

from providers.local.protocol import Command

FRAME_HEADER = 4  # multiprocessing's length prefix of a message
ATOMIC_BYTES = select.PIPE_BUF - FRAME_HEADER  # a larger write may block or be split


class CommandPipe:
    def __init__(self, pipe: Connection) -> None:
        self._pipe = pipe
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()  # pickled commands
        self._lock = threading.Lock()  # guards _queued and _closed; held for a direct write
        self._queued = 0  # commands handed to the writer thread and not written yet
        self._closed = False
        self._room = select.poll()  # poll, not select: a gateway's pipes may have descriptors past 1024
        self._room.register(pipe.fileno(), select.POLLOUT)
        threading.Thread(target=self._write, daemon=True, name="strata-local-send").start()

    def send(self, command: Command) -> None:
        """Write ``command`` now if that cannot block, else queue it for the writer thread; never blocks."""
        data = bytes(ForkingPickler.dumps(command))
        with self._lock:
            if self._closed:
                return
            if self._queued == 0 and len(data) <= ATOMIC_BYTES and self._has_room():
                try:
                    self._pipe.send_bytes(data)
                except OSError:
                    pass  # the worker is gone: the event reader reports it
                return
            self._queued += 1
        self._outbox.put(data)

    def close(self) -> None:
        """Write what is queued, then close the pipe (the worker reads end of file)."""
        with self._lock:
            self._closed = True
        self._outbox.put(None)

    def _has_room(self) -> bool:
        return any(events & select.POLLOUT for _, events in self._room.poll(0))

    def _write(self) -> None:
        while (data := self._outbox.get()) is not None:
            try:
                self._pipe.send_bytes(data)
            except OSError:
                break
            finally:
                with self._lock:
                    self._queued -= 1
        self._pipe.close()
