"""The admin console at a million usage records: how long does each page take to answer?

Creates a scratch PostgreSQL database (127.0.0.1:5432 as postgres, dropped at the end), migrates
it, loads N usage records with COPY and builds their roll-ups (bench/usage_queries.py's loader:
30 days, 1,000 keys with a Zipf-like skew, 50 teams, 12 models, 3% errors; then put in time order
on disk, as the usage writer appends them), adds 50 teams and 200
keys through the admin API, then starts a real `strata serve` on it, signs in to the console and
times every page: the median and p95 of repeated GETs, measured by a client in this process.
The target is a median of at most 300 ms per page. Prints a Markdown table; writes nothing.

    .venv/bin/python bench/console_pages.py [--rows 1000000] [--repeat 15] [--keep | --database NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench.common import machine_line, markdown_table  # noqa: E402
from bench.harness import AUTH, strata_process  # noqa: E402
from bench.usage_queries import MODELS, load  # noqa: E402
from tests.support import postgres  # noqa: E402

TARGET_MS = 300.0
SECRET_KEY = "bench-console-pages-secret-key-not-for-production"
TEAMS, KEYS = 50, 200


def catalog() -> str:
    """The loaded records' twelve models, each served by the echo model (no network needed)."""
    lines = ["models:"]
    for name in MODELS:
        lines += [f"  {name}:", "    deployments:", "      - provider: echo"]
    return "\n".join(lines) + "\n"


async def in_time_order(database: str) -> None:
    """The loader writes records in random time order; the usage writer appends them as they come,
    so a real ledger's rows sit in time order on disk. Put them so, as the writer would have."""
    conn = await asyncpg.connect(postgres.dsn(database))
    try:
        await conn.execute("CLUSTER usage_records USING ix_usage_records_ts")
        await conn.execute("VACUUM ANALYZE usage_records")
    finally:
        await conn.close()


@contextmanager
def scratch_database(rows: int, keep: bool, reuse: str | None) -> Iterator[tuple[str, float]]:
    if reuse is not None:  # a database an earlier --keep run loaded
        yield reuse, 0.0
        return
    name = asyncio.run(postgres.create_database("strata_bench_console"))
    try:
        url = postgres.sqlalchemy_url(name)
        asyncio.run(postgres.migrate_to_head(url))
        started = time.perf_counter()
        asyncio.run(load(url, rows, datetime.now(UTC)))
        asyncio.run(in_time_order(name))
        yield name, time.perf_counter() - started
    finally:
        if keep:
            print(f"kept the database {name}", file=sys.stderr)
        else:
            asyncio.run(postgres.drop_database(name))


def populate(base: str, database: str) -> None:
    """Teams and keys through the admin API; then one team and one key are given the ids the
    loaded records use (the busiest key, strata_0000, and team-00), so their pages have usage."""
    with httpx.Client(base_url=base, headers=AUTH, timeout=30) as client:
        if client.get("/admin/teams").json():
            return  # populated by an earlier run
        teams = [client.post("/admin/teams", json={"name": f"bench-team-{i:02d}"}).json()["id"] for i in range(TEAMS)]
        keys = []
        for i in range(KEYS):
            body = {"name": f"bench-key-{i:03d}", "team_id": teams[i % TEAMS], "limits": {"budget_usd_day": 50}}
            keys.append(client.post("/admin/keys", json=body).json()["id"])
        client.patch(f"/admin/teams/{teams[0]}", json={"limits": {"rpm": 1000, "budget_usd_month": 500}})

    async def rename() -> None:
        conn = await asyncpg.connect(postgres.dsn(database))
        try:
            await conn.execute("UPDATE api_keys SET team_id = NULL WHERE team_id = $1", teams[1])
            await conn.execute("UPDATE teams SET id = 'team-00' WHERE id = $1", teams[1])
            await conn.execute("UPDATE api_keys SET id = 'strata_0000' WHERE id = $1", keys[0])
        finally:
            await conn.close()

    asyncio.run(rename())


