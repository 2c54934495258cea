"""The server's own secrets: the master key and the secret that seals virtual keys.

Each comes from the environment (STRATA_MASTER_KEY, STRATA_SECRET_KEY) or is generated once and
kept in the data directory with 0600 permissions. Every worker of a server reads the same files;
workers starting together agree on one key (see _create_once).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from pydantic import SecretStr

from gateway.config.errors import ConfigError
from gateway.config.settings import Settings

MASTER_KEY_FILE = "master.key"
SECRET_KEY_FILE = "secret.key"


def generate_key() -> str:
    return "sk-strata-" + secrets.token_urlsafe(32)


def _from_env_or_file(value: SecretStr | None, path: Path, make: str) -> tuple[str, bool]:
    if value is not None:
        return value.get_secret_value(), False
    if path.exists():
        return _read_key(path), False
    return _create_once(path, make)


def _create_once(path: Path, make: str) -> tuple[str, bool]:
    """Write ``make`` whole into a temporary file beside ``path``, then link it into place: a worker
    starting at the same time sees no file or the whole key, never an empty one. Of workers racing,
    the first link wins; the others read its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(make + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # atomic, and never replaces a key already there
        except FileExistsError:  # another worker won the race: use its value
            return _read_key(path), False
        except OSError:  # a file system without hard links: exclusive create (readers may race it)
            return _create_exclusive(path, make)
        return make, True
    finally:
        os.unlink(temporary)


def _create_exclusive(path: Path, make: str) -> tuple[str, bool]:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path), False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(make + "\n")
    return make, True


def ensure_master_key(settings: Settings) -> tuple[str, bool]:
    """The master key, and whether it was generated just now (so the caller prints it once)."""
    return _from_env_or_file(settings.master_key, settings.data_dir / MASTER_KEY_FILE, generate_key())


def ensure_secret_key(settings: Settings) -> str:
    """The secret that seals virtual keys at rest. Losing it makes stored keys unusable."""
    return _from_env_or_file(settings.secret_key, settings.data_dir / SECRET_KEY_FILE, secrets.token_urlsafe(48))[0]


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 16:
        raise ConfigError(f"{path}: the key file is empty or too short; delete it to generate a new one")
    return key
