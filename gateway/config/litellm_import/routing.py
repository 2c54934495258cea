"""Each pool's routing from LiteLLM's router settings: strategy, retries, cooldowns, fallbacks, aliases."""

from __future__ import annotations

from typing import Any

from gateway.config.litellm_import.context import Context
from gateway.config.litellm_import.models import Pools, weigh_by_limits
from gateway.config.litellm_import.sections import RoutingPlan

FALLBACK_KINDS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")
DEFAULT_DEADLINE_S = 600.0  # Routing.deadline_s's default
DEFAULT_MAX_FALLBACKS = 5  # LiteLLM's: how many levels of fallbacks of fallbacks are tried


def build_models(pools: Pools, plan: RoutingPlan, ctx: Context) -> dict[str, dict[str, Any]]:
    """The native ``models:`` mapping, one entry per model_name, in the order the file names them."""
    names = list(pools.models)
    chains = {kind: _fallbacks(kind, plan, names, ctx) for kind in FALLBACK_KINDS}
    for name, targets in _default_fallbacks(plan, names, ctx).items():
        chain = chains["fallbacks"].setdefault(name, [])
        chain += [t for t in targets if t not in chain]
    depth = _max_fallbacks(plan, ctx)
    chains = {kind: _followed(chain, depth) for kind, chain in chains.items()}
    aliases = _aliases(plan, names, ctx)
    models: dict[str, dict[str, Any]] = {}
    for name, deployments in pools.models.items():
        entry: dict[str, Any] = {"deployments": deployments}
        routing = _routing(name, pools, plan, ctx)
        for kind in FALLBACK_KINDS:
            if chains[kind].get(name):
                routing[kind] = chains[kind][name]
                ctx.note(f"models.{name}.routing.{kind}", _fallback_source(kind, plan))
        if routing:
            entry["routing"] = routing
        if aliases.get(name):
            entry["aliases"] = aliases[name]
            ctx.note(f"models.{name}.aliases", "router_settings.model_group_alias")
        models[name] = entry
    return models


def _fallback_source(kind: str, plan: RoutingPlan) -> str:
    kinds = [kind, "default_fallbacks"] if kind == "fallbacks" else [kind]
    return " and ".join(plan.values[k][1] for k in kinds if k in plan.values)


def _routing(name: str, pools: Pools, plan: RoutingPlan, ctx: Context) -> dict[str, Any]:
    prefix, deployments = f"models.{name}.routing", pools.models[name]
    routing: dict[str, Any] = {}
    if name in pools.ordered:
        routing["strategy"] = "priority"
        ctx.note(f"{prefix}.strategy", "litellm_params.order: the lowest order is tried first")
    elif plan.get("strategy") is not None:
        routing["strategy"] = plan.get("strategy")
        ctx.note(f"{prefix}.strategy", plan.source("strategy"))
    if routing.get("strategy", "weighted") == "weighted":
        used = weigh_by_limits(deployments)
        if used:
            for i in range(len(deployments)):
                ctx.note(f"models.{name}.deployments[{i}].weight", f"simple-shuffle weighs deployments by {used}")
    retries: dict[str, Any] = {}
    if plan.get("num_retries") is not None:
        retries["attempts"] = plan.get("num_retries") + 1
        ctx.note(f"{prefix}.retries.attempts", f"{plan.source('num_retries')} (retries after the first attempt)")
    elif name in pools.max_retries:
        retries["attempts"] = min(pools.max_retries[name] + 1, 20)
        ctx.note(f"{prefix}.retries.attempts", "litellm_params.max_retries (retries after the first attempt)")
    if retries:
        routing["retries"] = retries
    circuit = _circuit(plan, prefix, ctx)
    if circuit:
        routing["circuit"] = circuit
    longest = max((_number(d.get("timeouts", {}).get("total")) for d in deployments), default=0.0)
    if longest > DEFAULT_DEADLINE_S:
        routing["deadline_s"] = longest
        ctx.note(f"{prefix}.deadline_s", "the longest timeout of the pool (Strata's default is 600 s)")
    return routing


