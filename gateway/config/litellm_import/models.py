"""LiteLLM's ``model_list`` as Strata deployments, pooled by ``model_name``.

``openai/``, ``azure/`` and ``hosted_vllm/`` models (and a bare OpenAI model name such as
``gpt-4o``, which LiteLLM sends to OpenAI) go to Strata's direct OpenAI-compatible provider, the
fast path; a deployment with parameters that provider cannot express (default request parameters
such as ``temperature``, Azure AD credentials...) and every other vendor go to the litellm
provider, with their parameters as they are, so that they behave as they did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gateway.config.litellm_import.context import Context, is_secret

AZURE_DEFAULT_API_VERSION = "2025-02-01-preview"  # LiteLLM's own default when none is given
DIRECT_ROUTES = ("openai", "azure", "hosted_vllm")
_OPENAI_BARE = re.compile(
    r"(gpt-|chatgpt-|o[1-9]|text-embedding-|davinci|babbage|omni-moderation|text-moderation|ft:gpt)"
)
# Parameters every deployment has in Strata (DeploymentBase), whatever its provider.
_COMMON = frozenset(
    {
        "rpm",
        "tpm",
        "timeout",
        "stream_timeout",
        "max_retries",
        "weight",
        "order",
        "max_parallel_requests",
        "input_cost_per_token",
        "output_cost_per_token",
    }
)
_DIRECT = frozenset({"model", "api_base", "api_key", "api_version", "organization", "headers", "extra_headers"})
_IGNORED = {"tags": "tag-based routing has no Strata counterpart"}
_INFO = frozenset({"id", "mode", "supports_vision", "supports_function_calling"}) | {
    "input_cost_per_token",
    "output_cost_per_token",
}
_SERVED_MODES = ("chat", "completion", "embedding", "responses")


@dataclass(frozen=True)
class Defaults:
    """Per-deployment values set once for all (router_settings / litellm_settings)."""

    timeout: Any = None
    stream_timeout: Any = None
    timeout_from: str = ""  # the LiteLLM path each came from, for the printed file
    stream_timeout_from: str = ""


@dataclass
class Pools:
    models: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    max_retries: dict[str, int] = field(default_factory=dict)  # the largest deployment max_retries per model
    ordered: set[str] = field(default_factory=set)  # models whose deployments have an `order`


Credentials = dict[str, tuple[dict[str, Any], str]]  # credential_name -> (values, their path)


def credential_list(value: Any, ctx: Context) -> Credentials:
    """LiteLLM's named credentials, which deployments name with ``litellm_credential_name``."""
    if value is None:
        return {}
    if not isinstance(value, list):
        ctx.fail("credential_list", "must be a list of {credential_name, credential_values}")
    found: Credentials = {}
    for i, item in enumerate(value):
        path = f"credential_list[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("credential_values"), dict):
            ctx.fail(path, "needs credential_name and credential_values")
        found[str(item.get("credential_name"))] = (item["credential_values"], f"{path}.credential_values")
        if item.get("credential_info"):
            ctx.drop(f"{path}.credential_info")
    return found


def translate_model_list(value: Any, ctx: Context, defaults: Defaults, credentials: Credentials) -> Pools:
    if not isinstance(value, list) or not value:
        ctx.fail("model_list", "a LiteLLM config needs a list of at least one model")
    pools = Pools()
    for i, entry in enumerate(value):
        if isinstance(entry, dict) and "*" in str(entry.get("model_name", "")):
            ctx.drop(f"model_list[{i}]", "wildcard model names have no Strata counterpart: list each model")
            continue
        name, deployment, max_retries, ordered = _entry(entry, i, ctx, defaults, credentials)
        pool = pools.models.setdefault(name, [])
        ctx.origins[f"models.{name}.deployments[{len(pool)}]"] = f"model_list[{i}]"
        ctx.note(f"models.{name}.deployments[{len(pool)}]", f"model_list[{i}]: {_describe(entry, deployment)}")
        pool.append(deployment)
        _note_defaults(entry, f"models.{name}.deployments[{len(pool) - 1}]", defaults, ctx)
        if max_retries is not None:
            pools.max_retries[name] = max(max_retries, pools.max_retries.get(name, 0))
        if ordered:
            pools.ordered.add(name)
    if not pools.models:
        ctx.fail("model_list", "no model Strata can serve (wildcard model names are not served)")
    return pools


def _note_defaults(entry: dict[str, Any], path: str, defaults: Defaults, ctx: Context) -> None:
    params = entry["litellm_params"]
    if defaults.timeout is not None and "timeout" not in params:
        ctx.note(f"{path}.timeouts.total", defaults.timeout_from)
    if defaults.stream_timeout is not None and "stream_timeout" not in params:
        ctx.note(f"{path}.timeouts.first_byte", defaults.stream_timeout_from)


