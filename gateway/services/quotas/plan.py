"""Which limits apply to a call, and what the call is expected to take from each.

Scopes, most specific first (the first refusal names the most specific scope):
one key on one model, the key, its team, then the model (for everyone). A prompt-routed call
also counts against the model the router chose. Estimates size the reservation; settlement replaces
them with the real counts. The quota stage counts the prompt with the model's own tokenizer where
it has one (service.py); characters / 4 is the fallback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gateway.schemas.limits import NO_LIMITS, Limits
from gateway.services.context import Principal
from gateway.services.quotas.base import (
    BUDGET_DAY,
    BUDGET_MONTH,
    CONCURRENT,
    MAX_AMOUNT,
    MINUTE_TTL_S,
    RPM,
    TPM,
    Check,
    Scope,
    day_window,
    minute_window,
    month_window,
)
from providers.canonical import ChatCompletionRequest, EmbeddingRequest

_DAY_S = 86_400
MESSAGE_OVERHEAD_TOKENS = 3  # OpenAI's per-message framing; keeps tiny prompts from estimating 0


def active(limits: Limits) -> bool:
    """Any limit set? (Not ``Limits.empty``: that dumps the model, too slow for every call.)"""
    if limits is NO_LIMITS:
        return False
    return (
        limits.rpm is not None
        or limits.tpm is not None
        or limits.max_concurrent is not None
        or limits.budget_usd_day is not None
        or limits.budget_usd_month is not None
    )


def principal_scopes(principal: Principal, models: Iterable[str]) -> list[Scope]:
    """The caller's own scopes: key-and-model, key, team."""
    scopes: list[Scope] = []
    key = principal.key_id
    if principal.model_limits:
        for name in models:
            limits = principal.model_limits.get(name)
            if limits is not None and active(limits):
                scopes.append(Scope(f"key:{key}|model:{name}", f"key {key} on model {name}", limits))
    if active(principal.limits):
        scopes.append(Scope(f"key:{key}", f"key {key}", principal.limits))
    if principal.team_id is not None and active(principal.team_limits):
        team = principal.team_id
        scopes.append(Scope(f"team:{team}", f"team {team}", principal.team_limits))
    return scopes


def model_scope(name: str, limits: Limits) -> Scope | None:
    return Scope(f"model:{name}", f"model {name}", limits) if active(limits) else None


def needs(scopes: Sequence[Scope]) -> tuple[bool, bool]:
    """(tokens, cost): whether any scope limits tokens or spend, so estimates are made only then."""
    tokens = cost = False
    for scope in scopes:
        limits = scope.limits
        cost = cost or limits.budget_usd_day is not None or limits.budget_usd_month is not None
        tokens = tokens or cost or limits.tpm is not None
    return tokens, cost


def build_checks(scopes: Sequence[Scope], now: float, tokens: int, cost_micros: int, lease_s: int) -> tuple[Check, ...]:
    checks: list[Check] = []
    minute: tuple[str, float] | None = None
    for scope in scopes:
        limits = scope.limits
        if limits.rpm is not None or limits.tpm is not None:
            window, ends = minute = minute or minute_window(now)
            if limits.rpm is not None:
                checks.append(Check(scope, RPM, window, limits.rpm, 1, MINUTE_TTL_S, ends))
            if limits.tpm is not None:
                checks.append(Check(scope, TPM, window, limits.tpm, tokens, MINUTE_TTL_S, ends))
        if limits.max_concurrent is not None:
            checks.append(Check(scope, CONCURRENT, "", limits.max_concurrent, 1, lease_s, now + 1.0))
        if limits.budget_usd_day is not None:
            window, ends = day_window(now)
            budget = round(limits.budget_usd_day * 1_000_000)
            checks.append(Check(scope, BUDGET_DAY, window, budget, cost_micros, int(ends - now) + _DAY_S, ends))
        if limits.budget_usd_month is not None:
            window, ends = month_window(now)
            budget = round(limits.budget_usd_month * 1_000_000)
            checks.append(Check(scope, BUDGET_MONTH, window, budget, cost_micros, int(ends - now) + _DAY_S, ends))
    return tuple(checks)


def prompt_estimate(request: ChatCompletionRequest) -> int:
    """Prompt tokens by characters (about 4 a token in English): for when no tokenizer is at hand."""
    chars = sum(len(message.text()) for message in request.messages)
    return chars // 4 + MESSAGE_OVERHEAD_TOKENS * len(request.messages)


def output_estimate(request: ChatCompletionRequest, default: int) -> int:
    """Reply tokens to reserve: the caller's cap (times ``n``), which the reply cannot pass; without
    one, the model's ``estimated_output_tokens``, which a long reply may pass (then the overrun is
    counted at settlement: see README, Limits and budgets, for the worst case)."""
    return min((request.output_limit() or default) * (request.n or 1), MAX_AMOUNT)


def chat_estimate(request: ChatCompletionRequest, default_output: int = 0) -> tuple[int, int]:
    """(prompt, completion) tokens by characters, for a deployment's own tpm accounting."""
    return prompt_estimate(request), output_estimate(request, default_output)


def embeddings_estimate(request: EmbeddingRequest) -> int:
    given = request.input
    if isinstance(given, str):
        return len(given) // 4 + 1
    tokens = 0
    for item in given:
        if isinstance(item, str):
            tokens += len(item) // 4 + 1
        elif isinstance(item, list):
            tokens += len(item)
        else:
            tokens += 1  # one token id
    return tokens
