"""What do guardrails cost a request? The same gateway, the same run, with and without them.

One `strata serve` subprocess (one worker, access log on) over the fake upstream, with three public
models on the same upstream: ``plain`` (no guardrail), ``patterns`` (words + the managed profanity
list, every pattern PII type, named regexes) and ``semantic`` (denied topics + the six content
filters, embedded with all-MiniLM-L6-v2 on CPU through the local-model scheduler). The prompt is a
2 KB business e-mail that passes every policy, so each guarded call is checked in full on input and
on output and then goes to the model.

- patterns: p50 / p99 at concurrency 1, ``plain`` and ``patterns`` in alternating rounds.
- semantic: requests/s at concurrency 32, ``plain`` beside ``semantic``, for an upstream that
  answers at once (the gateway alone: the worst case for the ratio) and for upstreams that take
  as long as real models do; with the 2 KB prompt and with a short chat prompt.

    .venv/bin/python bench/guardrails_overhead.py [--seconds 5] [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402
import yaml  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, cpu_seconds, strata_process  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

EMAIL = (
    "Hello team, thanks for the quick turnaround on the quarterly planning notes. Before Thursday's "
    "review I would like us to agree on three things. First, the migration of the reporting jobs to "
    "the new scheduler is now expected in week 32; the vendor confirmed version 4.2.1 fixes the "
    "time-zone bug we hit in March, so we can drop the workaround. Second, the budget line for the "
    "design contractors went from 18,400 to 21,950 after the scope change on 12/03/2026, and finance "
    "asked for a short note explaining why. Order 4411-2093-7765 and invoice INV-2026-0457 cover the "
    "extra work. Third, the support rota: Priya takes the first two weeks, Marco the next two, and we "
    "revisit after the holidays. Please also read the attached summary of customer feedback. Most "
    "comments are about the onboarding flow being too long; a few mention the export to "
    "spreadsheets timing out for large accounts, which matches what the on-call saw last month. "
    "The conversion rate dropped from 3.4% to 2.9% over the quarter, and the new trial length "
    "seems to help a little. I suggest we run the shorter flow as an experiment for six weeks with "
    "half of new sign-ups. If you have concerns about any of this, reply before Wednesday noon so we "
    "can update the agenda. Room 5B is booked from 10:00 to 11:30. A few smaller items: the staging "
    "cluster moves to the new region next month, so expect a short freeze on deployments around the "
    "15th; the design review for the billing page slipped by a week; and the team lunch is on Friday "
    "at 12:30, with a vegetarian option this time. Ticket volume went down by about 8% after the help "
    "centre articles were rewritten, which is encouraging, and the average first response time is now "
    "under four hours. Thanks again to everyone who covered the weekend shifts, and welcome to the two new "
    "engineers who joined the platform group this week; please do say hello to both of them. Could you summarise "
    "this e-mail in five bullet points, keeping the dates and figures, and suggest a clear subject line?"
)
SHORT = "Could you suggest a name for a small bakery that sells sourdough bread and cinnamon buns?"
PATTERN_TYPES = (
    "EMAIL",
    "PHONE",
    "CREDIT_DEBIT_CARD_NUMBER",
    "CREDIT_DEBIT_CARD_CVV",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "US_SOCIAL_SECURITY_NUMBER",
    "US_BANK_ACCOUNT_NUMBER",
    "US_BANK_ROUTING_NUMBER",
    "US_PASSPORT_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
    "SWIFT_CODE",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "URL",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "PASSWORD",
    "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
    "CA_SOCIAL_INSURANCE_NUMBER",
    "CA_HEALTH_NUMBER",
)
PATTERNS = {
    "blockedInputMessaging": "Blocked.",
    "blockedOutputsMessaging": "Withheld.",
    "wordPolicyConfig": {
        "wordsConfig": [{"text": w} for w in ("project nightingale", "codename orca", "blue harbor", "zeta leak")],
        "managedWordListsConfig": [{"type": "PROFANITY"}],
    },
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [
            {"type": t, "action": "BLOCK" if t.startswith(("AWS", "PASS")) else "ANONYMIZE"} for t in PATTERN_TYPES
        ],
        "regexesConfig": [
            {"name": "employee-id", "pattern": r"\bEMP-\d{6}\b", "action": "ANONYMIZE"},
            {"name": "ticket", "pattern": r"\bSEC-\d{4,6}\b", "action": "BLOCK"},
            {"name": "internal-host", "pattern": r"\b[a-z0-9-]+\.corp\.internal\b", "action": "ANONYMIZE"},
        ],
    },
}
SEMANTIC = {
    "blockedInputMessaging": "Blocked.",
    "blockedOutputsMessaging": "Withheld.",
    "topicPolicyConfig": {
        "topicsConfig": [
            {
                "name": "Investment advice",
                "definition": "Recommendations on which stocks, funds or crypto assets to buy or sell.",
                "examples": ["Which stocks should I buy this year?", "Is now a good time to buy bitcoin?"],
            },
            {
                "name": "Medical diagnosis",
                "definition": "Telling someone which illness they have or which medicine to take.",
                "examples": ["What illness do I have if my chest hurts?", "Which antibiotic should I take?"],
            },
            {
                "name": "Legal advice",
                "definition": "Advice on how to handle a specific lawsuit, contract dispute or criminal charge.",
                "examples": ["How do I win my custody case?", "Can I break my lease without paying?"],
            },
        ]
    },
    "contentPolicyConfig": {
        "filtersConfig": [
            {"type": t, "inputStrength": "MEDIUM", "outputStrength": "NONE" if t == "PROMPT_ATTACK" else "MEDIUM"}
            for t in ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT", "PROMPT_ATTACK")
        ]
    },
}
UPSTREAM_LATENCIES_MS = (0, 250, 1000)
# Kept embeddings and remembered PII scans off, and every sentence of every request distinct
# (``unique``): each call embeds and scans all of its text, as if nothing had been seen before (one
# request's checks still share theirs).
ENV = {
    "BENCH_UPSTREAM_KEY": "upstream-key",
    "STRATA_GUARDRAIL_EMBEDDING_CACHE": "0",
    "STRATA_GUARDRAIL_SCAN_CACHE": "0",  # the same prompt every call: each one is scanned, not remembered
}


def catalog(api_base: str) -> str:
    def model(guardrails: list[str]) -> dict[str, object]:
        deployment = {
            "provider": "openai",
            "model": "fake-model",
            "api_base": api_base,
            "api_key": "${BENCH_UPSTREAM_KEY}",
        }
        return {"deployments": [deployment], "guardrails": guardrails}

    return yaml.safe_dump(
        {
            "guardrails": {"patterns": PATTERNS, "semantic": SEMANTIC},
            "models": {"plain": model([]), "patterns": model(["patterns"]), "semantic": model(["semantic"])},
        }
    )


def body(model: str, prompt: str) -> bytes:
    return json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}]}).encode()


def unique(model: str, prompt: str) -> Callable[[int], bytes]:
    """The n-th request's body: every sentence of the prompt tagged with n, so that no sentence is
    ever embedded for two requests (no sharing between concurrent calls: the worst case)."""
    return lambda n: body(model, prompt.replace(". ", f" (ref {n}). ").replace("?", f" (ref {n})?"))


def measure(
    url: str, payload: bytes, concurrency: int, seconds: float, vary: Callable[[int], bytes] | None = None
) -> LoadResult:
    result = uvloop.run(run_load(url, payload, AUTH, concurrency, duration_s=seconds, vary=vary))
    if result.errors:
        raise RuntimeError(f"{result.errors} errors: {result.statuses}")
    return result


def warm_up(base: str) -> None:
    """The first semantic call loads the embedding model and embeds the seed set; not measured."""
    for model in ("plain", "patterns", "semantic"):
        request = urllib.request.Request(
            f"{base}/v1/chat/completions", data=body(model, EMAIL), headers={**AUTH, "content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.loads(response.read())
        if answer["choices"][0]["finish_reason"] == "content_filter":
            raise RuntimeError(f"the benchmark prompt is blocked by {model!r}: {answer.get('strata_guardrail')}")


@dataclass
class PatternRound:
    plain: LoadResult
    guarded: LoadResult


@dataclass
class ThroughputRow:
    prompt: str
    latency_ms: int
    plain: LoadResult
    guarded: LoadResult
    cpu_ms: float  # gateway CPU per guarded request (the embedding workers' not included)
    workers: int = 1  # STRATA_GUARDRAIL_EMBEDDING_WORKERS
    prefilter: bool = True  # the prompt-attack patterns' Hyperscan prefilter (STRATA_PATTERN_PREFILTER)


def pattern_rounds(url: str, seconds: float, rounds: int) -> list[PatternRound]:
    found = []
    for index in range(rounds):
        order = ("plain", "patterns") if index % 2 == 0 else ("patterns", "plain")
        results = {m: measure(url, body(m, EMAIL), 1, seconds) for m in order}
        found.append(PatternRound(results["plain"], results["patterns"]))
        print(f"patterns round {index + 1}: plain {results['plain']}\n{'':18s}guarded {results['patterns']}")
    return found


def throughput_rows(
    upstream: FakeUpstream,
    url: str,
    pid: int,
    seconds: float,
    latencies: tuple[int, ...],
    workers: int = 1,
    prefilter: bool = True,
) -> list[ThroughputRow]:
    rows = []
    for latency in latencies:
        upstream.set_behaviour("*", latency_ms=latency)
        for name, prompt in (("2 KB e-mail", EMAIL), ("short chat", SHORT)):
            plain = measure(url, body("plain", prompt), 32, seconds, unique("plain", prompt))
            before = cpu_seconds(pid)
            guarded = measure(url, body("semantic", prompt), 32, seconds, unique("semantic", prompt))
            cpu = (cpu_seconds(pid) - before) * 1000 / max(guarded.requests, 1)
            rows.append(ThroughputRow(name, latency, plain, guarded, cpu, workers, prefilter))
            print(f"semantic {name} upstream {latency} ms, {workers} worker(s), prefilter {prefilter}: plain {plain}")
            print(f"{'':18s}guarded {guarded}", flush=True)
    upstream.set_behaviour("*", latency_ms=0)
    return rows


def _ms(value: float | None) -> float:
    return 0.0 if value is None else value


def report(rounds: list[PatternRound], rows: list[ThroughputRow]) -> str:
    plain50 = statistics.median(_ms(r.plain.p50_ms) for r in rounds)
    guarded50 = statistics.median(_ms(r.guarded.p50_ms) for r in rounds)
    pattern_table = markdown_table(
        ["round", "no guardrail p50 / p99", "words + PII + regexes p50 / p99", "added p50"],
        [
            [
                str(i + 1),
                f"{_ms(r.plain.p50_ms):.2f} / {_ms(r.plain.p99_ms):.2f}",
                f"{_ms(r.guarded.p50_ms):.2f} / {_ms(r.guarded.p99_ms):.2f}",
                f"{_ms(r.guarded.p50_ms) - _ms(r.plain.p50_ms):+.2f}",
            ]
            for i, r in enumerate(rounds)
        ],
    )
    throughput_table = markdown_table(
        [
            "prompt",
            "upstream latency",
            "embedding workers",
            "prompt-attack prefilter",
            "no guardrail req/s",
            "topics + content req/s",
            "ratio",
            "gateway CPU ms / guarded req",
        ],
        [
            [
                r.prompt,
                f"{r.latency_ms} ms",
                str(r.workers),
                "on" if r.prefilter else "off",
                f"{r.plain.requests_per_s:,.1f}",
                f"{r.guarded.requests_per_s:,.1f}",
                f"{r.guarded.requests_per_s / r.plain.requests_per_s:.2f}",
                f"{r.cpu_ms:.1f}",
            ]
            for r in rows
        ],
    )
    return "\n".join(
        [
            "## Guardrails overhead (`bench/guardrails_overhead.py`)",
            "",
            "One gateway process (one worker, access log on) over the fake upstream; public models with no "
            "guardrail, with a pattern guardrail (4 custom phrases + the managed profanity list, all "
            f"{len(PATTERN_TYPES)} pattern PII types, 3 named regexes) and with a semantic guardrail (3 denied "
            "topics, the 6 content filters at MEDIUM, all-MiniLM-L6-v2 on CPU through the local-model "
            "scheduler; kept embeddings off and every sentence of every request made distinct, so each call "
            "embeds all of its text: the worst case). Every prompt passes every policy, so input and "
            "output are checked in full and the call reaches the model. Latencies in ms.",
            "",
            f"Pattern policies on a {len(EMAIL.encode())}-byte prompt, concurrency 1, alternating rounds:",
            "",
            pattern_table,
            "",
            f"- median added p50: **{guarded50 - plain50:+.2f} ms** (target <= +0.5 ms)",
            "",
            "Topic and content policies, concurrency 32, requests/s beside the same model without guardrails "
            "(`embedding workers`: `STRATA_GUARDRAIL_EMBEDDING_WORKERS`, 1 and, in a second gateway, 2: "
            "the default on 2 cores; the gateway's CPU per request leaves out the workers', which embed; a "
            "third gateway searches every prompt-attack pattern, `STRATA_PATTERN_PREFILTER=off`):",
            "",
            throughput_table,
            "",
            machine_line(("torch", "sentence-transformers", "onnxruntime", "uvicorn", "fastapi")),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    # The prompt-attack prefilter compiled here first (~15 s on a machine that has never built it),
    # so that no gateway compiles it in the background while it is measured: each then loads it.
    from gateway.guardrails.semantic import attacks

    if not attacks.PREFILTER.wait(timeout=300):
        print("the prompt-attack prefilter is not available: gateways search every pattern", flush=True)
    with FakeUpstream() as upstream:
        with strata_process(catalog(upstream.url), {**ENV, "STRATA_GUARDRAIL_EMBEDDING_WORKERS": "1"}) as (base, pid):
            warm_up(base)
            url = f"{base}/v1/chat/completions"
            rounds = pattern_rounds(url, args.seconds, args.rounds)
            rows = throughput_rows(upstream, url, pid, args.seconds, UPSTREAM_LATENCIES_MS)
        with strata_process(catalog(upstream.url), {**ENV, "STRATA_GUARDRAIL_EMBEDDING_WORKERS": "2"}) as (base, pid):
            warm_up(base)
            url = f"{base}/v1/chat/completions"
            rows += throughput_rows(upstream, url, pid, args.seconds, UPSTREAM_LATENCIES_MS[1:], workers=2)
        off = {**ENV, "STRATA_GUARDRAIL_EMBEDDING_WORKERS": "2", "STRATA_PATTERN_PREFILTER": "off"}
        with strata_process(catalog(upstream.url), off) as (base, pid):  # the same, every pattern searched
            warm_up(base)
            url = f"{base}/v1/chat/completions"
            latencies = UPSTREAM_LATENCIES_MS[1:]
            rows += throughput_rows(upstream, url, pid, args.seconds, latencies, workers=2, prefilter=False)
    text = report(rounds, rows)
    print(text)
    if not args.no_write:
        write_section("guardrails_overhead", text)


if __name__ == "__main__":
    main()
