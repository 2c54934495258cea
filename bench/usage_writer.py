"""What does the usage ledger cost per record? The writer at an earlier commit vs this working tree,
side by side in one run, on SQLite and on PostgreSQL.

N realistic usage events are built the way the middleware builds them (``usage_event`` from a
finished CallContext: keys with tags, a few models and teams, some streams, errors and Bedrock
request metadata), then submitted to a real ``UsageWriter`` and flushed into a freshly migrated
database: a temporary SQLite file, and a scratch PostgreSQL database (dropped afterwards). Both
versions write the same events into their own database, after a warm-up batch.

Reported per record: the CPU of the event-loop thread (``time.thread_time`` inside the loop: what
competes with requests), of the whole process (``time.process_time``: the loop plus the SQLite
driver thread), of the PostgreSQL backends serving the bench's connections (from /proc, when the
server runs on this machine: the new writer hands PostgreSQL work that Python used to do), and
the wall time of the flush.

The earlier version (``--base``, default 765549d: before the ledger was rewritten for speed) is
loaded from ``git show BASE:gateway/services/usage/*.py`` into a temporary package, so no
checkout or stash is needed.

    .venv/bin/python bench/usage_writer.py [--records 10000] [--rounds 3] [--base REF] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import types
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.common import ROOT, machine_line, markdown_table, write_section  # noqa: E402
from gateway.db.database import Database  # noqa: E402
from gateway.services.context import CallContext, Principal  # noqa: E402
from gateway.services.pricing import Price  # noqa: E402
from gateway.services.usage import record as record_now  # noqa: E402
from gateway.services.usage import writer as writer_now  # noqa: E402
from tests.support import postgres  # noqa: E402

MODULES = ("record", "rollup", "store", "writer")  # in import order
HEAD_PACKAGE = "_usage_head"
BATCH = 1000


def load_head(base: str) -> tuple[types.ModuleType, types.ModuleType]:
    """(record, writer) modules of the usage package at commit ``base``, importable side by side with ours."""
    package = types.ModuleType(HEAD_PACKAGE)
    package.__path__ = []
    sys.modules[HEAD_PACKAGE] = package
    loaded: dict[str, types.ModuleType] = {}
    for name in MODULES:
        source = subprocess.run(
            ["git", "show", f"{base}:gateway/services/usage/{name}.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        source = source.replace("gateway.services.usage.", f"{HEAD_PACKAGE}.")
        module = types.ModuleType(f"{HEAD_PACKAGE}.{name}")
        module.__file__ = f"<{base}:gateway/services/usage/{name}.py>"
        sys.modules[module.__name__] = module
        exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102 - our own committed code
        loaded[name] = module
    return loaded["record"], loaded["writer"]


class Pricing:
    """PriceTable's arithmetic (float prices, a Decimal per call) without building a catalog."""

    def __init__(self) -> None:
        self._prices = {f"model-{i}/0": Price(1e-6 * (i + 1), 3e-6 * (i + 1), 5e-7) for i in range(6)}

    def cost(self, deployment: str | None, prompt: int, completion: int, cached: int = 0) -> Decimal:
        price = self._prices.get(deployment or "")
        return Decimal(repr(price.cost(prompt, completion, cached))) if price else Decimal(0)


