"""Holdings: the capacity each process holds ahead (allowance.py), written down in Redis so that a
crash does not leave it counted for the rest of its window.

An allowance is taken from the shared counter when it is granted, and given back when it idles or
at shutdown. A process that is killed gives nothing back: before this, its unspent allowances (up
to ``prefetch_calls`` calls' worth per counter, plus refunds absorbed into them) stayed counted
until the window ended, and for a daily budget that was a quarter of a day's money refused until
midnight UTC after each crash.

So every process writes, off the request path, what it holds unspent per counter into its own hash
(``<prefix>held:<holder>``) and keeps its entry in ``<prefix>holders`` (a sorted set scored by
when the entry lapses) renewed. Whichever process looks next reclaims a holder that stopped
renewing (killed, or frozen for ``HOLD_TTL_S``): what its hash says goes back to the counters, in
one script, so it goes back once. A process that finds it was reclaimed drops its allowances
without giving them back (they were). At shutdown and after a Redis outage (when a process forgets
its allowances) a process releases its own hash the same way.

The written figure is at most ``SYNC_S`` old when a process dies: what it spent from an allowance in
that last moment goes back too, so a limit may let through a few more calls than it should in that
window (half a second of one process's calls), once per crash.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Mapping

HOLD_TTL_S = 10.0  # a holder that has not renewed for this long is reclaimed
RENEW_S = 3.0  # renew at least this often, even when nothing changed
SYNC_S = 0.5  # how often a process writes what it holds (the quota store's returner loop)
RECLAIM_S = 2.0  # how often a process looks for holders to reclaim
HASH_TTL_S = 40 * 86400  # a hash nobody reclaims (every process gone) outlives a month's window, then goes

# KEYS[1]: the holders set, KEYS[2]: this holder's hash. ARGV: holder, lapses-at score, the hash's
# TTL, 1 when registering (0: only if still registered), then (counter key, unspent) pairs; 0
# unspent deletes the field. Returns 0 when the holder was reclaimed meanwhile (nothing written).
SYNC_LUA = """
if ARGV[4] == '0' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
for i = 5, #ARGV, 2 do
  if tonumber(ARGV[i + 1]) > 0 then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  else
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"""

# KEYS[1]: the holders set. ARGV: now, the hashes' key prefix, the most holders to reclaim, then the
# holders to release whatever their score (a process's own, at shutdown). Each holder's unspent
# capacity goes back to counters that still exist (a refund never leaves one negative); its hash
# and its entry go. Returns how many counters were given back to.
RECLAIM_LUA = """
local holders = {}
for i = 4, #ARGV do
  holders[#holders + 1] = ARGV[i]
end
if #holders == 0 then
  holders = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
end
local returned = 0
for _, holder in ipairs(holders) do
  local hash = ARGV[2] .. holder
  local held = redis.call('HGETALL', hash)
  for i = 1, #held, 2 do
    local left = tonumber(held[i + 1])
    if left > 0 and redis.call('EXISTS', held[i]) == 1 then
      if redis.call('DECRBY', held[i], left) < 0 then
        redis.call('SET', held[i], 0, 'KEEPTTL')
      end
      returned = returned + 1
    end
  end
  redis.call('DEL', hash)
  redis.call('ZREM', KEYS[1], holder)
end
return returned
"""

Eval = Callable[[str, list[str], list[str | int]], Awaitable[object]]  # (script source, keys, args)


class Holdings:
    """One process's written record of what it holds, and the reclaiming of others' records."""

    def __init__(self, prefix: str, hold_ttl_s: float = HOLD_TTL_S) -> None:
        self.holder = uuid.uuid4().hex
        self.hold_ttl_s = hold_ttl_s
        self._holders_key = f"{prefix}holders"
        self._hash_prefix = f"{prefix}held:"
        self._written: dict[str, int] = {}  # what Redis has for this holder
        self._registered = False
        self._renewed = 0.0
        self._reclaimed_at = 0.0
        self.forgotten = False  # the allowances this record lists were dropped (Redis failed): release it

    async def sync(self, run: Eval, held: Mapping[str, int]) -> bool:
        """Write what changed since the last write (or renew the entry). False when this holder had
        been reclaimed: the caller must drop its allowances without giving them back."""
        changes: list[str | int] = []
        for key, left in held.items():
            if self._written.get(key) != left:
                changes += [key, left]
        changes += [arg for key in self._written if key not in held for arg in (key, 0)]
        now = time.monotonic()
        if not changes and self._registered and now - self._renewed < RENEW_S:
            return True
        if not held and not self._registered:
            return True  # nothing held, nothing to write
        args: list[str | int] = [self.holder, repr(time.time() + self.hold_ttl_s), int(HASH_TTL_S)]
        args += [0 if self._registered else 1, *changes]
        written = await run(SYNC_LUA, [self._holders_key, self._hash_prefix + self.holder], args)
        if not written:
            self._forget()
            return False
        self._written = dict(held)
        self._registered, self._renewed = True, now
        return True

    async def reclaim(self, run: Eval, force: bool = False) -> int:
        """Give back what holders that stopped renewing held (every ``RECLAIM_S`` unless ``force``)."""
        now = time.monotonic()
        if not force and now - self._reclaimed_at < RECLAIM_S:
            return 0
        self._reclaimed_at = now
        returned = await run(RECLAIM_LUA, [self._holders_key], [repr(time.time()), self._hash_prefix, 16])
        return returned if isinstance(returned, int) else 0

    async def release(self, run: Eval) -> None:
        """Give back what this holder's record says and delete it (shutdown, or after an outage during
        which this process forgot its allowances)."""
        await run(RECLAIM_LUA, [self._holders_key], [repr(time.time()), self._hash_prefix, 1, self.holder])
        self._forget()

    def _forget(self) -> None:
        self._written, self._registered, self.forgotten = {}, False, False
