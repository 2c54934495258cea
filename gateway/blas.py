"""One BLAS thread in the gateway process.

The gateway's numpy products are small (a prompt's vector against a semantic cache index or a
guardrail's seed set) and run on the event loop. OpenBLAS's pool (a thread per core) makes them no
faster, and its threads busy-wait after each product: on a 2-core machine one stayed at 100% of a
core through a run of semantic cache lookups, starving the local embedding worker (which runs at a
lower priority) so that a lookup took 13.6 ms instead of 7; a guardrail's product took 4.5-8 ms
instead of 0.1 ms. torch, in a local worker, uses its own OpenMP threads, not these.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def one_blas_thread() -> None:
    """Limit this process's BLAS libraries (numpy's OpenBLAS) to one thread; idempotent."""
    threadpool_limits(limits=1, user_api="blas")
