"""``strata serve --workers N``: uvicorn's supervisor, with one change at shutdown.

The parent process binds the listening socket and hands it to the workers. uvicorn's parent keeps
its own copy open until it exits; while the workers drain, the kernel still completes connections
on it that no one will ever accept, and those clients wait for nothing until the parent is gone.
Here the parent closes its copy as soon as it has told the workers to stop: the workers keep
accepting for their shutdown delay, and once the last of them has closed its copy a new connection
is refused at once (and a load balancer tries another replica). And the parent lets go of each
worker's end of its ping pipe, so that a worker that fails to start is seen gone at once.
"""

from __future__ import annotations

import os
from typing import Any

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from gateway.server.orphans import SUPERVISOR_PID_VARIABLE


class Supervisor(Multiprocess):
    def init_processes(self) -> None:
        super().init_processes()
        for process in self.processes:
            close_childs_end(process)

    def keep_subprocess_alive(self) -> None:
        super().keep_subprocess_alive()
        for process in self.processes:  # a worker started in place of one that died
            close_childs_end(process)

    def terminate_all(self) -> None:
        super().terminate_all()  # SIGTERM to each worker: each drains on its own (gateway/drain.py)
        for sock in self.sockets:
            sock.close()


def close_childs_end(process: Process) -> None:
    """Close the parent's copy of the worker's end of its ping pipe, once the worker has started.

    uvicorn keeps it open, so a worker that dies while being pinged never reads as gone: the parent
    waited out the whole ping timeout (30 s) before it saw that a worker had failed to start and
    exited 3. With only the worker holding that end, its exit ends the ping at once."""
    if process.process.pid is not None and not process.child_conn.closed:
        process.child_conn.close()


def run_workers(factory: str, workers: int, options: dict[str, Any]) -> int:
    """What ``uvicorn.run(factory, factory=True, workers=N, **options)`` does, with ``Supervisor``.
    Returns the exit status: uvicorn's 3 when a worker could not start (its supervisor stopped, and
    exited 0: a process manager read a broken configuration as a clean stop)."""
    os.environ[SUPERVISOR_PID_VARIABLE] = str(os.getpid())  # each worker stops when this process dies
    config = Config(factory, factory=True, workers=workers, **options)
    sock = config.bind_socket()
    supervisor = Supervisor(config, sockets=[sock])
    try:
        supervisor.run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    failed = any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes)
    return STARTUP_FAILURE if failed else 0
