"""What a sync stream's re-read context costs: each check of a held window also reads the header
lines of the block it is in and the current line so far (gateway/guardrails/stream.py, ``Released``),
so that a table's password column and a database URL's password are masked as in the whole answer.

In process, one StreamGuard per answer with ``bench/guardrails_overhead.py``'s pattern guardrail
(words + every pattern PII type + 3 regexes), answers of ~8 KB streamed in 4-character chunks:
prose in one paragraph (the current line is everything so far: the most re-read) and a CSV table.
The remembered-scan memo is off (each check scans). Context on and off alternate; median of the
rounds, in ms of guard time per answer.

    .venv/bin/python bench/guardrail_stream_context.py [--rounds 15] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.guardrails_overhead import EMAIL, PATTERNS  # noqa: E402
from gateway.guardrails import stream  # noqa: E402
from gateway.guardrails.compiled import compile_guardrail  # noqa: E402
from gateway.guardrails.definition import GuardrailDefinition, Side  # noqa: E402
from gateway.guardrails.engine import apply  # noqa: E402
from gateway.guardrails.policies.base import Resources, TextUnit  # noqa: E402
from gateway.guardrails.text_memo import CHECKED  # noqa: E402
from providers.canonical import ChatCompletionChunk, ChunkChoice, Delta  # noqa: E402

GUARDRAIL = compile_guardrail(
    "patterns", "DRAFT", GuardrailDefinition.model_validate({"name": "p", **PATTERNS}), Resources()
)
PROSE = (EMAIL.replace("\n", " ") + " ") * 4
CSV = "id,name,team,password,email\n" + "\n".join(
    f"{i},user{i},ops,Hunter{i:04d}Pass!,user{i}@example.com" for i in range(160)
)
ANSWERS = {"prose, one paragraph": PROSE[:8192], "CSV table": CSV[:8192]}


async def _check(before: str, text: str) -> stream.Verdict:
    outcome = await apply(GUARDRAIL, Side.OUTPUT, [TextUnit(before + text)])
    return stream.verdict([outcome], 0, len(before))


async def _streamed_ms(answer: str) -> float:
    guard = stream.StreamGuard(_check, "sync")
    chunks = [answer[i : i + 4] for i in range(0, len(answer), 4)]
    started = time.perf_counter()
    for number, piece in enumerate(chunks):
        finish = "stop" if number == len(chunks) - 1 else None
        chunk = ChatCompletionChunk(
            id="c", created=0, model="m", choices=[ChunkChoice(delta=Delta(content=piece), finish_reason=finish)]
        )
        await guard.process(chunk)
    return (time.perf_counter() - started) * 1000


def measure(rounds: int) -> list[list[str]]:
    CHECKED.resize(0)
    shown = stream.Released.context
    rows = []
    for name, answer in ANSWERS.items():
        times: dict[str, list[float]] = {"off": [], "on": []}
        for number in range(rounds):
            for mode in ("on", "off") if number % 2 else ("off", "on"):
                stream.Released.context = shown if mode == "on" else (lambda self: "")  # type: ignore[method-assign]
                times[mode].append(asyncio.run(_streamed_ms(answer)))
        stream.Released.context = shown  # type: ignore[method-assign]
        off, on = statistics.median(times["off"]), statistics.median(times["on"])
        rows.append([name, f"{len(answer):,}", f"{off:.1f}", f"{on:.1f}", f"{on / off:.2f}x"])
        print(" | ".join(rows[-1]), flush=True)
    return rows


def _added(row: list[str]) -> str:
    return f"{(float(row[4].rstrip('x')) - 1) * 100:+.0f}%"  # from the on / off column, as shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = measure(args.rounds)
    text = "\n".join(
        [
            "## A sync stream's re-read context (`bench/guardrail_stream_context.py`)",
            "",
            __doc__.split("\n\n")[1].replace("\n", " "),
            "",
            markdown_table(["answer", "characters", "context off (ms)", "context on (ms)", "on / off"], rows),
            "",
            *(
                f"- re-reading what detectors look back at: **{_added(row)}** guard time on the {row[0]}"
                for row in rows
            ),
            "",
            machine_line(()),
        ]
    )
    if not args.no_write:
        write_section("guardrail_stream_context", text)
    print(text)


if __name__ == "__main__":
    main()
