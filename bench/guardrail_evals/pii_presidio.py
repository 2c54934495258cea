"""Microsoft Presidio's analyzer against Strata's PII detectors on the same labelled set
(data/pii.jsonl), on the entity types both cover, offline.

Presidio needs an NLP engine; its default downloads a spaCy model, which Strata never does. Here it
gets a blank English spaCy pipeline (tokens only, lemma = lower-cased token, so its context words
still count), saved to a temporary folder and loaded by path, and its URL and email checks get
tldextract's bundled suffix list instead of the one it would fetch. Its pattern recognizers (with
their checksums and context words) are what is compared; its NER recognizers find nothing without a
model, as Strata's pattern types need none. The three recognizers Presidio ships but leaves off for
English by default (ABA routing, UK NINO, Canadian SIN) are switched on.

Presidio scores each result; rows are given at the threshold with its best F1 on this set, the
kindest reading. Latency: per case, both with the shared types only.
"""

from __future__ import annotations

import logging
import tempfile
from importlib.metadata import version
from typing import Any

from bench.guardrail_evals import pii
from bench.guardrail_evals.pii import Finder, Span, load, score, strata_finder
from bench.guardrail_evals.score import Score

NAME = "pii-presidio"
# Presidio's entity names for the Bedrock types.
MAPPING = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_DEBIT_CARD_NUMBER",
    "US_SSN": "US_SOCIAL_SECURITY_NUMBER",
    "US_ITIN": "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "US_BANK_NUMBER": "US_BANK_ACCOUNT_NUMBER",
    "ABA_ROUTING_NUMBER": "US_BANK_ROUTING_NUMBER",
    "US_PASSPORT": "US_PASSPORT_NUMBER",
    "US_DRIVER_LICENSE": "DRIVER_ID",
    "IBAN_CODE": "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
    "IP_ADDRESS": "IP_ADDRESS",
    "URL": "URL",
    "MAC_ADDRESS": "MAC_ADDRESS",
    "UK_NHS": "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
    "UK_NINO": "UK_NATIONAL_INSURANCE_NUMBER",
    "CA_SIN": "CA_SOCIAL_INSURANCE_NUMBER",
}
SHARED = sorted(set(MAPPING.values()))
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6)


def analyzer() -> Any:
    """Presidio's AnalyzerEngine on a blank spaCy pipeline, with no network access attempted."""
    import spacy
    import tldextract
    import tldextract.tldextract as extractor
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import AbaRoutingRecognizer, CaSinRecognizer, UkNinoRecognizer
    from spacy.language import Language

    extractor.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    if "strata_lower_lemma" not in Language.factories:

        @Language.component("strata_lower_lemma")
        def lower_lemma(doc: Any) -> Any:
            for token in doc:
                token.lemma_ = token.lower_
            return doc

    folder = tempfile.mkdtemp(prefix="strata-spacy-")
    blank = spacy.blank("en")
    blank.add_pipe("strata_lower_lemma")
    blank.to_disk(folder)
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": folder}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    for recognizer in (AbaRoutingRecognizer(), UkNinoRecognizer(), CaSinRecognizer()):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


def presidio_finder(engine: Any, threshold: float) -> Finder:
    entities = sorted(MAPPING)

    def find(text: str) -> list[Span]:
        results = engine.analyze(text, language="en", entities=entities, score_threshold=threshold)
        return [(MAPPING[r.entity_type], r.start, r.end) for r in results]

    return find


def _f1(s: Score) -> float:
    return 2 * s.precision * s.recall / (s.precision + s.recall) if s.precision + s.recall else 0.0


async def evaluate() -> list[Score]:
    cases = load(pii.DATA)
    try:
        engine = analyzer()
        release = version("presidio-analyzer")
    except Exception as exc:  # no presidio, or it cannot run offline: say so in the table
        return [Score("Presidio (not run)", note=f"{type(exc).__name__}: {exc}"[:200])]
    best: tuple[float, list[Score], Score] | None = None
    for threshold in THRESHOLDS:
        per_type, total = score(cases, presidio_finder(engine, threshold), SHARED, f"Presidio {release}: ")
        if best is None or _f1(total) > _f1(best[2]):
            best = (threshold, per_type, total)
    assert best is not None
    threshold, presidio_types, presidio_total = best
    strata_types, strata_total = score(cases, strata_finder(SHARED), SHARED, "Strata: ")
    presidio_total.policy = f"Presidio {release}: {len(SHARED)} shared types"
    presidio_total.note = f"score_threshold {threshold} (best F1 of {', '.join(map(str, THRESHOLDS))})"
    strata_total.policy = f"Strata: {len(SHARED)} shared types"
    strata_total.note = "the same cases, the same types"
    by_type = {s.policy.split(": ", 1)[1]: s for s in strata_types}
    rows = [strata_total, presidio_total]
    for presidio in sorted(presidio_types, key=lambda s: s.policy):
        kind = presidio.policy.split(": ", 1)[1]
        ours = by_type.get(kind)
        presidio.note = f"Strata: P {ours.precision:.3f} R {ours.recall:.3f}" if ours else ""
        rows.append(presidio)
    return rows
