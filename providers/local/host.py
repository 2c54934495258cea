"""Where a worker runs: a thread of the gateway, or a child process. Same messages either way.

A child process is the default: torch's Python-level generation loop holds the GIL for much of
each step, and in a thread that stalls the event loop for every other request (remote models
included). BENCHMARKS.md has the measurement ("thread or process"). The thread host remains
for measuring, and for machines where starting a process is not wanted.

This module imports no torch: the child imports it when its worker starts.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
import signal
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from providers.local.command_pipe import CommandPipe
from providers.local.protocol import Command, Event, Shutdown, WorkerDied
from providers.local.worker import WorkerSpec, run_worker

OnEvents = Callable[[list[Event]], None]


class WorkerHost(ABC):
    """Starts a worker, carries commands to it and its events back to the event loop."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec

    @abstractmethod
    def start(self, on_events: OnEvents) -> None:
        """Start the worker; ``on_events`` is called in the event loop's thread, one list per step."""

    @abstractmethod
    def send(self, command: Command) -> None:
        """Queue a command; never blocks."""

    @abstractmethod
    async def stop(self, grace_s: float = 10.0) -> None:
        """Ask the worker to stop; past the grace period a process is terminated."""


def _deliver(loop: asyncio.AbstractEventLoop, on_events: OnEvents) -> Callable[[list[Event]], None]:
    def emit(events: list[Event]) -> None:
        try:
            loop.call_soon_threadsafe(on_events, events)
        except RuntimeError:
            pass  # the loop is closed: the gateway is gone, nobody is listening

    return emit


class ThreadHost(WorkerHost):
    def __init__(self, spec: WorkerSpec) -> None:
        super().__init__(spec)
        self._inbox: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self, on_events: OnEvents) -> None:
        emit = _deliver(asyncio.get_running_loop(), on_events)
        self._thread = threading.Thread(
            target=self._run,
            args=(emit,),
            name=f"strata-local-{self.spec.name}",
            daemon=True,
        )
        self._thread.start()

    def _run(self, emit: Callable[[list[Event]], None]) -> None:
        try:
            run_worker(self.spec, self._inbox.get, emit)
        finally:
            if not self._stopping:  # it ended by itself: a bug, reported rather than hanging callers
                emit([WorkerDied("the model's worker thread stopped unexpectedly")])

    def send(self, command: Command) -> None:
        self._inbox.put(command)

    async def stop(self, grace_s: float = 10.0) -> None:
        self._stopping = True
        if self._thread is None:
            return
        self._inbox.put(Shutdown())
        # A thread cannot be killed: one still loading finishes that, then sees Shutdown (it is a daemon).
        await asyncio.to_thread(self._thread.join, grace_s)


WORKER_NICENESS = 10


def _child_main(spec: WorkerSpec, commands: Connection, events: Connection) -> None:
    """The child process's entry point (module level, so ``spawn`` can find it).

    The worker is a batch job and the gateway's event loop is interactive: a lower CPU priority
    lets the loop take a core the moment it has work, instead of queueing behind torch.
    """
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass  # not permitted here: run at the gateway's priority
    # A signal to the whole process group (Ctrl+C, systemd's stop, `timeout`) is the gateway's to
    # act on: it drains, then stops its workers in order (Shutdown, then SIGKILL if stuck). Dying
    # at once here would fail the requests the drain still serves, and log a failure per model.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    lock = threading.Lock()

    def receive() -> Command:
        try:
            command: Command = commands.recv()
            return command
        except (EOFError, OSError):  # the gateway went away
            return Shutdown()

    def emit(batch: list[Event]) -> None:
        with lock:
            try:
                events.send(batch)
            except (BrokenPipeError, OSError):
                pass

    run_worker(spec, receive, emit)


class ProcessHost(WorkerHost):
    """A ``spawn``ed child (fork is unsafe once torch has started threads) and two pipes.

    The event loop never blocks on a pipe: commands are written at once only when that cannot
    block, else by a writer thread (``command_pipe.py``); a reader thread reads event lists.
    """

    def __init__(self, spec: WorkerSpec) -> None:
        super().__init__(spec)
        self._commands: CommandPipe | None = None
        self._process: Any = None  # multiprocessing's SpawnProcess (typeshed has no public name)
        self._stopping = False

    def start(self, on_events: OnEvents) -> None:
        emit = _deliver(asyncio.get_running_loop(), on_events)
        context = multiprocessing.get_context("spawn")
        command_reader, command_writer = context.Pipe(duplex=False)
        event_reader, event_writer = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child_main,
            args=(self.spec, command_reader, event_writer),
            name=f"strata-local-{self.spec.name}",
            daemon=True,
        )
        self._process.start()
        command_reader.close()
        event_writer.close()
        self._commands = CommandPipe(command_writer)
        threading.Thread(target=self._read, args=(event_reader, emit), daemon=True, name="strata-local-recv").start()

    def _read(self, pipe: Connection, emit: Callable[[list[Event]], None]) -> None:
        while True:
            try:
                batch: list[Event] = pipe.recv()
            except (EOFError, OSError):
                break
            emit(batch)
        pipe.close()
        if not self._stopping:
            code = self._process.exitcode if self._process is not None else None
            emit([WorkerDied(f"the model's worker process exited unexpectedly (exit code {code})")])

    def send(self, command: Command) -> None:
        if self._commands is not None:
            self._commands.send(command)

    async def stop(self, grace_s: float = 10.0) -> None:
        if self._process is None:
            return
        self._stopping = True
        if self._commands is not None:
            self._commands.send(Shutdown())
            self._commands.close()
        await asyncio.to_thread(self._process.join, grace_s)
        if self._process.is_alive():  # still loading, or stuck in a forward pass (it ignores SIGTERM)
            self._process.kill()
            await asyncio.to_thread(self._process.join, 5.0)


def make_host(kind: str, spec: WorkerSpec) -> WorkerHost:
    return ThreadHost(spec) if kind == "thread" else ProcessHost(spec)
