"""Sharing the semantic index between gateway processes through one Redis stream.

Each process keeps its own ``SemanticIndex``; what one process adds, it also appends to the stream
``<prefix>:stream`` as one compact message (the vector as float32 bytes, the partition, the exact
cache key holding the answer, the expiry and the guard's signature of the prompt, never the prompt
itself), and a clear is appended the same way. Every process follows the stream (``XREAD BLOCK``,
so another process's entry arrives within milliseconds) and applies what others wrote; a starting
process first replays the most recent messages (at most its index's size), in order, so a clear
still removes what came before it. The stream is capped with ``MAXLEN ~`` so Redis never grows
past about ``max_stream`` messages, and expires with its longest-lived entry.

Redis is an optimisation here, never a dependency: when it cannot be reached the local index keeps
working alone, the trouble is logged once, messages to publish are dropped (counted in
``dropped``), and the follower retries every ``retry_s`` until Redis answers, then replays what it
missed. Nothing here raises into the request path: ``publish`` is scheduled off it by the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import struct
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from gateway.config.redis import RedisEndpoint
from gateway.logs import LOG
from gateway.services.cache.semantic_guard import signature
from gateway.services.cache.semantic_index import SemanticIndex

_ADD = struct.Struct("<c8sdHHI")  # kind, origin, expires_at, len(partition), len(key), len(signature)
_CLEAR = struct.Struct("<c8s?H")  # kind, origin, has a prefix, len(prefix)
_FIELD = b"m"
_YIELD_EVERY = 256  # messages applied between two yields to the event loop while replaying


class SemanticShare:
    def __init__(
        self,
        index: SemanticIndex,
        redis_url: str,
        prefix: str = "strata:cache:sem",
        max_stream: int | None = None,
        retry_s: float = 1.0,
        block_ms: int = 500,
    ) -> None:
        self._index = index
        self._endpoint = RedisEndpoint.parse(redis_url)
        self.stream = f"{prefix}:stream"
        self._max_stream = max_stream or max(index.max_entries, 1000)
        self._retry_s = retry_s
        self._block_ms = block_ms
        self._origin = os.urandom(8)  # this process's messages come back to it: skipped
        self._client: Any = None
        self._reader: Any = None
        self._follower: asyncio.Task[None] | None = None
        self._last_id = b"0-0"
        self.healthy = False
        self.dropped = 0  # messages not published because Redis was unreachable
        self.applied = 0  # messages from other processes applied to the index
        self._warned = False  # this outage was logged
        self._closing = False

    async def start(self) -> None:
        """Replay recent entries (bounded by the index's size), then follow the stream; an
        unreachable Redis is logged and retried in the background, never raised."""
        timeout = 1.0
        self._client = self._endpoint.redis_py(socket_timeout=timeout, socket_connect_timeout=timeout)
        self._reader = self._endpoint.redis_py(
            socket_timeout=timeout + self._block_ms / 1000, socket_connect_timeout=timeout
        )
        try:
            await self._replay()
        except Exception as exc:  # boundary: Redis trouble is a state, not a crash
            self._lost(exc)
        self._follower = asyncio.get_running_loop().create_task(self._follow(), name="strata-semantic-share")

    async def publish(
        self,
        partition: str,
        vector: Sequence[float] | npt.NDArray[np.floating],
        entry_key: str,
        expires_at: float,
        text: str | None = None,
    ) -> None:
        """Tell the other processes about an entry this one added (``text``: the prompt, for the
        guard's signature). Dropped, never raised, while Redis is unreachable."""
        sig = signature(text).encode() if text is not None else b""
        part, key = partition.encode(), entry_key.encode()
        head = _ADD.pack(b"A", self._origin, expires_at, len(part), len(key), len(sig))
        message = head + part + key + sig + np.asarray(vector, dtype="<f4").tobytes()
        await self._append(message, max(1, math.ceil(expires_at - time.time())))

    async def clear(self, partition_prefix: str | None) -> None:
        """Clear this process's index (by partition prefix, all when None) and every other's."""
        self._index.clear(partition_prefix)
        prefix = (partition_prefix or "").encode()
        await self._append(_CLEAR.pack(b"C", self._origin, partition_prefix is not None, len(prefix)) + prefix, None)

    async def aclose(self) -> None:
        """Stop following and close the connections. The follower is not cancelled mid-XREAD
        (redis-py can hang on a cancelled blocking read): it sees ``_closing`` when its read returns
        or fails, which closing the reader's connections makes happen at once."""
        self._closing = True
        if self._follower is not None:
            if self._reader is not None:
                with contextlib.suppress(Exception):
                    await self._reader.connection_pool.disconnect()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._follower), self._block_ms / 1000 + 2.0)
        for client in (self._client, self._reader):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def _append(self, message: bytes, ttl_s: int | None) -> None:
        """XADD, capped; with ``ttl_s``, the stream lives at least as long as this entry (and no
        longer than its longest-lived one, so an idle stream leaves Redis). One round trip."""
        if not self.healthy or self._client is None:
            self.dropped += 1
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.xadd(self.stream, {_FIELD: message}, maxlen=self._max_stream, approximate=True)
                if ttl_s is not None:
                    pipe.expire(self.stream, ttl_s, nx=True)
                    pipe.expire(self.stream, ttl_s, gt=True)
                await pipe.execute()
        except Exception as exc:  # boundary: off the request path; the local index has the entry
            self.dropped += 1
            self._lost(exc)

    async def _follow(self) -> None:
        while not self._closing:
            try:
                if not self.healthy:
                    await asyncio.sleep(self._retry_s)
                    await self._replay()
                reply = await self._reader.xread({self.stream: self._last_id}, count=512, block=self._block_ms)
                for _, messages in reply or ():
                    self._apply_all(messages)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # boundary: keep following; the local index works meanwhile
                if not self._closing:
                    self._lost(exc)

    async def _replay(self) -> None:
        """Apply the recent messages this process has not seen (all of them if Redis was reset)."""
        recent = await self._reader.xrevrange(self.stream, count=self._index.max_entries)
        recent.reverse()
        if recent and _id(recent[-1][0]) < _id(self._last_id):
            self._last_id = b"0-0"  # the stream is younger than what we saw: Redis lost it
        fresh = [(i, f) for i, f in recent if _id(i) > _id(self._last_id)]
        for start in range(0, len(fresh), _YIELD_EVERY):
            self._apply_all(fresh[start : start + _YIELD_EVERY])
            await asyncio.sleep(0)
        if not self.healthy:
            self.healthy = True
            if self._warned:
                self._warned = False
                LOG.info("semantic cache: Redis reachable again; sharing index entries")

    def _apply_all(self, messages: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        now = time.time()
        for message_id, fields in messages:
            self._last_id = message_id
            try:
                self._apply(fields.get(_FIELD, b""), now)
            except (ValueError, struct.error, UnicodeDecodeError) as exc:  # another version's message
                LOG.warning("semantic cache: skipped an unreadable entry", extra={"fields": {"error": repr(exc)}})

    def _apply(self, message: bytes, now: float) -> None:
        kind = message[:1]
        if kind == b"A":
            _, origin, expires_at, p_len, k_len, s_len = _ADD.unpack_from(message)
            if origin == self._origin or expires_at <= now:
                return
            at = _ADD.size
            partition = message[at : at + p_len].decode()
            key = message[at + p_len : at + p_len + k_len].decode()
            sig = message[at + p_len + k_len : at + p_len + k_len + s_len].decode() or None
            vector = np.frombuffer(message, dtype="<f4", offset=at + p_len + k_len + s_len)
            self._index.add(partition, vector, key, expires_at, guard_signature=sig)
        elif kind == b"C":
            _, origin, has_prefix, length = _CLEAR.unpack_from(message)
            if origin != self._origin:
                self._index.clear(message[_CLEAR.size : _CLEAR.size + length].decode() if has_prefix else None)
        else:
            raise ValueError(f"unknown shared message kind {kind!r}")
        self.applied += 1

    def _lost(self, error: BaseException) -> None:
        """Say so once per outage; the follower retries until Redis answers."""
        if not self._warned:
            LOG.warning(
                "semantic cache: Redis unreachable; this process's index works alone until it answers",
                extra={"fields": {"error": repr(error)}},
            )
            self._warned = True
        self.healthy = False


def _id(message_id: bytes | str) -> tuple[int, int]:
    text = message_id.decode() if isinstance(message_id, bytes) else message_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)
