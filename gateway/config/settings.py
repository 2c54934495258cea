"""Server settings: STRATA_* environment variables over the config file's ``settings`` block."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from gateway.config.redis import RedisEndpoint, with_password
from gateway.services.alerts.rules import deliverable


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STRATA_", extra="forbid", frozen=True)

    config: Path | None = Field(default=None, description="YAML catalog; default ./strata.yaml if present")
    data_dir: Path = Path(".strata")
    # local embedding models exported for ONNX Runtime (providers/local/onnx_encoder.py); unset:
    # ~/.cache/strata/models
    model_cache_dir: Path | None = None
    master_key: SecretStr | None = None
    secret_key: SecretStr | None = None  # seals virtual keys at rest; generated into data_dir when unset
    key_cache_ttl_s: float = Field(default=10.0, gt=0, le=3600)
    # Database unreachable: a key seen within this long keeps working from the cache (0: never stale).
    key_stale_max_s: float = Field(default=3600.0, ge=0, le=7 * 86400)
    key_lookup_timeout_s: float = Field(default=2.0, gt=0, le=60)  # a hanging database costs a call at most this
    database_url: str | None = None
    redis_url: str | None = None
    # A password with characters a URL would have to escape (@ / : # %) may be given apart: it goes
    # into redis_url, escaped (a LiteLLM config's router_settings.redis_password lands here).
    redis_password: SecretStr | None = None
    quota_redis_failure: Literal["local", "refuse"] = "local"  # Redis unreachable: per-process limits, or 503
    # With Redis, a call that asks Redis also takes capacity for this many more calls of its kind (at
    # most an eighth of what the window has left), spent here without a round trip. 0: every call asks.
    quota_prefetch_calls: int = Field(default=16, ge=0, le=10_000)
    # One ledger record per model call. Off: no ledger (usage metered elsewhere, or measuring the
    # bare pipeline); quotas, budgets included, still count in their own store.
    usage_records: bool = True
    # Usage records wait in memory for the writer; past this many (database down) the oldest are dropped.
    usage_buffer_max: int = Field(default=100_000, ge=100)
    usage_flush_interval_s: float = Field(default=0.5, gt=0, le=60)
    usage_shutdown_timeout_s: float = Field(default=20.0, ge=0, le=600)  # at shutdown, how long to keep retrying
    host: str = "127.0.0.1"
    port: int = Field(default=4000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)
    max_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Slow and idle clients (gateway/server/): the request head must arrive within header_timeout_s
    # (of the connection opening, or of its first byte on a kept-alive one), the whole body within
    # body_timeout_s of the head; a kept-alive connection waiting for a request closes after idle_timeout_s.
    header_timeout_s: float = Field(default=10.0, gt=0, le=3600)
    body_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    idle_timeout_s: float = Field(default=65.0, gt=0, le=3600)
    max_header_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)  # a larger head gets 431
    max_connections_per_client: int = Field(default=256, ge=0)  # per address, per process; 0: no cap
    # Proxies whose X-Forwarded-For / -Proto are believed ("*": any, for a gateway only a proxy
    # reaches): the client address the console's sign-in limiter and the logs see is then the
    # caller's, not the proxy's (behind which every browser would share one sign-in counter).
    forwarded_allow_ips: str = "127.0.0.1"
    # Guardrails' semantic policies (topics, content filters, grounding) embed with this catalog model;
    # unset: the embedded all-MiniLM-L6-v2. PII types that need a language model (NAME, ADDRESS...)
    # are detected with a local token-classification model at this path, when one is given.
    guardrail_embedding_model: str | None = None
    guardrail_ner_model_path: str | None = None
    # A team's own local text-classification model (a transformers folder, or package:NAME/FOLDER)
    # whose labels name content filter types (PROMPT_ATTACK, INJECTION, HATE...): its confidences add
    # to the seed classifier's for every content policy (guardrails/semantic/classifier.py).
    guardrail_classifier_model_path: str | None = None
    # Texts whose guardrail embeddings are kept (about 1.5 KB each): a conversation re-sends its history
    # every turn. 0 keeps none between requests (one request's checks still share theirs).
    guardrail_embedding_cache: int = Field(default=4096, ge=0, le=10_000_000)
    # Long texts (256 characters or more) whose PII scan is remembered, by a digest of the text: the
    # history a conversation re-sends is not scanned again. 0 scans every text every time.
    guardrail_scan_cache: int = Field(default=16_384, ge=0, le=10_000_000)
    # Worker processes of the embedded MiniLM that guardrail texts (and the default semantic cache's)
    # are spread over: one pass uses a core well, parallel passes use the others. Unset: 2 on a
    # machine with 2 cores or more (~700 MB each, started when a semantic policy first needs one).
    guardrail_embedding_workers: int | None = Field(default=None, ge=1, le=64)
    # SIGTERM: readiness fails at once and requests are still served for shutdown_delay_s (while a
    # load balancer notices); then the listener closes, requests in flight get up to shutdown_grace_s
    # to finish (the drain deadline) before the rest are cut (their streams recorded as `shutdown`),
    # and the usage buffer is written. A second SIGTERM skips the delay. See gateway/drain.py.
    shutdown_delay_s: float = Field(default=0.0, ge=0, le=600)
    shutdown_grace_s: float = Field(default=30.0, ge=0, le=3600)
    # Upstreams: the largest response body accepted (a larger one fails fast, never hangs), and the
    # most connections open at once to one origin (more requests wait for one, within connect timeout).
    max_response_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    upstream_max_connections: int = Field(default=1000, ge=1, le=100_000)
    # The admin console (/console): a session ends after this long without a request, and at the
    # latest console_session_max_s after signing in.
    console_idle_timeout_s: float = Field(default=1800.0, ge=60, le=7 * 86400)
    console_session_max_s: float = Field(default=12 * 3600.0, ge=60, le=30 * 86400)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"
    # Responses API: stored responses (`store`, the default) older than this are deleted (hourly sweep).
    responses_retention_days: float = Field(default=30.0, gt=0, le=36500)
    # Metrics at GET /metrics (master or admin key; no key when metrics_public), folded in off the
    # request path every metrics_interval_s (a scrape folds its own process's first).
    metrics: bool = True
    metrics_public: bool = False
    metrics_interval_s: float = Field(default=1.0, gt=0, le=60)
    # Model invocation logs (gateway/observability/invocations/): a record per model call, to the
    # database or to JSON-lines files in invocation_log_dir (default data_dir/invocations) rotated past
    # invocation_log_max_bytes. Bodies only for models with `log_bodies: true` in the catalog and for
    # what invocation_log_bodies names: "model:NAME,key:ID,team:ID" (or "*"). Older entries are deleted.
    invocation_logs: Literal["off", "database", "file"] = "off"
    invocation_log_bodies: str = ""
    invocation_log_dir: Path | None = None
    invocation_log_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    invocation_log_retention_days: float = Field(default=30.0, gt=0, le=36500)
    # Budget alerts (gateway/services/alerts/): every alert_interval_s each process compares the spend
    # of the keys and teams that carry alert rules with their budgets, off the request path. Webhooks
    # go to the rule's webhook_url or alert_webhook_url, signed with alert_webhook_secret (environment
    # only; without it nothing is sent, the alert is recorded as failed); alert_webhook_attempts tries
    # per round, waiting alert_webhook_backoff_s, doubling (at most 30 s); a failed round is tried
    # again alert_redelivery_s later, until alert_max_age_s after the crossing.
    alerts: bool = True
    alert_interval_s: float = Field(default=10.0, gt=0, le=3600)
    alert_webhook_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+", max_length=2048)
    alert_webhook_secret: SecretStr | None = None
    alert_webhook_timeout_s: float = Field(default=5.0, gt=0, le=60)
    alert_webhook_attempts: int = Field(default=4, ge=1, le=20)
    alert_webhook_backoff_s: float = Field(default=1.0, ge=0, le=60)
    alert_redelivery_s: float = Field(default=60.0, gt=0, le=86400)
    alert_max_age_s: float = Field(default=86400.0, gt=0, le=30 * 86400)
    # Response cache (models with `cache:` in the catalog): answers kept in process up to this many
    # bytes (least recently used out first), or in Redis when redis_url is set; the semantic index
    # keeps at most this many prompt vectors per process (about 1.5 KB each).
    cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0, le=64 * 1024**3)
    cache_semantic_entries: int = Field(default=10_000, ge=1, le=10_000_000)

    @field_validator("alert_webhook_url")
    @classmethod
    def _deliverable_webhook(cls, value: str | None) -> str | None:
        """Every alert without a URL of its own goes here: one httpx cannot post to would leave
        them all pending for a day, so it is refused at start (as a rule's webhook_url is)."""
        return deliverable(value)

    @field_validator("redis_url")
    @classmethod
    def _readable_redis_url(cls, value: str | None) -> str | None:
        if value is not None:
            RedisEndpoint.parse(value)  # refused at start, naming the problem, not at the first call
        return value

    @model_validator(mode="after")
    def _redis_password_in_url(self) -> Settings:
        if self.redis_password is not None and self.redis_url is not None:
            object.__setattr__(self, "redis_url", with_password(self.redis_url, self.redis_password.get_secret_value()))
        return self

    @field_validator("guardrail_ner_model_path", "guardrail_classifier_model_path")
    @classmethod
    def _model_folder(cls, value: str | None) -> str | None:
        """A model folder that is not there is refused at start, not at the first guarded call."""
        if value is not None:
            from providers.local.loading import LoadError, resolve_path

            try:
                folder = resolve_path(value)
            except LoadError as missing:
                raise ValueError(str(missing)) from None
            if not (folder / "config.json").is_file():
                raise ValueError(f"{folder}: not a transformers model folder (no config.json)")
            from gateway.guardrails.semantic import calibration

            calibration.read(folder)  # a calibration file that cannot be read stops the start too
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        """A plain postgresql:// URL (LiteLLM's, Heroku's postgres://) is served by asyncpg, sqlite://
        by aiosqlite; any other database is refused here, not with a driver's traceback at start."""
        if value is None:
            return value
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError(
                "must be a PostgreSQL URL (postgresql://user:password@host:5432/db) or SQLite "
                "(sqlite:///path/to/strata.db)"
            )
        return value

    @field_validator("master_key", "secret_key", "alert_webhook_secret")
    @classmethod
    def _not_empty(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """An empty master key let nobody administer the gateway; a short secret key seals stored keys
        weakly; an empty webhook secret signs alerts with a key anyone knows, so anyone could forge
        one (``STRATA_ALERT_WEBHOOK_SECRET=${UNSET}`` in a template). (A master key's length is the
        operator's choice: LiteLLM's examples use sk-1234.)"""
        if value is None:
            return value
        secret = value.get_secret_value()
        if not secret.strip() and info.field_name == "alert_webhook_secret":
            raise ValueError("is empty: set a secret, or unset it (alerts are then recorded, not sent)")
        if not secret.strip():
            raise ValueError("is empty: unset it to have one generated, or set a key")
        if info.field_name == "secret_key" and len(secret) < 16:
            raise ValueError("must be at least 16 characters (unset it to have one generated)")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first: values passed in (the file's settings block) only fill the gaps.
        return env_settings, init_settings

    def with_overrides(self, **overrides: Any) -> Settings:
        """Command-line flags win over everything; None means 'not given'."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return self.model_copy(update=given) if given else self

    @property
    def database_url_or_default(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'strata.db').resolve()}"


# STRATA_* variables read outside Settings: the client's and CLI's, the benchmarks', the supervisor's;
# STRATA_PATTERN_PREFILTER=off searches every prompt-attack pattern (the benchmarks' row without it).
OTHER_VARIABLES = frozenset(
    {"STRATA_API_KEY", "STRATA_BASE_URL", "STRATA_BENCH_DIR", "STRATA_SUPERVISOR_PID", "STRATA_PATTERN_PREFILTER"}
)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """STRATA_* variables no setting reads, each with the setting it was probably meant for: a typo
    (STRATA_PROT=8080) was silently ignored."""
    known = {f"STRATA_{name.upper()}" for name in Settings.model_fields}
    found = []
    for name in sorted(environ):
        if name.startswith("STRATA_") and name not in known and name not in OTHER_VARIABLES:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
            found.append(f"{name} is not a setting" + (f" (did you mean {close[0]}?)" if close else ""))
    return found