def calls(count: int, seed: int = 5) -> list[tuple[CallContext, int]]:
    """Finished calls as the pipeline leaves them: (context, status sent)."""
    rng = random.Random(seed)
    principals = [
        Principal(key_id=f"strata_{k:04d}", team_id=f"team_{k % 10}", tags=("env:prod", f"team:{k % 10}"))
        for k in range(50)
    ]
    out = []
    for _ in range(count):
        model = f"model-{rng.randrange(6)}"
        bedrock = rng.random() < 0.2
        failed = rng.random() < 0.05
        call = CallContext(request_id=uuid.uuid4().hex, surface="bedrock" if bedrock else "openai")
        call.started -= rng.uniform(0.05, 2.0)
        call.principal = rng.choice(principals)
        call.model = call.served_model = model
        call.deployment, call.provider = f"{model}/0", "openai"
        call.stream = rng.random() < 0.3
        call.attempts = 1
        if failed:
            call.error_type = "rate_limit_error"
        else:
            call.prompt_tokens, call.completion_tokens = rng.randint(20, 4000), rng.randint(1, 800)
            call.cached_tokens = rng.choice([0, 0, 0, 128])
            call.first_token_s = 0.04 if call.stream else None
        if bedrock:
            call.request_metadata = {"project": f"p{rng.randrange(20)}", "user": f"u{rng.randrange(1000)}"}
        out.append((call, 429 if failed else 200))
    return out


@dataclass
class Sample:
    event_us: float  # usage_event(): building the record on the request path
    loop_us: float  # event-loop thread CPU per record
    process_us: float  # whole-process CPU per record
    wall_us: float  # wall time per record, submit to flushed
    server_us: float | None = None  # PostgreSQL backends' CPU per record


def _process_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _backends_cpu(db: Database) -> dict[int, float] | None:
    """CPU so far of each PostgreSQL backend connected to this database; None if not on this machine."""
    if db.is_sqlite:
        return None
    async with db.engine.connect() as conn:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = list((await conn.execute(query)).scalars())
    try:
        return {pid: _process_cpu(pid) for pid in pids}
    except OSError:
        return None


async def _ledger_size(db: Database) -> tuple[int, int]:
    async with db.engine.connect() as conn:
        records = (await conn.execute(text("SELECT count(*) FROM usage_records"))).scalar_one()
        daily = (await conn.execute(text("SELECT coalesce(sum(requests), 0) FROM usage_daily"))).scalar_one()
    return int(records), int(daily)


async def measure(url: str, record: types.ModuleType, writer: types.ModuleType, count: int) -> Sample:
    """Warm up with one batch, then submit ``count`` events and flush them (on this loop)."""
    db = Database.connect(url)
    try:
        await db.prepare()
        usage = writer.UsageWriter(db, Pricing(), batch_size=BATCH, max_buffer=count + BATCH)
        finished, ids = calls(count + BATCH), [uuid.uuid4().hex for _ in range(count + BATCH)]
        build = time.thread_time()
        events = [record.usage_event(call, status, id_) for (call, status), id_ in zip(finished, ids, strict=True)]
        build = time.thread_time() - build
        for event in events[:BATCH]:
            usage.submit(event)
        await usage.flush()
        server_before = await _backends_cpu(db)
        loop_cpu, cpu, wall = time.thread_time(), time.process_time(), time.perf_counter()
        for event in events[BATCH:]:
            usage.submit(event)
        await usage.flush()  # not started: drains here, on this loop
        loop_cpu, cpu, wall = time.thread_time() - loop_cpu, time.process_time() - cpu, time.perf_counter() - wall
        server_after = await _backends_cpu(db)
        server = None
        if server_before is not None and server_after is not None:
            server = sum(used - server_before.get(pid, 0.0) for pid, used in server_after.items()) / count * 1e6
        assert await _ledger_size(db) == (count + BATCH, count + BATCH), "the ledger lost or doubled records"
        per_record = 1e6 / count
        return Sample(build * 1e6 / (count + BATCH), loop_cpu * per_record, cpu * per_record, wall * per_record, server)
    finally:
        await db.aclose()


def run_sqlite(record: types.ModuleType, writer: types.ModuleType, count: int) -> Sample:
    with tempfile.TemporaryDirectory() as scratch:
        return uvloop.run(measure(f"sqlite+aiosqlite:///{scratch}/usage.db", record, writer, count))


def run_postgres(record: types.ModuleType, writer: types.ModuleType, count: int) -> Sample:
    with postgres.scratch_database("strata_bench_usage") as name:
        url = postgres.sqlalchemy_url(name)
        uvloop.run(postgres.migrate_to_head(url))
        return uvloop.run(measure(url, record, writer, count))


