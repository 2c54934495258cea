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
With ``prefetch_calls`` > 0 (the gateway's default), a call that must ask Redis also takes a little
capacity ahead for this process's next calls (allowance.py), so most calls are decided without a
round trip while the sum over processes still never passes a limit. When Redis cannot be reached,
`healthy` turns false and a background probe pings it until it answers; the service decides
meanwhile whether to fall back to per-process limits or refuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Sequence

from gateway.logs import LOG
from gateway.services.quotas.allowance import GRANT_SHARE, IDLE_RETURN_S, Allowances
from gateway.services.quotas.base import CONCURRENT, Check, Decision
from gateway.services.quotas.holdings import RECLAIM_LUA, SYNC_LUA, Holdings
from gateway.services.quotas.resp import Reply, RespClient, RespError

KEY_PREFIX = "strata:quota:"

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


# A take, for every check at once (allowance.py for the allowances). ARGV: now, lease, the grant
# share, then seven per check:
# kind, limit, amount (what the call takes), need (the part of it this process's allowance did not
# cover, to add now), want (capacity asked ahead for later calls), ttl, held (this process's unspent
# allowance, already in the counter). The admission rule is base.admits applied to the counter less
# what this process holds: with one process exactly the in-process store's decision, with several
# the others' unspent allowances count as used. Returns the refused index (0: none), each counter
# before the call, then each grant ahead.
TAKE_LUA = """
local now = tonumber(ARGV[1])
local lease = ARGV[2]
local share = tonumber(ARGV[3])
local n = #KEYS
local result = {0}
local refused = 0
for i = 1, n do
  local at = 4 + (i - 1) * 7
  local limit = tonumber(ARGV[at + 1])
  local amount = tonumber(ARGV[at + 2])
  local used
  if ARGV[at] == 'c' then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    used = redis.call('ZCARD', KEYS[i])
  else
    used = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
  result[i + 1] = used
  local others = used - tonumber(ARGV[at + 6])
  if refused == 0 and not (others + amount <= limit or (others <= 0 and limit > 0)) then
    refused = i
  end
end
result[1] = refused
if refused > 0 then
  return result
end
for i = 1, n do
  local at = 4 + (i - 1) * 7
  local need = tonumber(ARGV[at + 3])
  local ttl = tonumber(ARGV[at + 5])
  local extra = 0
  if ARGV[at] == 'c' then
    redis.call('ZADD', KEYS[i], now + ttl, lease)
    redis.call('EXPIRE', KEYS[i], ttl)
  else
    local spare = tonumber(ARGV[at + 1]) - result[i + 1] - need
    local want = tonumber(ARGV[at + 4])
    if want > 0 and spare >= share then
      extra = math.min(want, math.floor(spare / share))
    end
    redis.call('INCRBY', KEYS[i], need + extra)  -- even 0: a settlement then finds the window current
    if redis.call('TTL', KEYS[i]) < 0 then
      redis.call('EXPIRE', KEYS[i], ttl)
    end
  end
  result[n + 1 + i] = extra
end
return result
"""


def counter_key(check: Check, prefix: str = KEY_PREFIX) -> str:
    if check.kind == CONCURRENT:
        return f"{prefix}{check.slot}"
    return f"{prefix}{check.slot}:{check.window}"


class _Script:
    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()


# KEYS[i]: a concurrency counter; ARGV[1]: the new expiry (a member's score), ARGV[2]: the key's
# TTL, ARGV[2 + i]: the lease held in KEYS[i]. Only leases still there are renewed (XX).
RENEW_LUA = """
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', ARGV[1], ARGV[2 + i])
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('EXPIRE', KEYS[i], ARGV[2])
  end
end
return #KEYS
"""
# A concurrency slot in Redis lasts this long unless the process holding it renews it (every third
# of it, while the call runs): the slots of a process that crashed free within it, not after the
# longest a call may take (10 minutes by default, during which the key was refused everywhere).
LEASE_S = 30

_TAKE, _SETTLE, _RENEW = _Script(TAKE_LUA), _Script(SETTLE_LUA), _Script(RENEW_LUA)
_BY_SOURCE = {script.source: script for script in (_Script(SYNC_LUA), _Script(RECLAIM_LUA))}


class RedisStore:
    name = "redis"

    def __init__(
        self,
        url: str,
        prefix: str = KEY_PREFIX,
        timeout_s: float = 1.0,
        probe_s: float = 1.0,
        prefetch_calls: int = 0,
        lease_s: int = LEASE_S,
    ) -> None:
        self._client = RespClient(url, timeout_s)
        self.lease_s = lease_s
        # Concurrency slots held here: lease -> (its counters, when the call must have ended at the
        # latest: a slot a bug never settles stops being renewed then, and frees itself).
        self._held: dict[str, tuple[list[str], float]] = {}
        self._renewer: asyncio.Task[None] | None = None
        # Capacity taken ahead for this process's next calls (none granted when prefetch_calls is 0).
        self.allowances = Allowances(prefetch_calls)
        # ... and written down in Redis, so that a crash does not keep it counted (holdings.py).
        self.holdings = Holdings(prefix) if prefetch_calls else None
        self._returner: asyncio.Task[None] | None = None
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
        loop = asyncio.get_running_loop()
        if self.allowances.prefetch_calls:
            self._returner = loop.create_task(self._return_idle(), name="strata-quota-returner")
        self._renewer = loop.create_task(self._renew_held(), name="strata-quota-lease-renewer")

    async def aclose(self) -> None:
        self._closing = True
        for task in (self._returner, self._renewer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.holdings is not None and self.healthy:  # what this process held goes back to the others
            with contextlib.suppress(Exception):  # written exactly, then released in one script
                if await self.holdings.sync(self._run, self.allowances.snapshot()):
                    self.allowances.forget()
                    await self.holdings.release(self._run)
        held = self.allowances.all()
        if held and self.healthy:
            self._give_back(held)
        if self.healthy:  # let settlements already written finish before the connection goes
            with contextlib.suppress(Exception):
                await self.drain()
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        await self._client.aclose()

    async def take(self, checks: Sequence[Check], lease: str, now: float) -> Decision:
        allowances = self.allowances
        keys = [counter_key(check, self._prefix) for check in checks]
        used = allowances.spend(keys, checks)
        if used is not None:
            return Decision(-1, used)  # paid from capacity this process already holds: no round trip
        plan = allowances.plan(keys, checks)
        if plan.stale:
            self._give_back(plan.stale)  # runs before the take below: one connection, in order
        args: list[str | int] = [repr(now), lease, GRANT_SHARE]
        for index, check in enumerate(checks):
            kind = "c" if check.kind == CONCURRENT else "w"
            need, want, held = plan.need[index], plan.want[index], plan.held[index]
            ttl = min(check.ttl_s, self.lease_s) if kind == "c" else check.ttl_s  # renewed while the call runs
            args += [kind, check.limit, check.amount, need, want, ttl, held]
        try:
            result = await self._eval(_TAKE, keys, args)
        except BaseException:
            allowances.undo(keys, plan)
            raise
        count = len(checks)
        counted = [int(value) for value in result[1 : count + 1]]
        refused = int(result[0]) - 1
        if refused >= 0:
            allowances.undo(keys, plan)
            return Decision(refused, allowances.usage(counted, plan))
        extra = [int(value) for value in result[count + 1 :]]
        slots = [key for key, check in zip(keys, checks, strict=True) if check.kind == CONCURRENT]
        if slots:
            longest = max(check.ttl_s for check in checks if check.kind == CONCURRENT)
            self._held[lease] = (slots, time.monotonic() + longest)
        return Decision(-1, allowances.granted(keys, checks, plan, counted, extra))

    async def settle(self, adjustments: Sequence[tuple[Check, int]], lease: str) -> None:
        self._held.pop(lease, None)
        keys: list[str] = []
        args: list[str | int] = [lease]
        for check, delta in adjustments:
            key = counter_key(check, self._prefix)
            if check.kind == CONCURRENT:
                keys.append(key)
                args += ["c", delta]
                continue
            delta = self.allowances.absorb(key, delta)
            if not delta:
                continue
            keys.append(key)
            args += ["w", delta]
        if keys:
            await self._send_settle(keys, args)

    async def _send_settle(self, keys: list[str], args: list[str | int]) -> None:
        sent = self._client.send("EVALSHA", _SETTLE.sha, len(keys), *keys, *args)
        if sent is None:  # no open connection: connect and wait, as a reservation would
            await self._eval(_SETTLE, keys, args)
            return
        sent.add_done_callback(lambda done: self._settled(done, keys, args))

    async def drain(self) -> None:
        """Wait until every command written so far has run (commands run in order)."""
        await self._client.call("PING")

    async def _run(self, source: str, keys: list[str], args: list[str | int]) -> Reply:
        return await self._eval(_BY_SOURCE[source], keys, args)

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

    async def _return_idle(self) -> None:
        """Give back, every half second, allowances no call here has touched for a second; write down
        what is still held, and reclaim what crashed processes held (holdings.py)."""
        while True:
            await asyncio.sleep(IDLE_RETURN_S / 2)
            try:
                back = self.allowances.idle(time.time())
                if self.holdings is not None and self.healthy:
                    await self._write_holdings()
                if back and self.healthy:
                    self._give_back(back)
            except Exception:  # boundary: one bad round must not stop later ones (held capacity would stay held)
                LOG.exception("returning idle quota allowances failed")

    async def _write_holdings(self) -> None:
        """Before giving anything back: a crash in between then keeps it counted (refuses early),
        never returns it twice."""
        assert self.holdings is not None
        try:
            if self.holdings.forgotten:  # Redis failed meanwhile: what was held then goes back first
                await self.holdings.release(self._run)
            if not await self.holdings.sync(self._run, self.allowances.snapshot()):
                LOG.warning("this process's quota allowances were reclaimed (it stalled); taking afresh")
                self.allowances.forget()
            await self.holdings.reclaim(self._run)
        except (ConnectionError, TimeoutError, OSError) as exc:
            self.failed(exc)

    async def _renew_held(self) -> None:
        """Every third of a lease, push the end of every concurrency slot still held here."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            now = time.monotonic()
            for lease in [lease for lease, (_, until) in self._held.items() if until <= now]:
                del self._held[lease]  # past the longest its call may take: let it expire
            if not self._held or not self.healthy:
                continue
            keys = [key for slots, _ in self._held.values() for key in slots]
            leases = [lease for lease, (slots, _) in self._held.items() for _ in slots]
            args: list[str | int] = [repr(time.time() + self.lease_s), self.lease_s + 1, *leases]
            try:
                await self._eval(_RENEW, keys, args)
            except Exception as exc:  # boundary: a missed renewal costs nothing until the lease ends
                LOG.warning("renewing concurrency slots in Redis failed", extra={"fields": {"error": repr(exc)}})

    def _give_back(self, back: list[tuple[str, int]]) -> None:
        """Unspent allowances go back to their counters (a window that has ended is left alone)."""
        args: list[str | int] = [""]
        for _, left in back:
            args += ["w", -left]
        sent = self._client.send("EVALSHA", _SETTLE.sha, len(back), *(key for key, _ in back), *args)
        if sent is not None:
            keys = [key for key, _ in back]
            sent.add_done_callback(lambda done: self._settled(done, keys, args))

    def failed(self, error: BaseException) -> None:
        """A call to Redis failed: say so once, and probe in the background until it answers."""
        if self.healthy or self.last_error is None:
            LOG.warning(
                "quota store (Redis) unreachable; limits fall back per the quota_redis_failure setting",
                extra={"fields": {"error": repr(error)}},
            )
        self.healthy, self.last_error = False, repr(error)
        self.allowances.forget()
        if self.holdings is not None:  # its record in Redis still counts them: released on the next write
            self.holdings.forgotten = True
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
