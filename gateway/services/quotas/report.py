"""What a caller is told: rate-limit headers, and the 429 that names the limit it hit.

Headers follow OpenAI's names (``x-ratelimit-limit-requests`` ...), so clients written for
OpenAI read them as they are, and describe the tightest scope: the one with the fewest requests
(or tokens) left this minute. A refusal names the limit that keeps the caller waiting longest
(a spent daily budget matters more than a minute's rate), with a Retry-After to match.
"""

from __future__ import annotations

import math
from decimal import Decimal

from gateway.errors import RateLimited
from gateway.services.quotas.base import (
    BUDGET_DAY,
    BUDGET_MONTH,
    CONCURRENT,
    MICROS_PER_USD,
    RPM,
    TPM,
    Check,
    Decision,
    admits,
)


def rate_limit_headers(checks: tuple[Check, ...], decision: Decision, now: float) -> dict[str, str] | None:
    """Headers for the tightest rpm and tpm scopes; None when neither kind of limit applies.

    Written for speed (it runs on every limited call): one pass, no intermediate containers."""
    granted = decision.refused < 0
    requests: Check | None = None
    tokens: Check | None = None
    left_requests = left_tokens = 0
    for check, used in zip(checks, decision.used, strict=True):
        kind = check.kind
        if kind != RPM and kind != TPM:
            continue
        left = check.limit - used - check.amount if granted else check.limit - used
        left = left if left > 0 else 0
        if kind == RPM:
            if requests is None or (left, check.limit) < (left_requests, requests.limit):
                requests, left_requests = check, left
        elif tokens is None or (left, check.limit) < (left_tokens, tokens.limit):
            tokens, left_tokens = check, left
    headers: dict[str, str] = {}
    if requests is not None:
        headers["x-ratelimit-limit-requests"] = str(requests.limit)
        headers["x-ratelimit-remaining-requests"] = str(left_requests)
        headers["x-ratelimit-reset-requests"] = duration(requests.resets_at - now)
    if tokens is not None:
        headers["x-ratelimit-limit-tokens"] = str(tokens.limit)
        headers["x-ratelimit-remaining-tokens"] = str(left_tokens)
        headers["x-ratelimit-reset-tokens"] = duration(tokens.resets_at - now)
    return headers or None


def duration(seconds: float) -> str:
    """OpenAI's (Go's) duration style: ``250ms``, ``12.5s``, ``1m3s``."""
    if seconds < 1:
        return f"{math.ceil(seconds * 1000) if seconds > 0 else 0}ms"
    if seconds < 59.9995:
        return f"{round(seconds, 3):g}s"
    minutes, rest = divmod(math.ceil(seconds), 60)
    return f"{minutes}m{rest}s"


def refused(checks: tuple[Check, ...], decision: Decision) -> tuple[Check, int]:
    """The limit a refused take is told about (the failing check that frees up last), and its use."""
    failing = [
        (check, used)
        for check, used in zip(checks, decision.used, strict=True)
        if not admits(used, check.amount, check.limit)
    ]
    if not failing:  # the store saw a fuller window than its reported usage shows; trust the store
        failing = [(checks[decision.refused], decision.used[decision.refused])]
    return max(failing, key=lambda pair: pair[0].resets_at)


def scope_kind(check: Check) -> str:
    """What kind of scope a limit belongs to, for metrics: key, team, model or key_model."""
    ident = check.scope.ident
    return "key_model" if "|" in ident else ident.partition(":")[0]


def refusal(checks: tuple[Check, ...], decision: Decision, now: float) -> RateLimited:
    """The 429 for a refused take: the failing check that frees up last, in words."""
    check, used = refused(checks, decision)
    wait = 1.0 if check.kind == CONCURRENT else max(1.0, check.resets_at - now)
    code = "insufficient_quota" if check.kind in (BUDGET_DAY, BUDGET_MONTH) else "rate_limit_exceeded"
    return RateLimited(describe(check, used, wait), code=code, retry_after=wait)


def describe(check: Check, used: int, wait: float) -> str:
    label, limit = check.scope.label, check.limit
    again = f"Try again in {math.ceil(wait)} s."
    if check.kind == RPM:
        return f"Rate limit reached for {label}: {limit} requests per minute. {again}"
    if check.kind == TPM:
        return (
            f"Rate limit reached for {label}: {limit} tokens per minute "
            f"(used {used}, requested {check.amount}). {again}"
        )
    if check.kind == CONCURRENT:
        return f"Concurrency limit reached for {label}: {limit} requests at a time. {again}"
    period = "day (UTC)" if check.kind == BUDGET_DAY else "month (UTC)"
    return (
        f"Budget reached for {label}: {usd(limit)} USD per {period}; {usd(used)} USD spent or reserved "
        f"(this request needs up to {usd(check.amount)}). {again}"
    )


def usd(micros: int) -> str:
    value = Decimal(micros) / MICROS_PER_USD
    return f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"
