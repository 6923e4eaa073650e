"""The reverse process loop: ``denoise``, the step-by-step generator every sampler in this project runs (the full
loop just runs it to the end), for any ε-model ``model(x_t, t)`` and any tensor shape (B, …).

A sampler with K < T steps walks a *respaced* chain (``NoiseSchedule.respace``): position k of the chain stands for
training timestep t_k, keeps its marginal ᾱ'_k = ᾱ_{t_k}, and has β'_k = 1 - ᾱ_{t_k}/ᾱ_{t_{k-1}}. With K = T the
chain is the training schedule itself. The loop owns nothing sampler-specific: it asks the run's ``Sampler``
(``ddpm.samplers``) for each step. ``SamplingOptions`` and the step functions are re-exported here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import get_args

import torch

from .diffusion import EpsModel
from .errors import DDPMError
from .options import SamplerName, SamplingOptions, Spacing, VarianceType, timesteps_for
from .samplers import DDIMSampler, DDPMSampler, Sampler, StepOutput, ddim_step, ddpm_step
from .schedule import NoiseSchedule
from .solvers import DPMSolverPP2M, DPMSolverPP2MSDE, UniPC

__all__ = [
    "SAMPLERS",
    "DenoiseStep",
    "Sampler",
    "SamplerName",
    "SamplingOptions",
    "Spacing",
    "StepOutput",
    "VarianceType",
    "ddim_step",
    "ddpm_step",
    "denoise",
    "run_to_end",
    "sample_loop",
    "timesteps_for",
]


SAMPLERS: dict[str, type[Sampler]] = {
    "ddpm": DDPMSampler,
    "ddim": DDIMSampler,
    "dpmpp_2m": DPMSolverPP2M,
    "dpmpp_2m_sde": DPMSolverPP2MSDE,
    "unipc": UniPC,
}
assert tuple(SAMPLERS) == get_args(SamplerName), "every SamplerName needs a Sampler, and only those"


def make_sampler(chain: NoiseSchedule, options: SamplingOptions) -> Sampler:
    """A fresh sampler for one run of ``options.sampler`` on ``chain``."""
    return SAMPLERS[options.sampler](chain, options)


@dataclass(frozen=True)
class DenoiseStep:
    """The state of the chain at one moment: x_t (B, …) and the model's x̂_0 from it, in [-1, 1] scale.

    ``denoise`` yields K + 1 of these: index 0 is x_T (the starting noise), index k is the sample after k steps,
    and the last (index K, timestep -1) is the final sample, whose ``x0_pred`` is the sample itself.
    """

    index: int
    timestep: int
    x_t: torch.Tensor
    x0_pred: torch.Tensor


def _checked_timesteps(schedule: NoiseSchedule, options: SamplingOptions, timesteps) -> torch.Tensor:
    if timesteps is None:
        return options.timesteps(schedule.num_timesteps)
    timesteps = torch.as_tensor(timesteps, dtype=torch.long)
    if timesteps.ndim != 1 or timesteps.numel() < 1:
        raise DDPMError("Sampling timesteps must be a non-empty list of whole numbers.")
    return timesteps


def denoise(
    model: EpsModel,
    schedule: NoiseSchedule,
    x_T: torch.Tensor,
    options: SamplingOptions | None = None,
    *,
    timesteps: Sequence[int] | torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    **fields,
) -> Iterator[DenoiseStep]:
    """Run the reverse chain from x_T, yielding a ``DenoiseStep`` before every step and once after the last.

    ``model(x_t, t)`` is any ε-network; ``t`` is a (B,) long tensor of training timesteps. ``options`` say which
    sampler and how many steps (default ``SamplingOptions()``: DDPM over all T); keyword ``fields`` replace single
    options (``sampler="ddim", num_steps=50``). ``timesteps`` gives the steps explicitly instead (descending; e.g.
    SDEdit starts the chain below T-1). Noise comes only from ``generator``, drawn on the CPU and moved to x_T's device.
    """
    options = (options or SamplingOptions()).replace(**fields)
    timesteps = _checked_timesteps(schedule, options, timesteps)
    chain = schedule.respace(timesteps)
    if not torch.equal(chain.timesteps.flip(0), timesteps):
        raise DDPMError(f"Sampling timesteps must be distinct and descending; got {timesteps.tolist()[:8]}…")
    sampler = make_sampler(chain, options)
    K, B = len(chain), x_T.shape[0]

    x_t = x_T
    for i in range(K):
        k = K - 1 - i  # chain position, counting down to 0
        t = int(chain.timesteps[k])
        eps = model(x_t, torch.full((B,), t, dtype=torch.long, device=x_t.device)).to(x_t.dtype)
        out = sampler.step(k, x_t, eps, generator)
        yield DenoiseStep(i, t, x_t, out.x0_pred)
        x_t = out.x_prev
    yield DenoiseStep(K, -1, x_t, x_t)


def run_to_end(steps: Iterator[DenoiseStep]) -> DenoiseStep:
    """Exhaust a ``denoise`` run, keeping only its last step in memory."""
    (last,) = deque(steps, maxlen=1)
    return last


def sample_loop(model: EpsModel, schedule: NoiseSchedule, x_T: torch.Tensor, options=None, **kwargs) -> torch.Tensor:
    """Run ``denoise`` to the end and return the final sample x_0 (B, …)."""
    return run_to_end(denoise(model, schedule, x_T, options, **kwargs)).x_t
