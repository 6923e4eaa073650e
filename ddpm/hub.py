"""Load and save diffusers-format DDPM checkpoints: local folders and Hugging Face Hub repo ids.

Two layouts are read:
  flat      config.json + diffusion_pytorch_model.{safetensors,bin} + scheduler_config.json   (google/ddpm-*)
  pipeline  model_index.json, unet/{config.json, weights}, scheduler/scheduler_config.json
and the pipeline layout is written, so ``diffusers.DDPMPipeline.from_pretrained(folder)`` loads what we save.
Weights come from safetensors, or from a .bin only through ``torch.load(weights_only=True)``; nothing is ever
unpickled otherwise and no remote code runs. Every failure a user can meet is a ``DDPMError`` with one sentence.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from huggingface_hub import snapshot_download
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import validate_repo_id
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .defaults import SAMPLING_DEFAULTS_FILE, DefaultChoice, choose_defaults, write_choice
from .device import pick_device, pick_precision
from .errors import DDPMError
from .pipeline import Pipeline
from .sampling import SamplingOptions
from .schedule import NoiseSchedule
from .unet import UNet, UNetConfig, UNetCost, convert_legacy_keys

WEIGHTS_SAFETENSORS = "diffusion_pytorch_model.safetensors"
WEIGHTS_BIN = "diffusion_pytorch_model.bin"
CONFIG_FILES = [
    "model_index.json",
    "config.json",
    "scheduler_config.json",
    "unet/config.json",
    "scheduler/scheduler_config.json",
    SAMPLING_DEFAULTS_FILE,
]
DIFFUSERS_VERSION = "0.30.0"  # the format version we write; any diffusers since then reads it

# What DDPMScheduler assumes when a checkpoint carries no scheduler config (Ho et al. 2020's settings).
DEFAULT_SCHEDULER_CONFIG = {
    "num_train_timesteps": 1000,
    "beta_schedule": "linear",
    "beta_start": 1e-4,
    "beta_end": 0.02,
    "variance_type": "fixed_small",
    "clip_sample": True,
}


MAX_CONFIG_BYTES = 4 * 1024**2  # a config.json is a few kB (trained_betas for T = 1000: ≈ 20 kB)


def _machine_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: assume a small machine
        return 8 * 1024**3


@dataclass(frozen=True)
class ModelLimits:
    """The largest network a config may describe, checked before anything is built: float32 weights and the
    activations of one image each up to an eighth of this machine's memory (24 GiB → 3 GiB: 800 M parameters)."""

    max_weight_bytes: int = _machine_memory() // 8
    max_activation_bytes: int = _machine_memory() // 8

    def check(self, cost: UNetCost, where: str) -> None:
        if cost.weight_bytes > self.max_weight_bytes or cost.activation_bytes > self.max_activation_bytes:
            raise DDPMError(
                f"The model in {where} is too large for this machine: {cost.parameters / 1e6:,.0f} M parameters "
                f"({_gib(cost.weight_bytes)} as float32) and ≈ {_gib(cost.activation_bytes)} of activations per "
                f"image, where this machine allows {_gib(self.max_weight_bytes)} and "
                f"{_gib(self.max_activation_bytes)}; it was refused before anything was allocated."
            )


def _gib(n: int) -> str:
    return f"{n / 1024**3:.1f} GiB" if n >= 1024**3 else f"{n / 1024**2:.0f} MiB"


# ------------------------------------------------------------------------------------------------------ sources
def _looks_like_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or "\\" in source or source.count("/") > 1 or Path(source).exists()


def resolve(source: str | Path, revision: str | None = None, allow_local: bool = True) -> Path:
    """A local folder as it is, or a Hub repo id downloaded (or found in the cache) by huggingface_hub; with
    ``allow_local=False`` (a public server) ``source`` is only ever a Hub id, whatever folders exist."""
    source = str(source)
    if len(source) > 1024 or "\x00" in source:
        raise DDPMError("A model is named by a folder or a Hub id like 'google/ddpm-cifar10-32'.")
    if allow_local and Path(source).expanduser().is_dir():
        return Path(source).expanduser()
    if allow_local and _looks_like_path(source):
        raise DDPMError(f"There is no model folder at {source!r}.")
    try:
        validate_repo_id(source)
    except HFValidationError:
        raise DDPMError(
            f"{source!r} is neither a model folder nor a Hugging Face Hub id like 'google/ddpm-cifar10-32'."
        ) from None
    try:
        folder = Path(_download(source, revision, [*CONFIG_FILES, WEIGHTS_SAFETENSORS, f"unet/{WEIGHTS_SAFETENSORS}"]))
        if _weights_file(folder) is None:  # an older repo with .bin weights only
            folder = Path(_download(source, revision, [WEIGHTS_BIN, f"unet/{WEIGHTS_BIN}"]))
    except GatedRepoError:
        raise DDPMError(f"{source} is gated: accept its terms on the Hub and log in with `hf auth login`.") from None
    except RepositoryNotFoundError:
        raise DDPMError(
            f"There is no model {source!r} on the Hugging Face Hub (or it is private and you are not logged in)."
        ) from None
    except RevisionNotFoundError:
        raise DDPMError(f"{source} has no revision {revision!r}.") from None
    except LocalEntryNotFoundError:
        raise DDPMError(
            f"{source!r} is not a local folder, and as a Hub id it is not in the local Hugging Face cache "
            "while the Hub cannot be reached (offline): connect once to download it, or choose a local "
            "folder."
        ) from None
    except (HfHubHTTPError, OSError) as err:
        raise DDPMError(f"Could not download {source} from the Hugging Face Hub: {err}".split("\n")[0]) from None
    return folder


