"""Tiny random-weight models for the local provider's tests, saved with save_pretrained.

They are loaded by the same code users' models go through (providers/local/loading.py); only
their size is special. Nothing is downloaded: tokenizers are built here from a few words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

WORDS = (
    "the a cat dog sat on mat and ran far away hello world how are you today i am fine thanks "
    "what is your name my tell me story once upon time there was little fox who lived in forest "
    "system user assistant tool be"
).split()

# A Hermes-style template that renders tool definitions, as Qwen's and others' do.
TOOLS_TEMPLATE = (
    "{% if tools %}<|system|> tools: {% for tool in tools %}{{ tool['function']['name'] }} {% endfor %}\n{% endif %}"
    "{% for message in messages %}<|{{ message['role'] }}|> {{ message['content'] or '' }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def _word_tokenizer(chat_template: str | None = None) -> Any:
    from providers.local.demo import build_word_tokenizer

    tokenizer = build_word_tokenizer([*WORDS, "tools", "<|system|>", "<|user|>", "<|assistant|>", "<|tool|>"])
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    return tokenizer


def tiny_gpt2(folder: Path, *, context: int = 128, seed: int = 0) -> Path:
    """GPT-2 architecture, no chat template (the plain fallback applies), greedy by default."""
    from providers.local.demo import build_gpt

    build_gpt(folder, layers=2, width=32, heads=2, context=context, seed=seed, words=list(WORDS), init_range=0.5)
    from transformers import GenerationConfig

    GenerationConfig(do_sample=False, eos_token_id=0, pad_token_id=0, bos_token_id=0).save_pretrained(folder)
    return folder


def tiny_llama(folder: Path, *, tools: bool = True, seed: int = 0, context: int = 256, endless: bool = False) -> Path:
    """Llama architecture (rotary positions, grouped KV heads) with a chat template.

    ``endless``: greedy decoding never picks the end-of-sequence token, so a reply without
    ``max_tokens`` runs until the context is full (the EOS logit is always 0 while two other
    tokens' logits are opposite, so one of them is always at least as large; ties never happen
    in practice). Random weights otherwise end a reply within a few dozen tokens."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = _word_tokenizer(TOOLS_TEMPLATE if tools else TOOLS_TEMPLATE.split("{% endif %}", 1)[1])
    eos = tokenizer.eos_token_id
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=context,
        bos_token_id=eos,
        eos_token_id=eos,
        pad_token_id=eos,
        initializer_range=0.5,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    if endless:
        with torch.no_grad():
            head = model.lm_head.weight
            head[eos] = 0.0
            other = 1 if eos != 1 else 2
            head[other + 1] = -head[other]
    model.generation_config.do_sample = False
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def tiny_bert(folder: Path, *, sentence_transformers: bool = False, seed: int = 0) -> Path:
    """A small BERT encoder: a plain transformers folder, or wrapped as a sentence-transformers one."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", *WORDS])}
    core = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    core.normalizer = normalizers.BertNormalizer(lowercase=True)
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=64,
    )
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    plain = folder / "encoder" if sentence_transformers else folder
    BertModel(config).save_pretrained(plain)
    tokenizer.save_pretrained(plain)
    if not sentence_transformers:
        return folder
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as st_models

    encoder = st_models.Transformer(str(plain), max_seq_length=64)
    pooling = st_models.Pooling(encoder.get_embedding_dimension(), "mean")
    SentenceTransformer(modules=[encoder, pooling, st_models.Normalize()], device="cpu").save(str(folder / "st"))
    return folder / "st"


def tiny_content_classifier(folder: Path, *, says: str | None = None) -> Path:
    """A random-weight two-layer BERT whose labels name content filter types (SAFE, HATE, jailbreak),
    for wiring, not accuracy; ``says``: one label made certain whatever the text."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from providers.local.demo import build_word_tokenizer

    tokenizer = build_word_tokenizer(["hello", "there", "ignore", "previous", "instructions"])
    tokenizer.save_pretrained(folder)
    labels = {0: "SAFE", 1: "HATE", 2: "jailbreak"}
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    if says is not None:
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor([20.0 if label == says else -20.0 for label in labels.values()]))
    model.save_pretrained(folder)
    return folder
