"""An embedding model loaded for the worker: texts in, unit vectors and token counts out.

Two runtimes compute the same vectors. ONNX Runtime (``onnx_encoder.py``) computes float32 on the
CPU with far less overhead per operator than torch: a short prompt through all-MiniLM-L6-v2 in
5.4 ms against torch's 12.1 (float32) and 7.7 (bfloat16) on a 2-core EPYC. But where the CPU
computes bfloat16 natively, torch in bfloat16 does twice the arithmetic per second, and passes
past ~35 tokens (a few prompts together, a long text) go faster there (``bench/embedding_runtime.py``).
So ``runtime: auto`` on the CPU serves small passes (up to ``ONNX_MAX_TOKENS`` padded tokens) on
ONNX Runtime and, where bfloat16 is native, larger ones on torch in bfloat16 (vectors within 1e-4
cosine of float32's); elsewhere ONNX Runtime serves every pass and torch's copy of the weights is
released. ``quantize: int8`` on the CPU is ONNX Runtime's int8 graph (``onnx_int8.py``: about 2x
float32's speed on a short prompt where the CPU has VNNI, closer to float32's vectors than torch's
int8) for every pass, so that a text's vector never depends on which runtime its batch went to.
torch alone serves CUDA, half precision, and models ONNX Runtime cannot (an export that fails or
disagrees, or onnxruntime not installed; int8 then falls back to torch's dynamic quantization).
``runtime: torch`` and ``runtime: onnx`` insist (``onnx``: every pass in ONNX Runtime, and a
model it cannot serve fails the load).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import torch

from providers.local.loading import (
    LoadError,
    Log,
    apply_quantize,
    count_parameters,
    cpu_computes_bf16,
    model_context,
    model_weight_bytes,
    pick_device,
    pick_dtype,
    release_freed_memory,
)
from providers.local.numpy_tokens import NumpyTokenizer, numpy_tokenizer

Runtime = Literal["auto", "torch", "onnx"]
ONNX_MAX_TOKENS = 32  # measured crossover with torch bfloat16: 1-2 short prompts, or one of ~30 tokens
# Threads for those passes: 2 measured 1.8x over one (2 cores; bench/embedding_runtime.py). More
# is a guess, not a measurement: a short pass has little work per operator to split, and each
# thread spins while it runs.
LONE_PASS_THREADS = 4


class Embedder:
    """Texts in, one vector per text and the token count each took (mean pooling for plain encoders)."""

    def __init__(
        self,
        folder: Path,
        device: str,
        dtype: str,
        log: Log,
        quantize: str = "none",
        runtime: Runtime = "auto",
        threads: int | None = None,
        model_cache_dir: Path | None = None,
    ) -> None:
        self.device = pick_device(device, quantize)
        self.quantize = quantize
        onnx = _wants_onnx(runtime, self.device, dtype, quantize)
        # torch alone: bf16 where native, unless int8 (its kernels take float32); ONNX: float32
        self.dtype = torch.float32 if onnx else pick_dtype(dtype, self.device, bf16_on_cpu=quantize == "none")
        self.sentence_transformers = (folder / "modules.json").is_file()
        log(
            "loading embedding model",
            path=str(folder),
            format="sentence-transformers" if self.sentence_transformers else "transformers encoder",
            device=self.device,
        )
        self.model, self.tokenizer, self.max_length, self.dimensions = self._load(folder)
        self.parameters = count_parameters(self.model)
        if not onnx:  # ONNX Runtime quantizes its own graph, exported from torch's float32 model
            apply_quantize(self.model, quantize, log)
        self.weight_bytes = model_weight_bytes(self.model)
        self.runtime: Literal["torch", "onnx", "onnx+torch"] = "torch"
        self._onnx: Any = None
        self._onnx_max_tokens: int | None = None  # larger passes go to torch; None: every pass to ONNX
        if onnx:
            threads, lone = threads or torch.get_num_threads(), self._splits_passes(runtime, dtype)
            if lone:  # its passes are one or two short prompts (_splits_passes)
                threads = max(threads, min(os.cpu_count() or 1, LONE_PASS_THREADS))
            self._start_onnx(folder, runtime, dtype, threads, lone, model_cache_dir, log)
        self._numpy_tokens: NumpyTokenizer | None = None  # ONNX passes tokenized without torch
        if self._onnx is not None:
            self._numpy_tokens = numpy_tokenizer(self._prepare, self.tokenizer, self.max_length, self._onnx.input_names)

    def _load(self, folder: Path) -> tuple[torch.nn.Module, Any, int, int]:
        """The model as a module from tokenized features to ``sentence_embedding``, and its tokenizer."""
        if self.sentence_transformers:
            from sentence_transformers import SentenceTransformer

            st = SentenceTransformer(
                str(folder),
                device=self.device,
                local_files_only=True,
                trust_remote_code=False,
                model_kwargs={"dtype": self.dtype},
            )
            st.eval()
            dimension = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
            self._prepare = getattr(st, "preprocess", None) or st.tokenize
            return st, st.tokenizer, int(st.max_seq_length or 512), int(dimension() or 0)
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        encoder = AutoModel.from_pretrained(folder, local_files_only=True, trust_remote_code=False, dtype=self.dtype)
        encoder.to(self.device).eval()
        max_length = model_context(encoder.config, tokenizer)
        self._prepare = lambda texts: tokenizer(
            texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
        )
        return _MeanPooled(encoder), tokenizer, max_length, int(encoder.config.hidden_size)

    def _start_onnx(
        self,
        folder: Path,
        runtime: Runtime,
        dtype: str,
        threads: int,
        lone: bool,
        model_cache_dir: Path | None,
        log: Log,
    ) -> None:
        from providers.local.onnx_encoder import OnnxUnavailable, load_or_export

        try:
            self._onnx = load_or_export(
                folder, self.model, self._prepare, threads, log, model_cache_dir, quantize=self.quantize, spin=lone
            )
        except OnnxUnavailable as exc:
            if runtime == "onnx":
                raise LoadError(f"{folder}: runtime onnx: {exc}") from None
            log("ONNX Runtime cannot serve this model: torch serves it", reason=str(exc))
            if self.quantize != "none":
                apply_quantize(self.model, self.quantize, log)
                self.weight_bytes = model_weight_bytes(self.model)
            elif dtype == "auto" and cpu_computes_bf16():  # what torch alone would have picked
                self.dtype = torch.bfloat16
                self.model.to(torch.bfloat16)
            return
        if self._splits_passes(runtime, dtype):
            self.runtime, self._onnx_max_tokens = "onnx+torch", ONNX_MAX_TOKENS
            self.dtype = torch.bfloat16
            self.model.to(torch.bfloat16)  # larger passes: twice float32's arithmetic rate here
            return
        self.runtime = "onnx"
        if self.quantize != "none":
            self.weight_bytes = self._onnx.graph_bytes
            log("quantized to int8 (ONNX Runtime)", graph_bytes=self.weight_bytes)
        self.model.to("meta")  # its weights live in the ONNX session now: release torch's copy
        release_freed_memory()

    def _splits_passes(self, runtime: Runtime, dtype: str) -> bool:
        """ONNX Runtime for small passes, torch in bfloat16 for the rest (``runtime: auto``, float32).

        ONNX Runtime's passes are then a lone prompt or two, the latency-bound case (a semantic
        cache lookup at concurrency 1), and its session spreads them over every core (up to
        ``LONE_PASS_THREADS``), its threads spinning within a pass (``onnx_encoder.py``): 6.2 -> 3.4
        ms for a 15-token prompt on 2 cores (``bench/embedding_runtime.py``). ``threads`` still caps
        torch's passes, the large ones that come with load, when the event loop needs its core."""
        return self.quantize == "none" and runtime == "auto" and dtype == "auto" and cpu_computes_bf16()

    def too_long(self, texts: list[str]) -> tuple[int, int] | None:
        """(index, tokens) of the first text longer than the model reads; None when all fit. Only
        texts with more UTF-8 bytes than the limit are tokenized: a token is a byte at least."""
        for index, text in enumerate(texts):
            if len(text.encode()) + 2 <= self.max_length:  # 2: the [CLS]/[SEP]-style special tokens
                continue
            count = len(self.tokenizer(text, truncation=False, verbose=False)["input_ids"])
            if count > self.max_length:
                return index, count
        return None

    def runtime_for(self, padded_tokens: int) -> Literal["torch", "onnx"]:
        """Which runtime computes a pass of ``padded_tokens`` (batch size x longest text)."""
        if self._onnx is None:
            return "torch"
        limit = self._onnx_max_tokens
        return "onnx" if limit is None or padded_tokens <= limit else "torch"

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> tuple[torch.Tensor, list[int]]:
        """One forward pass over ``texts`` (padded together): float32 vectors on the CPU, token counts."""
        if self._numpy_tokens is not None and (self._onnx_max_tokens is None or len(texts) <= 2):
            arrays = self._numpy_tokens.features(texts)
            lengths = arrays["attention_mask"]
            if self.runtime_for(lengths.size) == "onnx":  # a lone prompt or two: no torch before the pass
                encoded = torch.from_numpy(self._onnx.encode(arrays))
                return torch.nn.functional.normalize(encoded, dim=-1), [int(n) for n in lengths.sum(1).tolist()]
        features = self._prepare(texts)
        mask = features["attention_mask"]
        if self.runtime_for(mask.numel()) == "onnx":
            vectors = torch.from_numpy(self._onnx.encode(features))
        else:
            features = {k: v.to(self.device) if isinstance(v, torch.Tensor) else v for k, v in features.items()}
            vectors = self.model(features)["sentence_embedding"]
        counts = [int(n) for n in mask.sum(1).tolist()]
        # unit length again in float32: bfloat16 passes left norms 0.997-1.004 (a dot product is a cosine)
        return torch.nn.functional.normalize(vectors.float().cpu(), dim=-1), counts


class _MeanPooled(torch.nn.Module):
    """A plain transformers encoder as a sentence model: masked mean of its last layer, unit length."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        hidden = self.encoder(**features).last_hidden_state
        weights = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return {"sentence_embedding": torch.nn.functional.normalize(pooled, dim=-1)}


def _wants_onnx(runtime: Runtime, device: str, dtype: str, quantize: str) -> bool:
    """ONNX Runtime computes float32 (or its int8 graph) on the CPU here: anything else is torch's."""
    if runtime == "torch":
        return False
    fits = device == "cpu" and quantize in ("none", "int8") and dtype in ("auto", "float32")
    if runtime == "onnx":
        if not fits:
            raise LoadError(
                "runtime onnx runs float32 or int8 on the CPU: "
                f"not with device {device!r}, dtype {dtype!r}, quantize {quantize!r}"
            )
        from providers.local.onnx_encoder import available

        if not available():
            raise LoadError("runtime onnx: onnxruntime is not installed (pip install onnxruntime)")
        return True
    from providers.local.onnx_encoder import available

    return fits and available()
