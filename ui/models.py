"""The app's models: the bundled default, which models a page may load, how they are named, and the one cache.

Every tab gets its pipelines from one ``PipelineCache``. A request names a model; ``ModelPolicy.place`` decides
whether this server may load it and where it lives (a resolved folder, so every spelling of a path is one model,
or a Hub id). The cache keeps the float32 weights once per model, bounded by count and bytes (least recently used
goes first), and hands out one pipeline per (model, device, dtype) that shares them: a second precision costs no
memory; a fast pipeline (a reduced ``dtype``: ``ddpm.device.pick_precision``) prepares its engine in the
background when ``prepare_fast`` is on (the app), the exact path serving meanwhile. One failure policy (a failure is
reported each time it happens and never remembered as the answer), one lock per model (loading one does not stall a
tab that uses another), thread-safe timings.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import torch
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from ddpm import DDPMError, Pipeline, load_pipeline
from ddpm.device import dtype_name, pick_device, pick_dtype, pick_precision
from ddpm.engine import engine_installed
from ddpm.hub import ModelLimits

CHECKPOINTS = Path(__file__).resolve().parent.parent / "checkpoints"
BUNDLED_MODELS: dict[str, Path] = {  # the models that ship with the app, by the name the page shows them
    "digits": CHECKPOINTS / "ddpm-mnist",
    "emoji": CHECKPOINTS / "ddpm-emoji",
}
BUNDLED_NAME = "digits"  # the app's default model
BUNDLED_MODEL = BUNDLED_MODELS[BUNDLED_NAME]
OLDER_NAMES = {"checkpoints/ddpm-mnist (bundled)": "digits"}  # what links and recordings made before the names say
HUB_MODELS = (
    "google/ddpm-cifar10-32",
    "google/ddpm-ema-celebahq-256",
    "google/ddpm-ema-church-256",
    "google/ddpm-ema-cat-256",
)
PUBLIC_REFUSAL = (
    "This public server loads only its listed models: the bundled ones, the folders its operator named with "
    "--model-dir{hub}. Pick one from the list."
)


def bundled_name(model: str | Path) -> str | None:
    """The bundled model ``model`` means (by its name, an older name or its folder), else None."""
    text = OLDER_NAMES.get(str(model).strip(), str(model).strip())
    if text in BUNDLED_MODELS:
        return text
    return next((name for name, folder in BUNDLED_MODELS.items() if text == str(folder)), None)


def is_bundled(model: str | Path) -> bool:
    return bundled_name(model) is not None


def bundled_shipped() -> list[str]:
    """The bundled models the picker lists: the default always (its absence is said on the page), the others
    when this copy has them."""
    return [name for name, folder in BUNDLED_MODELS.items() if folder.is_dir() or name == BUNDLED_NAME]


def display_name(model: str | Path) -> str:
    """What the page calls a model: ``digits``/``emoji`` for ours (never a server path), the id or folder else."""
    return bundled_name(model) or str(model)


def model_location(model: str | Path) -> str:
    """What the loader is given for a model the page names (a bundled name → its folder)."""
    name = bundled_name(model)
    return str(BUNDLED_MODELS[name]) if name else str(model).strip()


def _is_hub_id(name: str) -> bool:
    if name.startswith((".", "/", "~")) or "\\" in name or name.count("/") != 1:
        return False
    try:
        validate_repo_id(name)
    except HFValidationError:
        return False
    return True


def _real_folder(name: str) -> Path | None:
    """The resolved folder a name means here, or None (no folder, or a name the OS refuses)."""
    try:
        path = Path(os.path.realpath(Path(name).expanduser()))
        return path if path.is_dir() else None
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class ModelPlace:
    location: str  # a resolved folder, or a Hub id
    local: bool


@dataclass(frozen=True)
class ModelPolicy:
    """Which models this server may load.

    Private (the app on localhost): any folder this process can read, and any Hub id. Public (listening beyond
    localhost, on a Space, or with --share): the bundled models, folders inside the ``model_dirs`` the operator
    named (``--model-dir``, repeatable), and Hub ids unless ``allow_hub`` is off (``--no-hub``). Anything else is
    refused with one sentence that is the same whether or not the path exists, so the page reveals nothing about
    the server's disk."""

    public: bool = False
    model_dirs: tuple[Path, ...] = ()
    allow_hub: bool = True

    def __post_init__(self):
        object.__setattr__(self, "model_dirs", tuple(Path(os.path.realpath(d)) for d in self.model_dirs))

    def place(self, model: str | Path) -> ModelPlace:
        name = model_location(model)
        if is_bundled(model):
            return ModelPlace(name, local=True)
        if not self.public:
            folder = _real_folder(name)
            return ModelPlace(str(folder), local=True) if folder else ModelPlace(name, local=True)
        for root in self.model_dirs:
            folder = _real_folder(str(root / name)) if not Path(name).is_absolute() else _real_folder(name)
            if folder is not None and (folder == root or folder.is_relative_to(root)):
                return ModelPlace(str(folder), local=True)
        if self.allow_hub and _is_hub_id(name):
            return ModelPlace(name, local=False)
        raise DDPMError(PUBLIC_REFUSAL.format(hub=" and models on the Hugging Face Hub" if self.allow_hub else ""))

    def listed(self) -> list[str]:
        """The models the picker offers: the bundled ones by name, those in the model dirs, then the Hub examples
        if allowed."""
        found = [
            str(config.parent.parent if config.parent.name == "unet" else config.parent)
            for root in self.model_dirs
            for pattern in ("config.json", "unet/config.json", "*/config.json", "*/unet/config.json")
            for config in sorted(root.glob(pattern))
        ]
        return list(dict.fromkeys([*bundled_shipped(), *found, *(HUB_MODELS if self.allow_hub else ())]))