def _describe(entry: dict[str, Any], deployment: dict[str, Any]) -> str:
    """What the deployment became, for the printed file."""
    params = entry["litellm_params"]
    model = str(params["model"])
    route, _ = classify(params)
    if deployment["provider"] == "litellm":
        if route == "litellm":
            return f"{model}, through litellm"
        extra = sorted(
            set(params) - _DIRECT - _COMMON - set(_IGNORED) - {"custom_llm_provider", "litellm_credential_name"}
        )
        return f"{model}, through litellm (the direct provider cannot send {', '.join(extra)})"
    if route == "azure":
        return f"{model}: Azure OpenAI (deployment URL, api-version, api-key header), called directly"
    return f"{model}: OpenAI-compatible, called directly"


def _entry(
    entry: Any, i: int, ctx: Context, defaults: Defaults, credentials: Credentials
) -> tuple[str, dict[str, Any], int | None, bool]:
    path = f"model_list[{i}]"
    if not isinstance(entry, dict):
        ctx.fail(path, "each entry is a mapping with model_name and litellm_params")
    name = entry.get("model_name")
    if not isinstance(name, str) or not name.strip():
        ctx.fail(f"{path}.model_name", "every entry needs a model_name (the name callers use)")
    raw = entry.get("litellm_params")
    if not isinstance(raw, dict) or not isinstance(raw.get("model"), str) or not raw["model"]:
        ctx.fail(f"{path}.litellm_params.model", "every entry needs litellm_params with a model")
    for key in entry:
        if key not in ("model_name", "litellm_params", "model_info", "rpm", "tpm"):
            ctx.drop(f"{path}.{key}")
    params = _params(raw, path, ctx, credentials)
    for key in ("rpm", "tpm"):  # older configs put them beside litellm_params
        if key in entry and key not in params:
            params[key] = entry[key]
    info = entry.get("model_info") or {}
    if not isinstance(info, dict):
        ctx.fail(f"{path}.model_info", "must be a mapping")
    deployment = _deployment(params, info, path, ctx)
    deployment.update(_common(params, info, ctx, path, defaults))
    retries = params.get("max_retries")
    return name, deployment, retries if isinstance(retries, int) else None, "order" in params


def _params(raw: dict[str, Any], path: str, ctx: Context, credentials: Credentials) -> dict[str, Any]:
    """litellm_params with references converted, a named credential's values underneath."""
    values: dict[str, Any] = {}
    name = raw.get("litellm_credential_name")
    if name is not None:
        if name not in credentials:
            ctx.fail(f"{path}.litellm_params.litellm_credential_name", f"no credential {name!r} in credential_list")
        found, found_path = credentials[name]
        for key, value in found.items():
            values[key] = ctx.ref(value, f"{found_path}.{key}", is_secret(key))
    for key, value in raw.items():
        if key == "litellm_credential_name":
            continue
        if key in _IGNORED:
            ctx.drop(f"{path}.litellm_params.{key}", _IGNORED[key])
            continue
        values[key] = ctx.ref(value, f"{path}.litellm_params.{key}", is_secret(key))
    return values


def classify(params: dict[str, Any]) -> tuple[str, str]:
    """(route, upstream model): route is one of DIRECT_ROUTES or "litellm"."""
    model = str(params["model"])
    custom = params.get("custom_llm_provider")
    if custom is not None:
        return (custom, model) if custom in DIRECT_ROUTES else ("litellm", model)
    prefix, slash, rest = model.partition("/")
    if slash and prefix in DIRECT_ROUTES and rest:
        return prefix, rest
    if not slash and _OPENAI_BARE.match(model):
        return "openai", model
    return "litellm", model


def _deployment(params: dict[str, Any], info: dict[str, Any], path: str, ctx: Context) -> dict[str, Any]:
    route, upstream = classify(params)
    extra = sorted(set(params) - _DIRECT - _COMMON - {"custom_llm_provider"})
    if route != "litellm" and extra:
        route = "litellm"  # the direct provider cannot send these: litellm does, as LiteLLM did
    if route == "litellm":
        return _litellm(params, path)
    deployment: dict[str, Any] = {"provider": "openai", "model": upstream}
    headers = {"OpenAI-Organization": params["organization"]} if params.get("organization") else {}
    for key in ("headers", "extra_headers"):
        headers.update(params.get(key) or {})
    if route == "azure":
        deployment.update(_azure(params, upstream, path, ctx))
        headers.update(deployment.pop("headers"))
    else:
        deployment.update(_openai(route, params, path, ctx))
    if headers:
        deployment["headers"] = headers
    return deployment


def _openai(route: str, params: dict[str, Any], path: str, ctx: Context) -> dict[str, Any]:
    out: dict[str, Any] = {}
    base, key = params.get("api_base"), params.get("api_key")
    if route == "hosted_vllm":
        out["api_base"] = base or ctx.require("HOSTED_VLLM_API_BASE", f"{path}.litellm_params (no api_base)")
        out["api_key"] = key or "${HOSTED_VLLM_API_KEY:-}"
        return out
    if base:
        out["api_base"] = base
    if key:
        out["api_key"] = key
    elif not base:  # OpenAI itself: LiteLLM reads OPENAI_API_KEY (never sent to another api_base)
        out["api_key"] = ctx.require("OPENAI_API_KEY", f"{path}.litellm_params (no api_key)")
    if params.get("api_version"):
        ctx.drop(f"{path}.litellm_params.api_version", "only Azure deployments send an api-version")
    return out


