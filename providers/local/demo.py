"""The demo generation model: a tiny GPT-2-shaped transformer with random weights.

Built on first start (about a second) and saved under the data directory, so a fresh install
can try local generation and streaming without downloading anything. Its weights are random:
it strings together words of its small vocabulary, and **what it says means nothing**. The same
builder makes the larger random models of the benchmark (``vocab_size=50257`` and more layers).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

EOS = "<|endoftext|>"
UNK = "[UNK]"
README = """# strata-demo-gpt: a DEMO model with random weights

Built by Strata on first start ({shape}). Its weights are random, so its words are meaningless.
It exists so that local generation, batching and streaming can be tried offline. Delete this
folder to have it rebuilt.
"""

# The demo's vocabulary: common English words, so its (meaningless) replies read as words.
_CORPUS = """
the of and to a in is it you that he was for on are with as i his they be at one have this from
or had by hot word but what some we can out other were all there when up use your how said an each
she which do their time if will way about many then them write would like so these her long make
thing see him two has look more day could go come did number sound no most people my over know
water than call first who may down side been now find any new work part take get place made live
where after back little only round man year came show every good me give our under name very
through just form sentence great think say help low line differ turn cause much mean before move
right boy old too same tell does set three want air well also play small end put home read hand
port large spell add even land here must big high such follow act why ask men change went light
kind off need house picture try us again animal point mother world near build self earth father
model gateway token stream batch local demo random words meaning nothing strata hello
system user assistant tool
"""
_PUNCTUATION = [".", ",", ":", "?", "!", "'", "-", "(", ")", '"', ";"]


def demo_words() -> list[str]:
    return list(dict.fromkeys(re.findall(r"[a-z]+", _CORPUS)))


def build_word_tokenizer(words: list[str], vocab_size: int | None = None) -> Any:
    """A word-level tokenizer (lower-cased words and punctuation), padded with filler tokens."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    entries = [EOS, UNK, *_PUNCTUATION, *words]
    entries += [f"w{i}" for i in range(max(0, (vocab_size or 0) - len(entries)))]
    vocab = {token: i for i, token in enumerate(dict.fromkeys(entries))}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    core.decoder = decoders.WordPiece(prefix="##", cleanup=True)  # joins with spaces, tidies punctuation
    return PreTrainedTokenizerFast(
        tokenizer_object=core, eos_token=EOS, bos_token=EOS, pad_token=EOS, unk_token=UNK, model_max_length=10**6
    )


def build_gpt(
    folder: Path,
    *,
    layers: int = 2,
    width: int = 128,
    heads: int = 4,
    context: int = 512,
    vocab_size: int | None = None,
    seed: int = 0,
    words: list[str] | None = None,
    init_range: float = 0.02,
) -> None:
    """Save a random-weight GPT-2-shaped model and its tokenizer into ``folder``."""
    import torch
    from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    tokenizer = build_word_tokenizer(words or demo_words(), vocab_size)
    eos = tokenizer.convert_tokens_to_ids(EOS)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=context,
        n_embd=width,
        n_layer=layers,
        n_head=heads,
        bos_token_id=eos,
        eos_token_id=eos,
        pad_token_id=eos,
        initializer_range=init_range,
    )
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config).eval()
    model.generation_config = GenerationConfig(
        do_sample=True, temperature=1.0, top_p=1.0, bos_token_id=eos, eos_token_id=eos, pad_token_id=eos
    )
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    shape = f"{layers} layers, {width} wide, vocabulary {len(tokenizer)}, context {context}, seed {seed}"
    (folder / "README.md").write_text(README.format(shape=shape), encoding="utf-8")


def ensure_demo(folder: Path, log: Callable[..., None]) -> None:
    """Build the demo model at ``folder`` unless it is there; atomic, so a crash leaves no half model."""
    if (folder / "config.json").is_file():
        return
    log("building the demo model (random weights, meaningless words)", path=str(folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        build_gpt(staging)
        if (folder / "config.json").is_file():
            return  # another process built it meanwhile
        if folder.exists():
            shutil.rmtree(folder)  # an empty or broken leftover
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