def _download(repo_id: str, revision: str | None, allow_patterns: list[str]) -> str:
    return snapshot_download(repo_id, revision=revision, allow_patterns=allow_patterns, library_name="ddpm-studio")


# ----------------------------------------------------------------------------------------------------- reading
def _unet_folder(folder: Path) -> Path:
    if (folder / "unet" / "config.json").is_file():
        return folder / "unet"  # pipeline layout
    if (folder / "config.json").is_file():
        return folder  # flat layout
    raise DDPMError(f"{folder} holds no UNet config (expected unet/config.json or config.json).")


def _weights_file(folder: Path) -> Path | None:
    for sub in ("unet", "."):
        for name in (WEIGHTS_SAFETENSORS, WEIGHTS_BIN):
            if (folder / sub / name).is_file():
                return folder / sub / name  # by its own name: in the Hub cache it links to a blob without a suffix
    return None


def _read_json(path: Path) -> dict:
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise DDPMError(f"{path.name} in {path.parent.name} is larger than {MAX_CONFIG_BYTES // 1024**2} MB.")
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DDPMError(f"Could not read {path.name} in {path.parent}: {err}.") from None
    if not isinstance(data, dict):
        raise DDPMError(f"{path} is not a JSON object.")
    return data


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Tensors from a safetensors file, or from a .bin through torch.load(weights_only=True) — never a pickle."""
    try:
        if path.suffix == ".safetensors":
            return load_file(str(path))
        return torch.load(path, map_location="cpu", weights_only=True)
    except SafetensorError as err:
        raise DDPMError(
            f"The weights file {path.name} is damaged or incomplete ({err}); delete it and download it again."
        ) from None
    except Exception as err:  # the weights-only unpickler on a hostile file: UnpicklingError, IndexError, KeyError, …
        first_line = str(err).strip().split("\n")[0][:200]
        raise DDPMError(
            f"Refusing or unable to load {path.name}: it is not a plain tensor file ({first_line})."
        ) from None


def load_unet(folder: Path, limits: ModelLimits | None = None) -> tuple[UNet, UNetCost]:
    """Build the UNet from config.json — checked field by field and costed (``UNetCost``) against ``limits``
    before anything is allocated — and load its weights strictly (every key, every shape)."""
    unet_dir = _unet_folder(folder)
    config = UNetConfig.from_dict(_read_json(unet_dir / "config.json"))
    cost = UNetCost.of(config)
    (limits or ModelLimits()).check(cost, folder.name)
    weights = _weights_file(folder)
    if weights is None:
        raise DDPMError(f"{folder} has no {WEIGHTS_SAFETENSORS} or {WEIGHTS_BIN}.")
    if weights.stat().st_size > 2 * cost.weight_bytes + MAX_CONFIG_BYTES:
        raise DDPMError(f"The weights file {weights.name} is far larger than the network in config.json needs.")
    state_dict = convert_legacy_keys(read_state_dict(weights))
    unet = UNet(config)
    expected = unet.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    wrong = [k for k in expected if k in state_dict and state_dict[k].shape != expected[k].shape]
    if missing or unexpected or wrong:
        details = [
            f"{len(missing)} missing (e.g. {missing[0]})" if missing else "",
            f"{len(unexpected)} unexpected (e.g. {unexpected[0]})" if unexpected else "",
            f"{len(wrong)} of the wrong shape (e.g. {wrong[0]}: {tuple(state_dict[wrong[0]].shape)} in the "
            f"file, {tuple(expected[wrong[0]].shape)} in config.json)"
            if wrong
            else "",
        ]
        raise DDPMError(f"The weights in {weights.name} do not fit config.json: {', '.join(d for d in details if d)}.")
    unet.load_state_dict({k: v.float() for k, v in state_dict.items()}, strict=True)
    return unet, cost


def read_scheduler_config(folder: Path) -> dict:
    for path in (folder / "scheduler" / "scheduler_config.json", folder / "scheduler_config.json"):
        if path.is_file():
            return _read_json(path)
    return dict(DEFAULT_SCHEDULER_CONFIG)


def load_pipeline(
    source: str | Path,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
    revision: str | None = None,
    limits: ModelLimits | None = None,
    allow_local: bool = True,
) -> Pipeline:
    """A ``Pipeline`` from a local diffusers folder (flat or pipeline layout) or a Hugging Face Hub repo id.
    ``dtype`` float32 (or None) is the exact path; bfloat16 (CPU) or float16 (GPU) asks for the fast path, whatever
    engine is behind it (``ddpm.device.pick_precision``); ``pipe.warm_up()`` prepares it.

    Every failure is a ``DDPMError`` with one sentence, an operating-system error on any path included."""
    try:
        return _load_pipeline(source, device, dtype, revision, limits, allow_local)
    except OSError as error:  # a name too long, a folder we may not read, a weights link to a device file, …
        reason = error.strerror or type(error).__name__
        raise DDPMError(f"Could not read the model {str(source)[:80]!r}: {reason}.") from None


def _load_pipeline(source, device, dtype, revision, limits, allow_local) -> Pipeline:
    folder = resolve(source, revision, allow_local)
    unet, cost = load_unet(folder, limits)
    config = read_scheduler_config(folder)
    if config.get("prediction_type", "epsilon") != "epsilon":
        raise DDPMError(f"prediction_type={config['prediction_type']!r} is not supported yet; only 'epsilon'.")
    target = pick_device(device)
    scheduler_options = _scheduler_options(config, source)
    schedule = NoiseSchedule.from_config(config)
    choice = _choose_defaults(scheduler_options, folder, schedule.num_timesteps)
    precision = pick_precision(dtype, target)  # a reduced dtype asks for the fast path (``ddpm.engine``)
    return Pipeline(
        unet=unet,
        schedule=schedule,
        device=target,
        dtype=precision.dtype,
        fast=precision.fast,
        default_options=choice.options,
        source=str(source),
        scheduler_options=scheduler_options,
        default_why=choice.why,
        cost=cost,
    )


def _scheduler_options(config: dict, source: str | Path) -> SamplingOptions:
    try:
        return SamplingOptions.from_scheduler_config(config)
    except DDPMError as err:
        raise DDPMError(f"The scheduler config of {source} is not supported: {err}") from None


def _choose_defaults(scheduler_options: SamplingOptions, folder: Path, num_timesteps: int) -> DefaultChoice:
    try:
        return choose_defaults(scheduler_options, folder, num_timesteps)
    except DDPMError as err:
        raise DDPMError(f"The sampling defaults of this model are not usable: {err}") from None


# ----------------------------------------------------------------------------------------------------- writing
def scheduler_config(pipe: Pipeline) -> dict:
    return {
        "_class_name": "DDPMScheduler",
        "_diffusers_version": DIFFUSERS_VERSION,
        **pipe.schedule.to_config(),
        "variance_type": pipe.scheduler_options.variance_type,
        "clip_sample": pipe.scheduler_options.clip_sample,
        "clip_sample_range": pipe.scheduler_options.clip_range,
        "prediction_type": "epsilon",
        "timestep_spacing": pipe.scheduler_options.spacing,
        "steps_offset": 0,
    }


def default_model_card(pipe: Pipeline) -> str:
    cfg = pipe.unet.config
    C, H, W = pipe.image_shape
    return (
        "---\nlibrary_name: diffusers\ntags:\n- pytorch\n- diffusers\n- unconditional-image-generation\n- ddpm\n"
        "- ddpm-studio\n---\n\n"
        f"# DDPM ({pipe.num_parameters / 1e6:.1f}M parameters, {H}×{W}×{C})\n\n"
        f"UNet2DModel with block_out_channels {list(cfg.block_out_channels)}, {cfg.layers_per_block} layer(s) per "
        f"block; {pipe.schedule!r}, variance {pipe.scheduler_options.variance_type}. Saved by DDPM Studio; loads with "
        "`diffusers.DDPMPipeline.from_pretrained` and `ddpm.load_pipeline`.\n"
    )


def save_pipeline(pipe: Pipeline, folder: str | Path, model_card: str | None = None) -> Path:
    """Write the diffusers pipeline layout (safetensors weights) and a model card README.md; returns the folder."""
    folder = Path(folder)
    (folder / "unet").mkdir(parents=True, exist_ok=True)
    (folder / "scheduler").mkdir(parents=True, exist_ok=True)
    model_index = {
        "_class_name": "DDPMPipeline",
        "_diffusers_version": DIFFUSERS_VERSION,
        "scheduler": ["diffusers", "DDPMScheduler"],
        "unet": ["diffusers", "UNet2DModel"],
    }
    unet_config = {**pipe.unet.config.to_dict(), "_diffusers_version": DIFFUSERS_VERSION}
    _write_json(folder / "model_index.json", model_index)
    _write_json(folder / "unet" / "config.json", unet_config)
    _write_json(folder / "scheduler" / "scheduler_config.json", scheduler_config(pipe))
    write_choice(folder, DefaultChoice(pipe.default_options, pipe.default_why), pipe.scheduler_options)
    state_dict = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in pipe.unet.state_dict().items()}
    save_file(state_dict, str(folder / "unet" / WEIGHTS_SAFETENSORS), metadata={"format": "pt"})
    (folder / "README.md").write_text(model_card if model_card is not None else default_model_card(pipe))
    return folder


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")
