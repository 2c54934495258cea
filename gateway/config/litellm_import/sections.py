"""``router_settings``, ``litellm_settings``, ``general_settings`` and ``environment_variables``.

Each key either has a Strata meaning (collected here, applied to every model by routing.py or to
the server settings), is refused because ignoring it would let through what LiteLLM stopped
(budgets, guardrails, custom auth, your own callback code), or is listed as dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.config.litellm_import.context import Context, looks_secret

STRATEGIES = {
    "simple-shuffle": "weighted",
    "least-busy": "least_busy",
    "latency-based-routing": "latency",
    "usage-based-routing": "usage",
    "usage-based-routing-v2": "usage",
    "cost-based-routing": "cost",
}
_ROUTING = ("num_retries", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "default_fallbacks")
_ROUTER = {
    **{key: key for key in (*_ROUTING, "timeout", "stream_timeout", "allowed_fails", "cooldown_time", "max_fallbacks")},
    "routing_strategy": "strategy",
    "model_group_alias": "aliases",
}
_LITELLM = {
    **{key: key for key in (*_ROUTING, "allowed_fails", "cooldown_time", "max_fallbacks")},
    "request_timeout": "timeout",
}
_REDIS = ("redis_host", "redis_port", "redis_password", "redis_url")
_SIZES = {"max_request_size_mb": "max_body_bytes", "max_response_size_mb": "max_response_bytes"}
_CALLBACKS = ("callbacks", "success_callback", "failure_callback", "input_callback", "service_callback")
_GATE = "Strata authenticates with its master key and virtual keys (docs/litellm.md)"
REFUSED = {
    "guardrails": "LiteLLM guardrails would not run; declare Strata guardrails instead (docs/litellm.md)",
    "include": "the included files would not be read; merge them into this file",
    "litellm_settings.guardrails": "LiteLLM guardrails would not run; declare Strata guardrails instead",
    "litellm_settings.max_budget": "a spend cap Strata would not enforce; give keys or teams a budget instead",
    "router_settings.provider_budget_config": "spend caps Strata would not enforce; give keys or teams a budget",
    "general_settings.custom_auth": f"your own code decides who may call; {_GATE}",
    "general_settings.enable_jwt_auth": f"JWT authentication; {_GATE}",
    "general_settings.allowed_ips": "an IP allow-list Strata would not enforce; put it in front of Strata",
    "general_settings.allowed_routes": "a route allow-list Strata would not enforce; put it in front of Strata",
    "general_settings.enforce_user_param": "calls without `user` would be served; LiteLLM refuses them",
    "general_settings.enforced_params": "calls without these parameters would be served; LiteLLM refuses them",
    "general_settings.global_max_parallel_requests": "a cap on calls in flight; give keys limits.max_concurrent",
    "general_settings.max_parallel_requests": "a cap on calls in flight; give keys limits.max_concurrent",
    "litellm_settings.max_end_user_budget": "a spend cap Strata would not enforce; give keys or teams a budget",
    "litellm_settings.max_internal_user_budget": "a spend cap Strata would not enforce; give keys or teams a budget",
    "litellm_settings.upperbound_key_generate_params": "caps on generated keys; Strata's keys come from its admin API",
}
# Callbacks that mask or refuse content (LiteLLM's proxy hooks): without them, what they stopped
# would reach the model. Logging integrations are only listed as dropped.
CONTENT_HOOKS = frozenset(
    {
        "hide_secrets",
        "presidio",
        "llamaguard_moderations",
        "openai_moderations",
        "google_text_moderation",
        "llmguard_moderations",
        "lakera_prompt_injection",
        "aporia",
        "azure_content_safety",
        "bedrock_guardrails",
        "detect_prompt_injection",
        "secret_detection",
        "banned_keywords",
        "blocked_user_check",
    }
)
REASONS = {
    "litellm_settings.cache": "Strata's response cache is per model: give a model `cache:` (README, Response cache)",
    "litellm_settings.cache_params": "Strata's response cache is per model: give a model `cache:`",
    "general_settings.store_model_in_db": "models come from this file; deployments also through the admin API",
    "general_settings.alerting": "Strata exports no alerts; read its logs and usage API",
    "router_settings.routing_strategy_args": "Strata's strategies take no arguments",
    "router_settings.enable_pre_call_checks": "Strata does not filter deployments by context window",
    "litellm_settings.drop_params": "Strata's litellm provider always drops unsupported parameters",
}
for _key in _CALLBACKS:
    REASONS[f"litellm_settings.{_key}"] = "logging integrations: Strata writes its own logs and usage records"


@dataclass
class RoutingPlan:
    """Routing values for every model: field -> (value, the LiteLLM path it came from)."""

    values: dict[str, tuple[Any, str]] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)  # a value as the LiteLLM file wrote it

    def get(self, name: str) -> Any:
        found = self.values.get(name)
        return None if found is None else found[0]

    def source(self, name: str) -> str:
        value, path = self.values[name]
        if name in self.shown:
            return f"{path}: {self.shown[name]}"
        return f"{path}: {value}" if not isinstance(value, dict | list) else path


def refuse(path: str, value: Any, ctx: Context) -> None:
    """Fail on a setting Strata cannot honour (``value`` set and not false)."""
    if path in REFUSED and value not in (None, False, [], {}):
        ctx.fail(path, f"Strata cannot honour this: {REFUSED[path]}")
    key = path.rsplit(".", 1)[-1]
    if key in _CALLBACKS and path.startswith("litellm_settings."):
        items = value if isinstance(value, list) else [value]
        code = [str(item) for item in items if "." in str(item)]
        if code:
            ctx.fail(path, f"Strata cannot run your Python code ({', '.join(code)}); remove it or move it out")
        hooks = [str(item) for item in items if str(item) in CONTENT_HOOKS]
        if hooks:
            ctx.fail(
                path,
                f"Strata cannot honour {', '.join(hooks)}: what they mask or refuse would reach the model; "
                "declare a Strata guardrail instead (docs/litellm.md)",
            )


def environment_defaults(value: Any, ctx: Context) -> dict[str, str]:
    """``environment_variables``: defaults for ``os.environ/`` references (the environment wins)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        ctx.fail("environment_variables", "must be a mapping of NAME: value")
    defaults = {}
    for name, text in value.items():
        if text is None:
            continue
        if looks_secret(str(name)):
            ctx.fail(f"environment_variables.{name}", f"secrets are never written in the file; export {name}")
        defaults[str(name)] = str(text)
    return defaults


