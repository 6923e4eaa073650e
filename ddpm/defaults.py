"""Which sampler a checkpoint runs when nobody chooses: ``Pipeline.default_options``, decided per checkpoint.

The best sampler at 1000 steps is the worst at 10 (DDIM paper, Table 1, CIFAR-10: DDPM with σ² = β scores FID 3.17
at 1000 steps and 367 at 10; DDIM η = 0 13.4 at 10), so there is no one right default:

1. A checkpoint that was measured carries its choice in ``sampling_defaults.json`` beside ``model_index.json``
   (the sampling option fields to change, and ``why``; written from ``benchmarks/sample_quality.py --sweep``).
2. Otherwise — a Hub checkpoint such as google/ddpm-cifar10-32 — the published measurements on those very
   checkpoints decide: a probability-flow ODE solver with 20 calls (DPM-Solver++(2M), trailing spacing so the run
   starts at t = T-1, no x̂_0 clipping as diffusers runs it). Few-step *ancestral* DDPM is never a default: with the
   "fixed_large" variance it is the 367-FID row of that table.
The checkpoint's own scheduler config (variance, clipping, spacing for DDPM) stays available as
``Pipeline.scheduler_options``; it is what a saved checkpoint writes back as its DDPMScheduler config.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import DDPMError
from .options import SamplingOptions

SAMPLING_DEFAULTS_FILE = "sampling_defaults.json"
MAX_DEFAULTS_BYTES = 16 * 1024
CHOOSABLE = ("sampler", "num_steps", "eta", "spacing", "clip_sample", "variance_type")
PUBLISHED_CHOICE = {"sampler": "dpmpp_2m", "num_steps": 20, "spacing": "trailing", "clip_sample": False}
PUBLISHED_WHY = (
    "No measurement ships with this checkpoint: DPM-Solver++(2M) with 20 network calls, the published leader per "
    "call on the DDPM checkpoints (DDIM paper Table 1; Lu et al. 2022), instead of few-step ancestral DDPM."
)


@dataclass(frozen=True)
class DefaultChoice:
    """The options a checkpoint runs by default, and one sentence saying why (shown in the app and the CLI)."""

    options: SamplingOptions
    why: str


def choose_defaults(scheduler_options: SamplingOptions, folder: Path | None, num_timesteps: int) -> DefaultChoice:
    """The measured choice in ``folder/sampling_defaults.json`` if there is one, else the published rule; either
    must give valid timesteps for this checkpoint's T."""
    path = None if folder is None else Path(folder) / SAMPLING_DEFAULTS_FILE
    if path is None or not path.is_file():
        choice = DefaultChoice(scheduler_options.replace(**PUBLISHED_CHOICE), PUBLISHED_WHY)
    else:
        fields = read_choice(path)
        why = fields.pop("why", "")
        if not isinstance(why, str) or len(why) > 1000:
            raise DDPMError(f"{SAMPLING_DEFAULTS_FILE}: 'why' must be a sentence of at most 1000 characters.")
        choice = DefaultChoice(scheduler_options.replace(**fields), why)
    choice.options.timesteps(num_timesteps)  # a step count this T cannot give is refused now, not at sampling
    return choice


def read_choice(path: Path) -> dict:
    """The fields of a ``sampling_defaults.json``: only sampling option names (and ``why``), each checked by
    ``SamplingOptions`` itself; anything else is one ``DDPMError`` that does not echo the file."""
    try:
        if path.stat().st_size > MAX_DEFAULTS_BYTES:
            raise DDPMError(f"{SAMPLING_DEFAULTS_FILE} is larger than {MAX_DEFAULTS_BYTES // 1024} kB.")
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise DDPMError(f"Could not read {SAMPLING_DEFAULTS_FILE} as JSON.") from None
    if not isinstance(data, dict):
        raise DDPMError(f"{SAMPLING_DEFAULTS_FILE} must hold a JSON object.")
    unknown = sorted(set(data) - {*CHOOSABLE, "why"})
    if unknown:
        raise DDPMError(f"{SAMPLING_DEFAULTS_FILE} may set only {', '.join(CHOOSABLE)} and why.")
    SamplingOptions().replace(**{k: v for k, v in data.items() if k != "why"})  # each value checked here
    return dict(data)


def write_choice(folder: Path, choice: DefaultChoice, scheduler_options: SamplingOptions) -> None:
    """Store the fields where ``choice`` differs from the scheduler config, so loading gives the same default.
    A choice without a ``why`` was never made (a pipeline built in code): nothing is written, and loading applies
    the published rule."""
    if not choice.why:
        return
    fields = {
        name: getattr(choice.options, name)
        for name in CHOOSABLE
        if getattr(choice.options, name) != getattr(scheduler_options, name)
    }
    (Path(folder) / SAMPLING_DEFAULTS_FILE).write_text(json.dumps({**fields, "why": choice.why}, indent=2) + "\n")
