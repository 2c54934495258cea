"""From environment and files to validated settings and catalog, before anything starts."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from gateway.config.catalog import Catalog, default_catalog, load_catalog
from gateway.config.errors import ConfigError
from gateway.config.settings import Settings

DEFAULT_CONFIG = Path("strata.yaml")


def config_path(settings: Settings) -> Path | None:
    if settings.config is not None:
        return settings.config
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def load_configuration(config: Path | None = None) -> tuple[Settings, Catalog]:
    """Settings (STRATA_* over the file's ``settings`` block) and the catalog, or a ConfigError."""
    try:
        from_env = Settings()
    except ValidationError as exc:
        raise ConfigError(_settings_errors("environment", exc, prefix="STRATA_")) from None
    path = config or config_path(from_env)
    if path is None:
        return from_env, default_catalog()
    catalog = load_catalog(path)
    return file_settings(path, catalog).with_overrides(config=path), catalog


def file_settings(path: Path, catalog: Catalog) -> Settings:
    """The settings with the file's ``settings`` block applied (STRATA_* still win), or a
    ConfigError naming the key: `strata serve` and `strata config check` agree on a file."""
    try:
        return Settings(**catalog.settings)
    except ValidationError as exc:
        raise ConfigError(_settings_errors(str(path), exc, prefix="settings.")) from None


def _settings_errors(source: str, exc: ValidationError, prefix: str) -> str:
    lines = []
    for error in exc.errors():
        name = ".".join(str(p) for p in error["loc"])
        name = prefix + (name.upper() if prefix == "STRATA_" else name)
        lines.append(f"{source}: {name}: {error['msg']}")
    return "\n".join(lines)
