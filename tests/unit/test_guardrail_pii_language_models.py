"""PII types that need a language model: unsupported without one, found by a local token
classifier configured by path (off the event loop, loaded once); and the checksums every pattern
type's validator holds to."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.guardrails.compiled import compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition
from gateway.guardrails.pii import validators
from gateway.guardrails.pii.scanner import PATTERN_TYPES
from gateway.guardrails.policies import pii
from gateway.guardrails.policies.base import Resources
from tests.unit.pii_guard_helpers import guard


def test_types_that_need_a_language_model_are_unsupported_without_one() -> None:
    for kind in ("NAME", "ADDRESS", "AGE", "USERNAME"):
        assert not pii.supported(kind, Resources())
        assert pii.supported(kind, Resources(ner_model_path="/models/ner"))
    assert all(pii.supported(kind, Resources()) for kind in PATTERN_TYPES)
    definition = GuardrailDefinition(
        name="g",
        blockedInputMessaging="x",
        blockedOutputsMessaging="x",
        sensitiveInformationPolicyConfig={"piiEntitiesConfig": [{"type": "NAME", "action": "BLOCK"}]},
    )
    assert compile_guardrail("gr", "1", definition, Resources()).unsupported == ("NAME",)


def test_validators_accept_published_examples_and_refuse_one_digit_off() -> None:
    assert validators.luhn("4111111111111111") and not validators.luhn("4111111111111112")
    assert validators.iban("DE89370400440532013000") and not validators.iban("DE89370400440532013001")
    assert validators.aba_routing("021000021") and not validators.aba_routing("021000022")
    assert validators.uk_nhs("9434765919") and not validators.uk_nhs("9434765918")
    assert validators.uk_utr("1955839661") and not validators.uk_utr("1955839662")
    assert validators.vin("1M8GDM9AXKP042788") and not validators.vin("1M8GDM9A1KP042788")
    assert validators.ca_sin("046454286") and not validators.ca_sin("046454287")


def _tiny_ner(folder: Path) -> Path:
    """A random-weight BERT token classifier whose classifier always says I-PER (plumbing only)."""
    torch = pytest.importorskip("torch")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import BertConfig, BertForTokenClassification, PreTrainedTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "ada", "lovelace", "wrote", "notes", "."]
    core = Tokenizer(models.WordPiece(vocab={w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    core.normalizer = normalizers.BertNormalizer(lowercase=True)
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
    )
    labels = {0: "O", 1: "B-PER", 2: "I-PER"}
    config = BertConfig(
        vocab_size=len(words),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    model = BertForTokenClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([0.0, 0.0, 5.0]))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_a_local_token_classification_model_finds_names_off_the_event_loop(tmp_path: Path) -> None:
    resources = Resources(ner_model_path=str(_tiny_ner(tmp_path / "ner")))
    entities = [{"type": "NAME", "action": "ANONYMIZE"}, {"type": "EMAIL", "action": "ANONYMIZE"}]
    outcome = guard("Ada Lovelace", entities, resources=resources)
    assert outcome.outputs == ["{NAME}"]
    assert outcome.detections[0].entry == {"match": "Ada Lovelace", "type": "NAME"}
    first = resources.extras[pii.NER_KEY]
    guard("ada wrote notes", entities, resources=resources)
    assert resources.extras[pii.NER_KEY] is first  # loaded once, shared by every guardrail
