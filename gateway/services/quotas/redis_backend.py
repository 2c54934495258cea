"""The Redis quota store: every gateway process enforces one shared limit.

Each take and each settlement is ONE EVALSHA of a Lua script over all of the call's counters, so
checking every scope and taking from all of them is atomic across processes (Redis runs a script
alone) and costs one round trip. Counters:

- ``strata:quota:<scope>:rpm:<minute>`` / ``...:tpm:<minute>``: integers, fixed windows aligned to
  the UTC minute, expiring two minutes after they start;
- ``...:budget_usd_day:<YYYYMMDD>`` / ``...:budget_usd_month:<YYYYMM>``: micro-dollars (integers,
  so spend stays exact), expiring a day after their window;
- ``...:max_concurrent``: a sorted set of leases scored by their expiry, so slots a crashed process
  held free themselves when the lease runs out.

The time comes from the caller (the gateway's clock) so window names are explicit in the keys.
Commands go through a small pipelined client (resp.py): a reservation waits for its one reply; a
settlement is written and not waited for, since this process's next command runs after it anyway.
When Redis cannot be reached, `healthy` turns false and a background probe pings it until it
answers; the service decides meanwhile whether to fall back to per-process limits or refuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Sequence

from gateway.logs import LOG
from gateway.services.quotas.base import CONCURRENT, Check, Decision
from gateway.services.quotas.resp import Reply, RespClient, RespError

KEY_PREFIX = "strata:quota:"

# KEYS[i]: check i's counter. ARGV: now, lease, then four per check: kind ('c' concurrency,
# 'w' window), limit, amount, ttl. The admission rule is base.admits, repeated here.
TAKE_LUA = """
local now = tonumber(ARGV[1])
local lease = ARGV[2]
local result = {0}
local refused = 0
for i = 1, #KEYS do
  local at = 2 + (i - 1) * 4
  local limit = tonumber(ARGV[at + 2])
  local amount = tonumber(ARGV[at + 3])
  local used
  if ARGV[at + 1] == 'c' then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    used = redis.call('ZCARD', KEYS[i])
  else
    used = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
  result[i + 1] = used
  if refused == 0 and not (used + amount <= limit or (used == 0 and limit > 0)) then
    refused = i
  end
end
result[1] = refused
if refused > 0 then
  return result
end
for i = 1, #KEYS do
  local at = 2 + (i - 1) * 4
  local ttl = tonumber(ARGV[at + 4])
  if ARGV[at + 1] == 'c' then
    redis.call('ZADD', KEYS[i], now + ttl, lease)
    redis.call('EXPIRE', KEYS[i], ttl)
  else
    redis.call('INCRBY', KEYS[i], ARGV[at + 3])
    if redis.call('TTL', KEYS[i]) < 0 then
      redis.call('EXPIRE', KEYS[i], ttl)
    end
  end
end
return result
"""

# KEYS[i]: a counter to adjust. ARGV: lease, then two per key: kind, delta. A window that expired
# is not brought back by a late settlement (EXISTS), and a refund never leaves it negative.
SETTLE_LUA = """
local lease = ARGV[1]
for i = 1, #KEYS do
  if ARGV[2 * i] == 'c' then
    redis.call('ZREM', KEYS[i], lease)
  elseif redis.call('EXISTS', KEYS[i]) == 1 then
    if redis.call('INCRBY', KEYS[i], ARGV[2 * i + 1]) < 0 then
      redis.call('SET', KEYS[i], 0, 'KEEPTTL')
    end
  end