def read_sections(raw: dict[str, Any], ctx: Context) -> tuple[RoutingPlan, dict[str, Any]]:
    """The routing plan and Strata's server settings from the three settings sections."""
    plan = RoutingPlan()
    server: dict[str, Any] = {}
    litellm = _section(raw, "litellm_settings", ctx)
    router = _section(raw, "router_settings", ctx)
    general = _section(raw, "general_settings", ctx)
    for key, value in litellm.items():  # first: router_settings wins where both say
        _litellm_setting(key, value, plan, server, ctx)
    redis: dict[str, Any] = {}
    for key, value in router.items():
        path = f"router_settings.{key}"
        refuse(path, value, ctx)
        if key in _ROUTER:
            plan.values[_ROUTER[key]] = (ctx.ref(value, path), path)
        elif key in _REDIS:
            redis[key] = ctx.ref(value, path, secret=key == "redis_password")
        else:
            ctx.drop(path, REASONS.get(path))
    if redis:
        server["redis_url"] = _redis_url(redis)
        ctx.note("settings.redis_url", "router_settings." + ", ".join(key for key in redis if key != "redis_password"))
        if redis.get("redis_password") and not redis.get("redis_url"):
            server["redis_password"] = redis["redis_password"]  # escaped into the URL by the settings
            ctx.note("settings.redis_password", "router_settings.redis_password")
    for key, value in general.items():
        path = f"general_settings.{key}"
        refuse(path, value, ctx)
        if key in ("master_key", "database_url"):
            server[key] = ctx.ref(value, path, secret=key == "master_key")
            ctx.note(f"settings.{key}", path)
        elif key in _SIZES and value is not None:
            server[_SIZES[key]] = _megabytes(ctx.ref(value, path), path, ctx)
            ctx.note(f"settings.{_SIZES[key]}", f"{path}: {value}")
        else:
            ctx.drop(path, REASONS.get(path))
    _check(plan, ctx)
    return plan, server


def _section(raw: dict[str, Any], name: str, ctx: Context) -> dict[str, Any]:
    value = raw.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        ctx.fail(name, "must be a mapping")
    return value


def _litellm_setting(key: str, value: Any, plan: RoutingPlan, server: dict[str, Any], ctx: Context) -> None:
    path = f"litellm_settings.{key}"
    refuse(path, value, ctx)
    if key in _LITELLM:
        plan.values[_LITELLM[key]] = (ctx.ref(value, path), path)
    elif key == "set_verbose" and value:
        server["log_level"] = "debug"
        ctx.note("settings.log_level", f"{path}: {value}")
    elif key == "json_logs" and isinstance(value, bool):
        server["log_format"] = "json" if value else "text"
        ctx.note("settings.log_format", f"{path}: {value}")
    elif key == "drop_params" and value:
        pass  # what Strata's litellm provider always does; the direct provider sends what callers send
    elif key != "set_verbose":
        ctx.drop(path, REASONS.get(path))


def _megabytes(value: Any, path: str, ctx: Context) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        ctx.fail(path, "must be a number of megabytes greater than 0")
    return int(value * 1024 * 1024)


def _redis_url(parts: dict[str, Any]) -> str:
    """The URL without the password, which goes apart (a reference, resolved and escaped later)."""
    if parts.get("redis_url"):
        return str(parts["redis_url"])
    return f"redis://{parts.get('redis_host') or '127.0.0.1'}:{parts.get('redis_port') or 6379}"


def _check(plan: RoutingPlan, ctx: Context) -> None:
    """Values whose range Strata's schema would reject with a path the user never wrote."""
    strategy, path = plan.values.get("strategy", (None, ""))
    if strategy is not None:
        if strategy not in STRATEGIES:
            ctx.fail(path, f"{strategy!r} has no Strata counterpart; use one of {', '.join(STRATEGIES)}")
        plan.values["strategy"] = (STRATEGIES[strategy], path)
        plan.shown["strategy"] = strategy
    retries, path = plan.values.get("num_retries", (None, ""))
    if retries is not None and not (isinstance(retries, int) and 0 <= retries <= 19):
        ctx.fail(path, "must be a whole number from 0 to 19 (Strata makes at most 20 attempts)")
    fails, path = plan.values.get("allowed_fails", (None, ""))
    if fails is not None and not (isinstance(fails, int) and fails >= 0):
        ctx.fail(path, "must be a whole number, 0 or more")
    cooldown, path = plan.values.get("cooldown_time", (None, ""))
    if cooldown is not None and not (isinstance(cooldown, int | float) and cooldown > 0):
        ctx.fail(path, "must be a number of seconds greater than 0")
