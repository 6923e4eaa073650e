"""The app's models: the bundled default, how a model is named on screen, and the one pipeline cache.

Every tab gets its pipelines from one ``PipelineCache``: one key (model, device, dtype) normalised through
``pick_dtype``, one failure policy (a failure is reported each time it happens and never remembered as an answer:
the next request tries again), one lock per key (loading a Hub model does not stall a tab using another), and
thread-safe timings.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ddpm import DDPMError, Pipeline, load_pipeline
from ddpm.device import dtype_name, pick_device, pick_dtype

BUNDLED_MODEL = Path(__file__).resolve().parent.parent / "checkpoints" / "ddpm-mnist"  # ships with the app
BUNDLED_NAME = "checkpoints/ddpm-mnist (bundled)"  # how the bundled model is shown: never a server path
HUB_MODELS = (
    "google/ddpm-cifar10-32",
    "google/ddpm-ema-celebahq-256",
    "google/ddpm-ema-church-256",
    "google/ddpm-ema-cat-256",
)


def is_bundled(model: str | Path) -> bool:
    return str(model) in (BUNDLED_NAME, str(BUNDLED_MODEL))


def display_name(model: str | Path) -> str:
    """What the page calls a model: ``checkpoints/ddpm-mnist (bundled)`` for ours, the id or folder as typed else."""
    return BUNDLED_NAME if is_bundled(model) else str(model)


def model_location(model: str | Path) -> str:
    """What the loader is given for a model the page names (the bundled name → its folder)."""
    return str(BUNDLED_MODEL) if is_bundled(model) else str(model).strip()


@dataclass(frozen=True)
class PipelineKey:
    model: str  # folder or Hub id, as the loader takes it
    device: str
    dtype: str  # "float32", "bfloat16", "float16": always the normalised name


@dataclass
class PipelineCache:
    """Pipelines loaded on first use and kept per ``PipelineKey``; ``default_model`` at ``dtype`` unless asked.

    ``device`` and ``dtype`` are the app's (``--device``, ``--dtype``): every tab runs there by default.
    """

    default_model: str = str(BUNDLED_MODEL)
    device: torch.device | str | None = None
    dtype: torch.dtype | str | None = None
    _pipelines: dict[PipelineKey, Pipeline] = field(default_factory=dict, repr=False)
    _errors: dict[PipelineKey, str] = field(default_factory=dict, repr=False)
    _timings: dict[tuple[PipelineKey, int], float] = field(default_factory=dict, repr=False)
    _gates: dict[PipelineKey, threading.Lock] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self):
        self.default_model = model_location(self.default_model)
        self.device = pick_device(self.device)
        self.dtype = pick_dtype(self.dtype, self.device)

    def key(self, model: str | Path | None = None, dtype: torch.dtype | str | None = None) -> PipelineKey:
        resolved = self.dtype if dtype is None else pick_dtype(dtype, self.device)
        return PipelineKey(model_location(model or self.default_model), str(self.device), dtype_name(resolved))

    def load(self, model: str | Path | None = None, dtype: torch.dtype | str | None = None) -> Pipeline:
        """The pipeline of ``model`` at ``dtype`` (default: the app's), loading it if needed; ``DDPMError`` with
        one sentence when it cannot be loaded (and the next call tries again)."""
        key = self.key(model, dtype)
        with self._lock:
            if key in self._pipelines:
                return self._pipelines[key]
            gate = self._gates.setdefault(key, threading.Lock())
        with gate:  # one load per key at a time; other keys go on meanwhile
            with self._lock:
                if key in self._pipelines:
                    return self._pipelines[key]
            try:
                pipe = load_pipeline(key.model, device=key.device, dtype=key.dtype)
            except DDPMError as error:
                with self._lock:
                    self._errors[key] = str(error)
                raise
            with self._lock:
                self._pipelines[key] = pipe
                self._errors.pop(key, None)
        return pipe

    def try_load(self, model: str | Path | None = None) -> Pipeline | None:
        """``load`` for views that work without a model: None on failure (``status`` then says why)."""
        try:
            return self.load(model)
        except DDPMError:
            return None

    def status(self, model: str | Path | None = None, dtype: torch.dtype | str | None = None) -> str:
        """ "" when loaded, else the last failure's sentence, else "not loaded yet"."""
        key = self.key(model, dtype)
        with self._lock:
            if key in self._pipelines:
                return ""
            return self._errors.get(key, "not loaded yet")

    def seconds_per_step(self, model: str | Path | None, dtype: torch.dtype | str | None, batch_size: int) -> float:
        """Wall time of one ε-network forward at ``batch_size``, measured once per (key, batch size)."""
        pipe = self.load(model, dtype)
        timing_key = (self.key(model, dtype), int(batch_size))
        with self._lock:
            if timing_key in self._timings:
                return self._timings[timing_key]
        x_t = torch.zeros((int(batch_size), *pipe.image_shape), device=pipe.device)
        t = torch.full((int(batch_size),), pipe.schedule.num_timesteps - 1, dtype=torch.long, device=pipe.device)
        start = time.perf_counter()
        pipe.eps(x_t, t)
        if pipe.device.type == "cuda":
            torch.cuda.synchronize(pipe.device)
        seconds = time.perf_counter() - start
        with self._lock:
            return self._timings.setdefault(timing_key, seconds)

    def footer(self) -> str:
        """The truth about where the app runs: its default model, device and precision."""
        return (
            f"Default model: `{display_name(self.default_model)}` (loads on first use) · device: `{self.device}` "
            f"· precision: `{dtype_name(self.dtype)}`"
        )