end
return #KEYS
"""


def counter_key(check: Check, prefix: str = KEY_PREFIX) -> str:
    if check.kind == CONCURRENT:
        return f"{prefix}{check.slot}"
    return f"{prefix}{check.slot}:{check.window}"


class _Script:
    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()


_TAKE, _SETTLE = _Script(TAKE_LUA), _Script(SETTLE_LUA)


class RedisStore:
    name = "redis"

    def __init__(self, url: str, prefix: str = KEY_PREFIX, timeout_s: float = 1.0, probe_s: float = 1.0) -> None:
        self._client = RespClient(url, timeout_s)
        self._prefix = prefix
        self._probe_interval = probe_s
        self._probe: asyncio.Task[None] | None = None
        self.healthy = False
        self.last_error: str | None = None
        self._closing = False

    async def start(self) -> None:
        """Connect and ping; an unreachable Redis is reported (and probed), never fatal."""
        try:
            await self._client.call("PING")
        except Exception as exc:  # boundary: Redis trouble is a state, not a crash
            self.failed(exc)
        else:
            self.healthy = True

    async def aclose(self) -> None:
        self._closing = True
        if self.healthy:  # let settlements already written finish before the connection goes
            with contextlib.suppress(Exception):
                await self.drain()
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        await self._client.aclose()

    async def take(self, checks: Sequence[Check], lease: str, now: float) -> Decision:
        keys = [counter_key(check, self._prefix) for check in checks]
        args: list[str | int] = [repr(now), lease]
        for check in checks:
            args += ["c" if check.kind == CONCURRENT else "w", check.limit, check.amount, check.ttl_s]
        result = await self._eval(_TAKE, keys, args)
        return Decision(int(result[0]) - 1, tuple(int(used) for used in result[1:]))

    async def settle(self, adjustments: Sequence[tuple[Check, int]], lease: str) -> None:
        keys = [counter_key(check, self._prefix) for check, _ in adjustments]
        args: list[str | int] = [lease]
        for check, delta in adjustments:
            args += ["c" if check.kind == CONCURRENT else "w", delta]
        sent = self._client.send("EVALSHA", _SETTLE.sha, len(keys), *keys, *args)
        if sent is None:  # no open connection: connect and wait, as a reservation would
            await self._eval(_SETTLE, keys, args)
            return
        sent.add_done_callback(lambda done: self._settled(done, keys, args))

    async def drain(self) -> None:
        """Wait until every command written so far has run (commands run in order)."""
        await self._client.call("PING")

    async def _eval(self, script: _Script, keys: list[str], args: list[str | int]) -> Reply:
        try:
            return await self._client.call("EVALSHA", script.sha, len(keys), *keys, *args)
        except RespError as error:
            if not str(error).startswith("NOSCRIPT"):
                raise
            return await self._client.call("EVAL", script.source, len(keys), *keys, *args)  # loads it too

    def _settled(self, done: asyncio.Future[Reply], keys: list[str], args: list[str | int]) -> None:
        error = done.exception()
        reply = None if error is not None else done.result()
        if isinstance(reply, RespError) and str(reply).startswith("NOSCRIPT"):
            resent = self._client.send("EVAL", _SETTLE.source, len(keys), *keys, *args)
            if resent is not None:
                resent.add_done_callback(lambda again: self._settled(again, keys, args))
            return
        problem = error or (reply if isinstance(reply, RespError) else None)
        if problem is not None and not self._closing:
            LOG.warning("quota settlement failed in Redis", extra={"fields": {"error": repr(problem)}})
            if isinstance(problem, ConnectionError | TimeoutError | OSError):
                self.failed(problem)

    def failed(self, error: BaseException) -> None:
        """A call to Redis failed: say so once, and probe in the background until it answers."""
        if self.healthy or self.last_error is None:
            LOG.warning(
                "quota store (Redis) unreachable; limits fall back per the quota_redis_failure setting",
                extra={"fields": {"error": repr(error)}},
            )
        self.healthy, self.last_error = False, repr(error)
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._reconnect(), name="strata-quota-probe")

    async def _reconnect(self) -> None:
        while not self.healthy:
            await asyncio.sleep(self._probe_interval)
            try:
                await self._client.call("PING")
            except Exception as exc:  # boundary: still down; keep probing
                self.last_error = repr(exc)
            else:
                self.healthy, self.last_error = True, None
                LOG.info("quota store (Redis) reachable again; shared limits restored")