def _circuit(plan: RoutingPlan, prefix: str, ctx: Context) -> dict[str, Any]:
    """LiteLLM cools a deployment down when it fails more than ``allowed_fails`` times (in a
    minute); Strata's breaker opens after that many consecutive failures plus one."""
    circuit: dict[str, Any] = {}
    if plan.get("allowed_fails") is not None:
        circuit["consecutive_failures"] = plan.get("allowed_fails") + 1
        ctx.note(f"{prefix}.circuit.consecutive_failures", f"{plan.source('allowed_fails')}, plus one")
    if plan.get("cooldown_time") is not None:
        circuit["cooldown_s"] = plan.get("cooldown_time")
        ctx.note(f"{prefix}.circuit.cooldown_s", plan.source("cooldown_time"))
    return circuit


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _max_fallbacks(plan: RoutingPlan, ctx: Context) -> int:
    value = plan.get("max_fallbacks")
    if value is None:
        return DEFAULT_MAX_FALLBACKS
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        ctx.fail(plan.values["max_fallbacks"][1], "must be a whole number, 1 or more")
    return int(value)


def _followed(chains: dict[str, list[str]], depth: int) -> dict[str, list[str]]:
    """Each model's chain with its fallbacks' own fallbacks after each of them, as LiteLLM tries
    them (a fallback that fails falls back in turn, ``max_fallbacks`` levels deep): Strata tries
    one flat list, so {A: [B]}, {B: [C]} becomes A: [B, C]."""

    def walk(model: str, level: int, seen: list[str]) -> None:
        if level > depth:
            return
        for target in chains.get(model, []):
            if target not in seen:
                seen.append(target)
                walk(target, level + 1, seen)

    followed: dict[str, list[str]] = {}
    for model in chains:
        seen = [model]
        walk(model, 1, seen)
        followed[model] = seen[1:]
    return followed


def _fallbacks(kind: str, plan: RoutingPlan, names: list[str], ctx: Context) -> dict[str, list[str]]:
    """``[{model_name: [fallback, ...]}, ...]`` (``*`` for every model) as each model's chain."""
    value = plan.get(kind)
    if value is None:
        return {}
    path = plan.values[kind][1]
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list):
        ctx.fail(path, "must be a list like [{gpt-4o: [claude-sonnet]}]")
    chains: dict[str, list[str]] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            ctx.fail(f"{path}[{i}]", "each item maps a model_name to its fallbacks, e.g. {gpt-4o: [claude-sonnet]}")
        for source, targets in item.items():
            where = f"{path}[{i}].{source}"
            targets = [targets] if isinstance(targets, str) else targets
            _known(targets, names, where, ctx)
            if source != "*":
                _known([source], names, where, ctx)
            for model in names if source == "*" else [source]:
                chain = chains.setdefault(model, [])
                chain += [t for t in targets if t != model and t not in chain]
    return chains


def _default_fallbacks(plan: RoutingPlan, names: list[str], ctx: Context) -> dict[str, list[str]]:
    value = plan.get("default_fallbacks")
    if value is None:
        return {}
    targets = [value] if isinstance(value, str) else value
    _known(targets, names, plan.values["default_fallbacks"][1], ctx)
    return {model: [t for t in targets if t != model] for model in names}


def _known(targets: Any, names: list[str], where: str, ctx: Context) -> None:
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        ctx.fail(where, "fallbacks are model_names")
    for target in targets:
        if target not in names:
            ctx.fail(where, f"no model_name {target!r} in model_list")


def _aliases(plan: RoutingPlan, names: list[str], ctx: Context) -> dict[str, list[str]]:
    """``model_group_alias``: ``{alias: model_name}`` or ``{alias: {model: model_name, hidden: ...}}``."""
    value = plan.get("aliases")
    if value is None:
        return {}
    path = plan.values["aliases"][1]
    if not isinstance(value, dict):
        ctx.fail(path, "must map each alias to a model_name")
    found: dict[str, list[str]] = {}
    for alias, target in value.items():
        group = target.get("model") if isinstance(target, dict) else target
        if group not in names:
            ctx.fail(f"{path}.{alias}", f"no model_name {group!r} in model_list")
        if alias in names:
            ctx.fail(f"{path}.{alias}", f"{alias!r} is also a model_name")
        found.setdefault(str(group), []).append(str(alias))
    return found