def sign_in(client: httpx.Client, key: str) -> None:
    form = client.get("/console/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None, "no sign-in form"
    answer = client.post("/console/sign-in", data={"csrf_token": token.group(1), "key": key})
    assert answer.status_code == 303, answer.text[:300]


def pages(client: httpx.Client) -> list[tuple[str, str]]:
    month_ago = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    first = client.get("/console/usage").text
    older = re.search(r'href="(/console/usage\?[^"]*cursor=[^"]+)"', first)
    found = [
        ("overview, last hour", "/console/overview?range=hour"),
        ("overview, last 24 hours", "/console/overview?range=day"),
        ("overview, last 30 days", "/console/overview?range=month"),
        ("models and deployments", "/console/models"),
        (f"keys ({KEYS})", "/console/keys"),
        ("keys, searched", "/console/keys?q=bench-key-01"),
        ("key (the busiest), usage and budget", "/console/keys/strata_0000"),
        (f"teams ({TEAMS})", "/console/teams"),
        ("team, usage and budget", "/console/teams/team-00"),
        ("usage, last 24 hours", "/console/usage"),
        ("usage, 30 days", f"/console/usage?start={month_ago}"),
        ("usage, 30 days, one key", f"/console/usage?start={month_ago}&key=strata_0000"),
        ("usage, 30 days, one team", f"/console/usage?start={month_ago}&team=team-00"),
        ("usage, 30 days, one model", f"/console/usage?start={month_ago}&model={MODELS[0]}"),
        ("usage, 30 days, failed only", f"/console/usage?start={month_ago}&status=error"),
        ("guardrails", "/console/guardrails"),
        ("playground", "/console/playground"),
        ("audit log", "/console/audit"),
    ]
    if older is not None:
        found.insert(10, ("usage, last 24 hours, next page", older.group(1).replace("&amp;", "&")))
    return found


def timed(client: httpx.Client, path: str, repeat: int) -> tuple[float, float, float, int]:
    """(first request, median, p95) in ms, and the page's size. The first request pays for what a
    process keeps (the overview's past days, compiled templates); the others are what people see
    next."""
    started = time.perf_counter()
    client.get(path).raise_for_status()
    first = (time.perf_counter() - started) * 1000
    client.get(path).raise_for_status()
    samples = []
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        size = len(response.content)
    samples.sort()
    return first, statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))], size


def export_s(client: httpx.Client) -> tuple[float, int]:
    started = time.perf_counter()
    with client.stream("GET", "/console/usage.csv") as response:
        rows = sum(chunk.count(b"\n") for chunk in response.iter_bytes()) - 1
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--database", help="measure a database an earlier --keep run loaded (not dropped)")
    args = parser.parse_args()
    ok, why = postgres.available()
    if not ok:
        sys.exit(f"PostgreSQL is not available: {why}")
    with scratch_database(args.rows, args.keep, args.database) as (database, load_s):
        print(f"loaded {args.rows:,} records and their roll-ups in {load_s:.1f} s", file=sys.stderr)
        env = {
            "STRATA_DATABASE_URL": postgres.sqlalchemy_url(database),
            "STRATA_SECRET_KEY": SECRET_KEY,  # the same on every run, so that --database finds its keys
            "STRATA_LOG_LEVEL": "warning",
        }
        with strata_process(catalog(), env) as (base, _):
            populate(base, database)
            with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
                sign_in(client, AUTH["authorization"].removeprefix("Bearer "))
                rows = []
                for label, path in pages(client):
                    first, median, p95, size = timed(client, path, args.repeat)
                    verdict = "yes" if median <= TARGET_MS else "**no**"
                    rows.append([label, f"{first:.1f}", f"{median:.1f}", f"{p95:.1f}", f"{size / 1024:.0f}", verdict])
                    print(f"{label}: {median:.1f} ms", file=sys.stderr)
                seconds, exported = export_s(client)
    print(machine_line(("sqlalchemy", "asyncpg", "jinja2")))
    print(f"\n{args.rows:,} usage records (30 days), {KEYS} keys, {TEAMS} teams; {args.repeat} requests per page.\n")
    headers = ["page", "first ms", "median ms", "p95 ms", "KiB", f"median <= {TARGET_MS:.0f} ms"]
    print(markdown_table(headers, rows))
    print(f"\nCSV export of the last 24 hours: {exported:,} records in {seconds:.2f} s.")


if __name__ == "__main__":
    main()
