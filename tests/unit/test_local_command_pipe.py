"""Commands to a local model's worker process: small ones leave at once, and every command arrives
once and in order, whether written at once or by the writer thread; the event loop never blocks,
even on a pipe the worker is not reading."""

from __future__ import annotations

import multiprocessing
import threading
import time
from multiprocessing.connection import Connection

from providers.local.command_pipe import ATOMIC_BYTES, CommandPipe
from providers.local.protocol import Cancel, Embed


def _pipe() -> tuple[Connection, CommandPipe]:
    reader, writer = multiprocessing.get_context("spawn").Pipe(duplex=False)
    return reader, CommandPipe(writer)


def test_commands_small_and_large_arrive_once_and_in_order() -> None:
    reader, pipe = _pipe()
    sent: list[Embed | Cancel] = []
    for rid in range(300):
        text = "x" * (ATOMIC_BYTES * 3 if rid % 7 == 0 else 20)  # every seventh goes through the thread
        sent.append(Embed(rid, [text]))
        pipe.send(sent[-1])
        if rid % 50 == 0:
            pipe.send(Cancel(rid))
            sent.append(Cancel(rid))
    got = [reader.recv() for _ in sent]
    assert got == sent
    pipe.close()


def test_a_small_command_is_written_before_send_returns() -> None:
    reader, pipe = _pipe()
    pipe.send(Embed(1, ["How do I deploy the billing service?"]))
    assert reader.poll(0)  # already in the pipe: no thread hand-off
    assert reader.recv() == Embed(1, ["How do I deploy the billing service?"])
    pipe.close()


def test_sending_never_blocks_on_a_pipe_nobody_reads() -> None:
    reader, pipe = _pipe()
    done = threading.Event()

    def flood() -> None:
        for rid in range(2_000):  # ~2 MB of small commands: far more than a pipe holds
            pipe.send(Embed(rid, ["y" * 1_000]))
        done.set()

    threading.Thread(target=flood, daemon=True).start()
    assert done.wait(10), "send blocked on a full pipe"
    deadline = time.monotonic() + 30
    for rid in range(2_000):  # the reader catches up: nothing lost, nothing reordered
        assert time.monotonic() < deadline
        assert reader.recv().rid == rid
    pipe.close()


def test_commands_after_close_are_dropped_and_the_reader_sees_the_end() -> None:
    reader, pipe = _pipe()
    pipe.send(Cancel(1))
    pipe.close()
    pipe.send(Cancel(2))
    assert reader.recv() == Cancel(1)
    try:
        reader.recv()
    except EOFError:
        return
    raise AssertionError("the pipe was not closed")


def test_a_pipe_opened_past_descriptor_1024_takes_commands() -> None:
    """A busy gateway holds many sockets, and a worker started late gets a high descriptor."""
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1_200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4_096, hard), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1_100)]
    try:
        reader, pipe = _pipe()
        assert reader.fileno() > 1024
        pipe.send(Cancel(7))
        assert reader.poll(5) and reader.recv() == Cancel(7)
        pipe.close()
    finally:
        for descriptor in held:
            os.close(descriptor)