def median_sample(samples: list[Sample]) -> Sample:
    servers = [s.server_us for s in samples if s.server_us is not None]
    return Sample(
        statistics.median(s.event_us for s in samples),
        statistics.median(s.loop_us for s in samples),
        statistics.median(s.process_us for s in samples),
        statistics.median(s.wall_us for s in samples),
        statistics.median(servers) if servers else None,
    )


def _us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _ratio(before: float | None, after: float | None) -> str:
    return "n/a" if before is None or after is None or after == 0 else f"{before / after:.1f}x"


def report(results: dict[tuple[str, str], Sample], args: argparse.Namespace) -> str:
    rows = []
    for database in ("SQLite", "PostgreSQL"):
        before, after = results.get((database, "HEAD")), results.get((database, "now"))
        if before is None or after is None:
            continue
        for label, s in ((f"before ({args.base})", before), ("this tree", after)):
            rows.append(
                [database, label, _us(s.event_us), _us(s.loop_us), _us(s.process_us), _us(s.server_us), _us(s.wall_us)]
            )
        rows.append(
            [
                database,
                "ratio (before / this tree)",
                _ratio(before.event_us, after.event_us),
                _ratio(before.loop_us, after.loop_us),
                _ratio(before.process_us, after.process_us),
                _ratio(before.server_us, after.server_us),
                _ratio(before.wall_us, after.wall_us),
            ]
        )
    headers = [
        "database",
        "usage code",
        "usage_event() us",
        "writer: loop CPU us/rec",
        "writer: process CPU us/rec",
        "writer: DB server CPU us/rec",
        "writer: wall us/rec",
    ]
    return (
        "## Usage writer: cost per record\n\n"
        f"{args.records} records per run (after a warm-up batch), batches of {BATCH}, median of {args.rounds} "
        f"rounds, the usage code at {args.base} and this tree alternating, on uvloop. "
        "`usage_event()` is what the middleware spends on the "
        "request path to make the record; the writer's columns are its batched writing, per record: loop CPU "
        "competes with requests on the event loop, process CPU adds the SQLite driver's thread, DB server CPU is "
        "PostgreSQL's backends (on this machine). The machine was shared with other work while measured: "
        "compare within this table, not with other tables. `bench/usage_writer.py`.\n\n"
        f"{markdown_table(headers, rows)}\n\n"
        f"{machine_line(('sqlalchemy', 'asyncpg', 'aiosqlite', 'uvloop', 'orjson'))}; SQLite {_sqlite_version()}\n"
    )


def _sqlite_version() -> str:
    return sqlite3.sqlite_version


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--base", default="765549d", help="the commit to compare with (before the fast ledger)")
    args = parser.parse_args()
    head_record, head_writer = load_head(args.base)
    versions = {"HEAD": (head_record, head_writer), "now": (record_now, writer_now)}
    runners: dict[str, Callable[[types.ModuleType, types.ModuleType, int], Sample]] = {"SQLite": run_sqlite}
    ok, why = postgres.available()
    if ok:
        runners["PostgreSQL"] = run_postgres
    else:
        print(f"PostgreSQL skipped: {why}", file=sys.stderr)
    results: dict[tuple[str, str], Sample] = {}
    for database, runner in runners.items():
        samples: dict[str, list[Sample]] = {"HEAD": [], "now": []}
        for _ in range(args.rounds):
            for version, (record, writer) in versions.items():  # alternate: drift hits both alike
                samples[version].append(runner(record, writer, args.records))
                print(database, version, samples[version][-1], file=sys.stderr)
        for version, taken in samples.items():
            results[(database, version)] = median_sample(taken)
    text_ = report(results, args)
    print(text_)
    if not args.no_write:
        write_section("usage_writer", text_)


if __name__ == "__main__":
    main()
