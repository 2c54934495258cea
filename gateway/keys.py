"""The master key: from STRATA_MASTER_KEY, or generated once and kept in the data directory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from gateway.config import ConfigError
from gateway.settings import Settings

MASTER_KEY_FILE = "master.key"


def generate_key() -> str:
    return "sk-strata-" + secrets.token_urlsafe(32)


def ensure_master_key(settings: Settings) -> tuple[str, bool]:
    """The master key, and whether it was generated just now (so the caller prints it once)."""
    if settings.master_key is not None:
        return settings.master_key.get_secret_value(), False
    path = settings.data_dir / MASTER_KEY_FILE
    if path.exists():
        return _read_key(path), False
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return _read_key(path), False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key, True


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 16:
        raise ConfigError(f"{path}: the master key file is empty or too short; delete it to generate a new key")
    return key