def _azure(params: dict[str, Any], deployment: str, path: str, ctx: Context) -> dict[str, Any]:
    """Azure OpenAI: the deployment's URL, its api-version, and the key in an ``api-key`` header."""
    base = params.get("api_base") or ctx.require("AZURE_API_BASE", f"{path}.litellm_params (no api_base)")
    key = params.get("api_key") or ctx.require("AZURE_API_KEY", f"{path}.litellm_params (no api_key)")
    version = params.get("api_version")
    if version is None:
        version = f"${{AZURE_API_VERSION:-{ctx.env_defaults.get('AZURE_API_VERSION', AZURE_DEFAULT_API_VERSION)}}}"
        ctx.used_defaults.add("AZURE_API_VERSION")
    version = str(version)
    v1 = version in ("v1", "latest", "preview")  # Azure's v1 API: no deployment in the path
    if "/openai/" in f"{base}/":
        url = str(base)
    else:
        url = str(base).rstrip("/") + ("/openai/v1" if v1 else f"/openai/deployments/{deployment}")
    out: dict[str, Any] = {"api_base": url, "headers": {"api-key": key}}
    if version not in ("v1", "latest"):
        out["query_params"] = {"api-version": version}
    return out


def _litellm(params: dict[str, Any], path: str) -> dict[str, Any]:
    out: dict[str, Any] = {"provider": "litellm", "model": params["model"]}
    for key in ("api_base", "api_key"):
        if params.get(key) is not None:
            out[key] = params[key]
    rest = {k: v for k, v in params.items() if k not in _COMMON and k not in ("model", "api_base", "api_key")}
    if rest:
        out["params"] = rest
    return out


def _common(
    params: dict[str, Any], info: dict[str, Any], ctx: Context, path: str, defaults: Defaults
) -> dict[str, Any]:
    """The fields every Strata deployment has: id, limits, weight, timeouts, prices, capabilities."""
    out: dict[str, Any] = {}
    if info.get("id") is not None:
        out["id"] = str(info["id"])
    for source, target in (("rpm", "rpm"), ("tpm", "tpm"), ("max_parallel_requests", "max_concurrency")):
        if params.get(source) is not None:
            out[target] = params[source]
    if params.get("weight") is not None:
        out["weight"] = params["weight"]
    if params.get("order") is not None:
        out["priority"] = params["order"]
    timeouts = _timeouts(params, defaults)
    if timeouts:
        out["timeouts"] = timeouts
    prices = ("input_cost_per_token", "output_cost_per_token")
    pricing = {k: v for k in prices if (v := params.get(k, info.get(k))) is not None}
    if pricing:
        out["pricing"] = pricing
    out.update(_capabilities(params, info, ctx, path))
    return out


def _timeouts(params: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    """LiteLLM's ``timeout`` bounds a whole call (total; the read gap too when it is longer than
    Strata's default of 120 s); ``stream_timeout`` is the wait for a stream's first chunk."""
    timeouts: dict[str, Any] = {}
    total = params.get("timeout", defaults.timeout)
    if total is not None:
        timeouts["total"] = total
        if isinstance(total, int | float) and total > 120:
            timeouts["read"] = total
    stream = params.get("stream_timeout", defaults.stream_timeout)
    if stream is not None:
        timeouts["first_byte"] = stream
    return timeouts


def _capabilities(params: dict[str, Any], info: dict[str, Any], ctx: Context, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    mode = info.get("mode")
    if mode is not None and mode not in _SERVED_MODES:
        ctx.drop(f"{path}.model_info.mode", f"Strata serves chat and embeddings, not {mode}")
    if mode == "embedding" or (mode is None and "embed" in str(params["model"]).lower()):
        out["embeddings"] = True
    if info.get("supports_vision", True) is not False:
        out["vision"] = True  # LiteLLM passes images on and lets the upstream answer; so does Strata
    if info.get("supports_function_calling") is False:
        out["tools"] = False
    for key in info:
        if key not in _INFO:
            ctx.drop(f"{path}.model_info.{key}")
    return out


def weigh_by_limits(deployments: list[dict[str, Any]]) -> str | None:
    """LiteLLM's simple-shuffle weighs deployments by ``weight``, else by rpm, else by tpm: with
    no weights given, copy the limit every deployment of the pool has. Returns which was used."""
    if any("weight" in d for d in deployments) or len(deployments) < 2:
        return None
    for key in ("rpm", "tpm"):
        if all(isinstance(d.get(key), int | float) for d in deployments):
            for d in deployments:
                d["weight"] = d[key]
            return key
    return None