@dataclass(frozen=True)
class PipelineKey:
    model: str  # a resolved folder or a Hub id (``ModelPlace.location``)
    device: str
    dtype: str  # "float32", "bfloat16", "float16": always the normalised name


@dataclass
class PipelineCache:
    """Pipelines loaded on first use; ``default_model`` at ``dtype`` unless asked.

    ``device`` and ``dtype`` are the app's (``--device``, ``--dtype``): every tab runs there by default. At most
    ``max_models`` models and ``max_bytes`` of float32 weights stay resident (the default model is kept last)."""

    default_model: str = str(BUNDLED_MODEL)
    device: torch.device | str | None = None
    dtype: torch.dtype | str | None = None
    policy: ModelPolicy = field(default_factory=ModelPolicy)
    max_models: int = 4
    max_bytes: int = 2 * ModelLimits().max_weight_bytes
    prepare_fast: bool = False  # the app: a fast pipeline's warm_up() starts in the background when it is made
    _weights: OrderedDict[str, Pipeline] = field(default_factory=OrderedDict, repr=False)  # location → float32
    _pipelines: dict[PipelineKey, Pipeline] = field(default_factory=dict, repr=False)
    _errors: OrderedDict[PipelineKey, str] = field(default_factory=OrderedDict, repr=False)
    _timings: dict[tuple[PipelineKey, int], float] = field(default_factory=dict, repr=False)
    _gates: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self):
        self.default_model = model_location(self.default_model)
        self.device = pick_device(self.device)
        self.dtype = pick_dtype(self.dtype, self.device)

    def key(self, model: str | Path | None = None, dtype: torch.dtype | str | None = None) -> PipelineKey:
        """The key of a request; ``DDPMError`` when the policy refuses the model."""
        resolved = self.dtype if dtype is None else pick_dtype(dtype, self.device)
        place = self.policy.place(model or self.default_model)
        return PipelineKey(place.location, str(self.device), dtype_name(resolved))

    def load(self, model: str | Path | None = None, dtype: torch.dtype | str | None = None) -> Pipeline:
        """The pipeline of ``model`` at ``dtype`` (default: the app's), loading it if needed; ``DDPMError`` with
        one sentence when it may not or cannot be loaded (and the next call tries again)."""
        place = self.policy.place(model or self.default_model)
        key = self.key(model, dtype)
        with self._lock:
            if key.model in self._weights:
                return self._use(key)
            gate = self._gates.setdefault(key.model, threading.Lock())
        with gate:  # one load per model at a time; other models go on meanwhile
            with self._lock:
                if key.model in self._weights:
                    return self._use(key)
            try:
                weights = load_pipeline(key.model, device=key.device, dtype=torch.float32, allow_local=place.local)
            except DDPMError as error:
                with self._lock:
                    self._errors[key] = str(error)
                    while len(self._errors) > 64:
                        self._errors.popitem(last=False)
                raise
            with self._lock:
                self._weights[key.model] = weights
                self._errors.pop(key, None)
                self._evict(keep=key.model)
                return self._use(key)

    def _use(self, key: PipelineKey) -> Pipeline:
        """(Under the lock.) The pipeline of ``key``, sharing its model's weights; the model becomes the newest."""
        self._weights.move_to_end(key.model)
        if key not in self._pipelines:
            weights = self._weights[key.model]
            precision = pick_precision(key.dtype, self.device)
            shared = weights
            if precision.fast:
                shared = dataclasses.replace(weights, dtype=precision.dtype, fast=True, notes=[])
                if self.prepare_fast:
                    shared.warm_up_in_background()
            self._pipelines[key] = shared
        return self._pipelines[key]

    def _evict(self, keep: str) -> None:
        """(Under the lock.) Drop the least recently used models until the count and bytes fit; ``keep`` (just
        loaded) stays, and the default model goes only when nothing else is left to drop."""
        try:
            default = self.policy.place(self.default_model).location
        except DDPMError:
            default = None
        while len(self._weights) > 1 and (
            len(self._weights) > self.max_models or self.resident_bytes() > self.max_bytes
        ):
            order = [m for m in self._weights if m not in (keep, default)] or [m for m in self._weights if m != keep]
            victim = order[0]
            del self._weights[victim]
            for cached in [k for k in self._pipelines if k.model == victim]:
                del self._pipelines[cached]
            for timing in [k for k in self._timings if k[0].model == victim]:
                del self._timings[timing]
            self._gates.pop(victim, None)

    def resident_bytes(self) -> int:
        return sum(pipe.cost.weight_bytes for pipe in self._weights.values())

    def try_load(self, model: str | Path | None = None) -> Pipeline | None:
        """``load`` for views that work without a model: None on failure (``status`` then says why)."""
        try:
            return self.load(model)
        except DDPMError:
            return None

    def status(self, model: str | Path | None = None, dtype: torch.dtype | str | None = None) -> str:
        """ "" when loaded, else the last failure's sentence, else "not loaded yet"."""
        try:
            key = self.key(model, dtype)
        except DDPMError as error:
            return str(error)
        with self._lock:
            if key.model in self._weights:
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
            f"· precision: `{dtype_name(self.dtype)}` · fast path: {self.fast_path()}"
        )

    def fast_path(self) -> str:
        """What "fast" runs on this machine, in words."""
        precision = pick_precision("bfloat16" if self.device.type == "cpu" else "float16", self.device)
        if self.device.type != "cpu":
            return f"`{dtype_name(precision.dtype)}` autocast"
        if not engine_installed():
            return f"eager `{dtype_name(precision.dtype)}` (OpenVINO is not installed)"
        return f"OpenVINO, `{dtype_name(precision.dtype)}` (prepared in the background; exact serves meanwhile)"
