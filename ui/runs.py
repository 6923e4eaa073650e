"""What every sampling view of the Reverse tab shares: precision modes, loading a model for a handler, the heavy
concurrency group, the run budget and the ZeroGPU wrapper. The tab (``ui.reverse``) and its race (``ui.race``) use
the same ones, so that a race and a run never hold more slots, time or memory than one run may."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr
import torch

from ddpm import DDPMError, Pipeline
from ddpm.device import fast_dtype
from ddpm.hub import ModelLimits

from .i18n import say
from .models import PipelineCache

HEAVY = "heavy"  # loading a model, timing it and sampling share these slots: scrubbing never waits behind them
PROGRESS_EVERY_S = 0.2  # the longest a status line waits between updates while a stream works


def on_gpu(fn):
    """``spaces.GPU(fn)`` on a Hugging Face ZeroGPU Space; ``fn`` unchanged wherever ``spaces`` is not installed."""
    try:
        import spaces
    except ImportError:
        return fn
    return spaces.GPU(fn)


def heavy_slots(pipelines: PipelineCache) -> int:
    """One heavy event at a time on a CPU (it uses every core), two on a GPU."""
    return 1 if pipelines.device.type == "cpu" else 2


def heavy_group(pipelines: PipelineCache) -> dict:
    """The keywords that put an event into the heavy concurrency group."""
    return {"concurrency_id": HEAVY, "concurrency_limit": heavy_slots(pipelines)}


def precision_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The pipeline dtype of a precision mode: float32 (exact) or the device's fast reduced precision."""
    if precision not in ("exact", "fast"):
        raise gr.Error(f"Precision must be “exact” or “fast”; got {precision!r}.")
    return torch.float32 if precision == "exact" else fast_dtype(device)


def precision_of(dtype: torch.dtype) -> str:
    """The precision radio's value for the app's ``--dtype``."""
    return "exact" if dtype == torch.float32 else "fast"


def load_pipe(pipelines: PipelineCache, model: str, dtype: torch.dtype) -> Pipeline:
    """The pipeline a handler runs, or a ``gr.Error`` with the loader's sentence."""
    try:
        return pipelines.load(model, dtype)
    except DDPMError as error:
        raise gr.Error(str(error)) from None


def duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


@dataclass(frozen=True)
class RunBudget:
    """What one run may cost: its activations always fit the machine; on a public server its estimated time (one
    timed ε-network forward × network calls) stays within ``max_seconds``, so that one request cannot hold a slot
    for minutes."""

    max_seconds: float | None = None  # None: no time limit (the app on your own machine)
    max_activation_bytes: int = ModelLimits().max_activation_bytes

    def check(self, pipelines: PipelineCache, model: str, dtype, batch_size: int, num_steps: int) -> None:
        """``num_steps``: the network calls (NFE) of the whole request, one per step for every sampler here."""
        pipe = pipelines.load(model, dtype)
        per_image = pipe.cost.activation_bytes
        if batch_size * per_image > self.max_activation_bytes:
            fits = max(1, self.max_activation_bytes // per_image)
            raise DDPMError(
                f"A batch of {batch_size} needs ≈ {batch_size * per_image / 1024**3:.1f} GiB of activations with "
                f"this model, more than this machine allows ({self.max_activation_bytes / 1024**3:.1f} GiB): use a "
                f"batch of at most {fits}."
            )
        if self.max_seconds is not None:
            seconds = pipelines.seconds_per_step(model, dtype, batch_size) * num_steps
            if seconds > self.max_seconds:
                raise DDPMError(
                    f"This run would take ≈ {duration(seconds)} ({num_steps} network calls at batch {batch_size}); "
                    f"runs on this public server are limited to {duration(self.max_seconds)}: use fewer steps (DDIM "
                    "with 50 steps is close to DDPM with 1000) or a smaller batch, or run the app on your own machine."
                )


# Every sampler here costs one ε-network call (NFE) per step; each has a name for the page and one line saying what
# it does, shown beside the choice.
SAMPLER_NAMES = {
    "ddpm": "DDPM",
    "ddim": "DDIM",
    "dpmpp_2m": "DPM-Solver++(2M)",
    "dpmpp_2m_sde": "SDE-DPM-Solver++(2M)",
    "unipc": "UniPC",
}
SAMPLER_CHOICES = [
    ("DDPM (Ho et al. 2020)", "ddpm"),
    ("DDIM (Song et al. 2021)", "ddim"),
    ("DPM-Solver++(2M) (Lu et al. 2022)", "dpmpp_2m"),
    ("SDE-DPM-Solver++(2M) (Lu et al. 2022)", "dpmpp_2m_sde"),
    ("UniPC (Zhao et al. 2023)", "unipc"),
]
SAMPLER_NOTES = {
    "ddpm": "**DDPM** (Algorithm 2): ancestral sampling, fresh noise at every step; the chain the model was trained "
    "for, at its best with hundreds of steps.",
    "ddim": "**DDIM**: with η = 0 a deterministic first-order solver of the probability-flow ODE (the same x_T "
    "always gives the same picture); η = 1 brings back DDPM's noise.",
    "dpmpp_2m": "**DPM-Solver++(2M)**: a second-order multistep solver of the same ODE in log-SNR time, reusing the "
    "previous step's x̂₀ instead of an extra network call; deterministic, good in 10–20 calls.",
    "dpmpp_2m_sde": "**SDE-DPM-Solver++(2M)**: the second-order step of DPM-Solver++(2M) with fresh noise at every "
    "step (it solves the reverse SDE, not the ODE): stochastic like DDPM, so it usually needs more steps.",
    "unipc": "**UniPC** (bh2): a predictor–corrector multistep ODE solver; each network call also corrects the step "
    "before it, for free; deterministic, aimed at 5–10 calls.",
}
ONE_CALL_PER_STEP = (
    "Each sampler here costs one network call (NFE) per step; diffusers runs the three solvers without clipping x̂₀."
)


def sampler_note(sampler: str, say: Callable[[str], str] = say) -> str:
    """The line shown beside the sampler choice (``say``: in the event's language)."""
    return f"{say(SAMPLER_NOTES.get(sampler, ''))} {say(ONE_CALL_PER_STEP)}"
