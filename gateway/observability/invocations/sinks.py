"""Where invocation records go: a database table, or JSON-lines files rotated by size.

Both write a batch at a time and delete what is older than the retention. The files are shared by
every worker of a ``strata serve --workers N`` (and every gateway on the same folder): a batch is
appended and the file rotated under an exclusive ``flock``, so lines never interleave and only one
process renames the file. Rotated files are named by the time of rotation,
``invocations-YYYYmmddTHHMMSSffffff-PID-N.jsonl``; the one being written is ``invocations.jsonl``.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import orjson
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from gateway.db.database import Database
from gateway.db.models import InvocationLog

CURRENT = "invocations.jsonl"
LOCK = ".invocations.lock"
DB_ROWS_PER_STATEMENT = 500


class Sink(Protocol):
    async def write(self, records: list[dict[str, Any]]) -> None: ...

    async def expire(self, older_than: datetime) -> int: ...


class DatabaseSink:
    """Rows of ``invocation_logs``; a record already there (a batch retried) is skipped."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def write(self, records: list[dict[str, Any]]) -> None:
        insert = sqlite_insert if self.db.engine.dialect.name == "sqlite" else pg_insert
        async with self.db.engine.begin() as conn:
            for start in range(0, len(records), DB_ROWS_PER_STATEMENT):
                chunk = records[start : start + DB_ROWS_PER_STATEMENT]
                await conn.execute(insert(InvocationLog).values(chunk).on_conflict_do_nothing(index_elements=["id"]))

    async def expire(self, older_than: datetime) -> int:
        async with self.db.engine.begin() as conn:
            result = await conn.execute(delete(InvocationLog).where(InvocationLog.ts < older_than))
        return int(result.rowcount or 0)


class FileSink:
    """``invocations.jsonl`` in ``folder``, rotated past ``max_bytes``; written in a thread."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._rotations = 0  # in the rotated files' names: two rotations in one microsecond stay apart

    async def write(self, records: list[dict[str, Any]]) -> None:
        lines = [orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z) for record in records]
        await asyncio.to_thread(self._append, lines)

    def _append(self, lines: list[bytes]) -> None:
        """Append under the lock, starting a new file before a line that would take the current one
        past ``max_bytes`` (a single larger line gets a file of its own)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        current = self.folder / CURRENT
        with open(self.folder / LOCK, "ab") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            out = open(current, "ab")  # noqa: SIM115 (reopened on rotation)
            try:
                size = out.tell()
                for line in lines:
                    if size and size + len(line) > self.max_bytes:
                        out.close()
                        self._rotations += 1
                        os.rename(current, self.folder / _rotated_name(self._rotations))
                        out, size = open(current, "ab"), 0  # noqa: SIM115
                    out.write(line)
                    size += len(line)
            finally:
                out.close()

    async def expire(self, older_than: datetime) -> int:
        return await asyncio.to_thread(self._expire, older_than.timestamp())

    def _expire(self, cutoff: float) -> int:
        """Rotated files whose last record is older than ``cutoff`` (their modification time)."""
        removed = 0
        for path in self.folder.glob("invocations-*.jsonl"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # another worker's sweep got there first
                continue
        return removed


def _rotated_name(sequence: int) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"invocations-{stamp}-{os.getpid()}-{sequence}.jsonl"


def cutoff(retention_days: float, now: float | None = None) -> datetime:
    return datetime.fromtimestamp(now if now is not None else time.time(), UTC) - timedelta(days=retention_days)
