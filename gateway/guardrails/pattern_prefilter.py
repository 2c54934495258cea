"""One Hyperscan pass over a text that says which of many Python patterns may match it, so that
the rest are not searched.

Why: the prompt-attack patterns are ~350 regular expressions tried on every reading of a prompt.
Their word anchors (``anchors.py``) rule most of them out, but on a 2 KB e-mail ~130 pattern x
reading pairs still pass and are searched by ``re``: 9 ms of the event loop per prompt, most of a
guarded request's CPU. Hyperscan runs all of them at once, as automata, in one pass over the text
(~30 us a reading for 2 KB); ``re`` then searches only the few it reports.

The database is compiled from each pattern's superset (``regex_superset.py``), so a pattern
Hyperscan does not report cannot match. Compiling takes seconds,
so it happens once, in a background thread (Hyperscan lets go of the GIL), and is kept on disk
(``$XDG_CACHE_HOME/strata/patterns``, ~5 MB) for the next start, which loads it in milliseconds.
Until it is ready, and where Hyperscan is not installed, every pattern is searched as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gateway.guardrails.regex_superset import stand_ins, superset

try:
    import hyperscan
except ImportError:  # pragma: no cover - a platform without wheels: the prefilter is off
    hyperscan = None  # type: ignore[assignment]
try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: processes may build the same database at once
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("strata.guardrails")
_FORMAT = "1"  # bump when regex_superset or the compile flags change what a database means


class PatternPrefilter:
    """``possible(text)``: the numbers (positions in ``patterns``) of the patterns that may match
    ``text``; None while the database is not ready."""

    def __init__(self, patterns: Sequence[re.Pattern[str]], name: str) -> None:
        self._patterns = list(patterns)
        self._name = name
        self._started = False
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._database: Any = None
        self._always: frozenset[int] = frozenset()  # patterns without a superset: always searched
        self._scratch = threading.local()
        # off: possible() says None, every pattern is searched (benchmarks compare with and without)
        self.enabled = os.environ.get("STRATA_PATTERN_PREFILTER", "on") != "off"

    def start(self) -> None:
        """Load or compile the database in a background thread (once)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        if hyperscan is None:
            return
        threading.Thread(target=self._build, name=f"prefilter-{self._name}", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Start, and wait until the database is ready (tests and benchmarks)."""
        self.start()
        return self._ready.wait(timeout)

    def possible(self, text: str) -> frozenset[int] | set[int] | None:
        database = self._database
        if database is None or not self.enabled:
            if self.enabled:
                self.start()  # switched off: nothing is built
            return None
        scratch = getattr(self._scratch, "scratch", None)
        if scratch is None:  # a scratch space is one thread's
            scratch = self._scratch.scratch = hyperscan.Scratch(database)
        found = set(self._always)
        database.scan(stand_ins(text), match_event_handler=_collect, context=found, scratch=scratch)
        return found

    def _build(self) -> None:
        try:
            expressions: list[tuple[int, str]] = []
            always: set[int] = set()
            for number, pattern in enumerate(self._patterns):
                written = superset(pattern)
                (always.add(number) if written is None else expressions.append((number, written)))
            database, left_out = self._load_or_compile(expressions)
            self._always = frozenset(always | left_out)
            self._database = database
            self._ready.set()
        except Exception:  # the prefilter only saves time: never stand in the way
            log.exception("the %s prefilter could not be built; every pattern is searched", self._name)

    def _load_or_compile(self, expressions: list[tuple[int, str]]) -> tuple[Any, set[int]]:
        digest = hashlib.sha256(
            repr((_FORMAT, getattr(hyperscan, "__version__", ""), expressions)).encode()
        ).hexdigest()[:16]
        path = _cache_dir() / f"{self._name}-{digest}.hsdb"
        loaded = _load(path)
        if loaded is not None:
            return loaded
        with _only_builder(path.with_suffix(".lock")):  # another process building it: wait, then load
            loaded = _load(path)
            if loaded is not None:
                return loaded
            database, left_out = _compile(expressions)
            _save(path.with_suffix(".left"), " ".join(map(str, sorted(left_out))).encode())
            _save(path, hyperscan.dumpb(database))
            return database, left_out


def _load(path: Path) -> tuple[Any, set[int]] | None:
    """The database kept at ``path`` and the numbers it left out; None: not built (for this CPU)."""
    try:
        left_out = {int(number) for number in path.with_suffix(".left").read_text().split()}
        return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK), left_out
    except (OSError, ValueError, hyperscan.error):
        return None


@contextmanager
def _only_builder(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` while building; no lock where none can be taken."""
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+b")  # noqa: SIM115 - held across the build
    except OSError:
        yield
        return
    with handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
        yield


def _collect(number: int, _start: int, _end: int, _flags: int, found: set[int]) -> None:
    found.add(number)


def _compile(expressions: list[tuple[int, str]]) -> tuple[Any, set[int]]:
    """A database of every expression Hyperscan accepts, and the numbers of those it refused."""
    try:
        return _database(expressions), set()
    except hyperscan.error:
        pass
    accepted: list[tuple[int, str]] = []
    left_out: set[int] = set()
    _sort(expressions, accepted, left_out)
    return _database(accepted), left_out


def _sort(expressions: list[tuple[int, str]], accepted: list[tuple[int, str]], left_out: set[int]) -> None:
    """Halve until each refused expression is found (Hyperscan's refusal does not name one)."""
    if len(expressions) == 1:
        try:
            _database(expressions)
            accepted.extend(expressions)
        except hyperscan.error:
            left_out.add(expressions[0][0])
        return
    for half in (expressions[: len(expressions) // 2], expressions[len(expressions) // 2 :]):
        try:
            _database(half)
            accepted.extend(half)
        except hyperscan.error:
            _sort(half, accepted, left_out)


def _database(expressions: list[tuple[int, str]]) -> Any:
    assert hyperscan is not None
    flags = hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY
    flags |= hyperscan.HS_FLAG_PREFILTER  # room to approximate what it would otherwise refuse
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[expression.encode() for _, expression in expressions],
        ids=[number for number, _ in expressions],
        flags=[flags] * len(expressions),
    )
    return database


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "strata" / "patterns"


def _save(path: Path, data: bytes) -> None:
    """Write atomically (two processes may build at once); an unwritable cache is only slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
    except OSError:
        pass
