"""What remembering PII scans saves a conversation: each turn re-sends the history, and without the
memo (gateway/guardrails/text_memo.py) every earlier message is scanned again on every turn.

Two gateways side by side over the fake upstream, one with the memo off
(``STRATA_GUARDRAIL_SCAN_CACHE=0``) and one as shipped, each with ``bench/guardrails_overhead.py``'s
pattern guardrail (words + every pattern PII type + 3 regexes) and an unguarded model. Conversations
of ten turns at concurrency 1: each user turn is a distinct ~2 KB e-mail, each answer a distinct
~600-character reply kept in the history (the fake upstream's own answer is short). Per turn, the
guardrail's added p50 (guarded minus unguarded, on the same gateway), conversations alternating.

    .venv/bin/python bench/guardrail_scan_memo.py [--conversations 30] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.guardrails_overhead import EMAIL, catalog  # noqa: E402
from bench.harness import AUTH, strata_process  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

TURNS = 10
SHOWN = (1, 2, 5, 10)
ANSWER = (
    "Here is a summary of the e-mail in five points, with its dates and figures kept: the reporting "
    "jobs move to the new scheduler in week 32, the design contractors' budget line went from 18,400 "
    "to 21,950 after the scope change, the support rota is settled for four weeks, the shorter "
    "onboarding flow runs as an experiment for six weeks, and the staging cluster moves next month. "
    "A subject line could be: planning notes, budget change and next steps before Thursday's review."
)
BASE_ENV = {"BENCH_UPSTREAM_KEY": "upstream-key", "STRATA_GUARDRAIL_EMBEDDING_CACHE": "0"}


def conversation(tag: str) -> list[tuple[str, str]]:
    """(user turn, answer) pairs, every sentence tagged, so that no two conversations share a text."""
    return [
        (EMAIL.replace(". ", f" ({tag}-{turn}). "), ANSWER.replace(". ", f" ({tag}-{turn}). ") + f" ({tag}-{turn})")
        for turn in range(TURNS)
    ]


def talk(client: httpx.Client, url: str, model: str, turns: list[tuple[str, str]]) -> list[float]:
    """Each turn's latency (ms): the history so far plus the new user turn."""
    messages: list[dict[str, str]] = []
    latencies = []
    for user, answer in turns:
        messages.append({"role": "user", "content": user})
        body = json.dumps({"model": model, "messages": messages}).encode()
        started = time.perf_counter()
        response = client.post(url, content=body, headers={**AUTH, "content-type": "application/json"})
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or response.json()["choices"][0]["finish_reason"] != "stop":
            raise RuntimeError(f"{model}: {response.status_code} {response.text[:300]}")
        messages.append({"role": "assistant", "content": answer})
    return latencies


def run(conversations: int) -> dict[str, dict[str, list[list[float]]]]:
    """Per gateway ("off", "on"), per model, each conversation's per-turn latencies."""
    found: dict[str, dict[str, list[list[float]]]] = {g: {"plain": [], "patterns": []} for g in ("off", "on")}
    with FakeUpstream() as upstream:
        config = catalog(upstream.url)
        off_env = {**BASE_ENV, "STRATA_GUARDRAIL_SCAN_CACHE": "0"}
        with strata_process(config, off_env) as (off, _), strata_process(config, BASE_ENV) as (on, _):
            bases = {"off": off, "on": on}
            with httpx.Client(timeout=60) as client:
                for name, base in bases.items():  # warm-up: imports, first compiles
                    for model in ("plain", "patterns"):
                        talk(client, f"{base}/v1/chat/completions", model, conversation(f"warm-{name}-{model}")[:3])
                for number in range(conversations):
                    order = [(g, m) for g in bases for m in ("plain", "patterns")]
                    for gateway, model in order if number % 2 == 0 else list(reversed(order)):
                        url = f"{bases[gateway]}/v1/chat/completions"
                        turns = conversation(f"{gateway}-{model}-{number}")
                        found[gateway][model].append(talk(client, url, model, turns))
    return found


def added(found: dict[str, list[list[float]]], turn: int) -> tuple[float, float]:
    plain = statistics.median(c[turn - 1] for c in found["plain"])
    guarded = statistics.median(c[turn - 1] for c in found["patterns"])
    return plain, guarded - plain


def report(found: dict[str, dict[str, list[list[float]]]], conversations: int) -> str:
    rows = []
    for turn in SHOWN:
        history_kb = (len(EMAIL) * turn + len(ANSWER) * (turn - 1)) / 1024
        plain_off, off = added(found["off"], turn)
        plain_on, on = added(found["on"], turn)
        rows.append(
            [str(turn), f"{history_kb:.1f}", f"{plain_off:.3f}", f"{off:+.3f}", f"{plain_on:.3f}", f"{on:+.3f}"]
        )
    lines = [
        "## Remembered PII scans in a conversation (`bench/guardrail_scan_memo.py`)",
        "",
        f"{conversations} conversations of {TURNS} turns per model and gateway, concurrency 1, alternating;"
        " each turn re-sends the history (distinct ~2 KB user turns, distinct ~600-character answers)."
        " Two gateways side by side: the memo off (`STRATA_GUARDRAIL_SCAN_CACHE=0`) and as shipped."
        " p50 ms of the unguarded model, and the pattern guardrail's added p50 on the same gateway.",
        "",
        markdown_table(
            ["turn", "request KB", "memo off: unguarded", "memo off: added", "memo on: unguarded", "memo on: added"],
            rows,
        ),
        "",
        machine_line(("httpx", "uvicorn")),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    text = report(run(args.conversations), args.conversations)
    print(text)
    if not args.no_write:
        write_section("guardrail_scan_memo", text)


if __name__ == "__main__":
    main()
