"""One reading of STRATA_REDIS_URL for every Redis use (quotas, shared circuits, key revocations).

``redis://[[user]:password@]host[:port][/db][?db=N]``, ``rediss://`` (TLS) and
``unix:///path[?db=N]``. The database may be given in the path or as ``?db=``; both at once must
agree. Each user connects with these parts, never by handing the URL to a library that may read
it differently (redis-py honours ``?db=``; Strata's quota client once read only the path, so
``redis://host:6379?db=3`` sent quotas to db 0 and everything else to db 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

SCHEMES = ("redis", "rediss", "unix")


@dataclass(frozen=True, slots=True)
class RedisEndpoint:
    host: str = "127.0.0.1"
    port: int = 6379
    socket_path: str | None = None  # unix:// only
    tls: bool = False
    db: int = 0
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> RedisEndpoint:
        """The URL's parts; ValueError naming the problem (never echoing a password)."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise ValueError(
                f"a Redis URL starts with redis://, rediss:// or unix://, not {parts.scheme or '(none)'}://"
            )
        try:
            port = parts.port or 6379
        except ValueError:
            raise ValueError("the Redis URL's port is not a number from 0 to 65535") from None
        unix = parts.scheme == "unix"
        in_path = None if unix else parts.path.strip("/") or None
        in_query = parse_qs(parts.query).get("db", [None])[0]
        if in_path is not None and in_query is not None and in_path != in_query:
            raise ValueError(f"the Redis URL names two databases: /{in_path} and ?db={in_query}")
        db_text = in_path if in_path is not None else in_query
        if db_text is not None and not db_text.isdigit():
            raise ValueError(f"the Redis database must be a number, not {db_text!r}")
        if unix and not parts.path:
            raise ValueError("a unix:// Redis URL needs a socket path, e.g. unix:///run/redis.sock")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=port,
            socket_path=parts.path if unix else None,
            tls=parts.scheme == "rediss",
            db=int(db_text or 0),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def redis_py(self, **options: Any) -> Any:
        """A redis-py asyncio client for these parts (the `redis` extra; imported only when used)."""
        import redis.asyncio as redis

        common: dict[str, Any] = {"db": self.db, "username": self.username, "password": self.password, **options}
        if self.socket_path is not None:
            return redis.Redis(unix_socket_path=self.socket_path, **common)
        return redis.Redis(host=self.host, port=self.port, ssl=self.tls, **common)


def with_password(url: str, password: str) -> str:
    """``url`` with ``password`` in it, escaped: any character a password may hold survives."""
    parts = urlsplit(url)
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(unquote(user), safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
