"""SDEdit (Meng et al. 2022): start the reverse chain from a real image noised to t_0 instead of from pure noise.

The image is noised with the closed form (Eq. 4) and the sampler walks the timesteps from t_0 down to 0; the
smaller t_0, the more of the image survives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .diffusion import randn
from .errors import DDPMError
from .schedule import NoiseSchedule


@dataclass(frozen=True)
class SDEditStart:
    x_t: torch.Tensor  # (B, …) the image noised to timestep t_start
    timesteps: torch.Tensor  # (K,) descending from t_start to 0: what ``denoise(..., timesteps=…)`` walks


def sdedit_timesteps(t_start: int, num_steps: int) -> torch.Tensor:
    """At most ``num_steps`` distinct timesteps, evenly spaced and descending from ``t_start`` to 0."""
    n = min(int(num_steps), int(t_start) + 1)
    return torch.from_numpy(np.linspace(int(t_start), 0, n).round().astype(np.int64))


def sdedit_start(
    schedule: NoiseSchedule, x0: torch.Tensor, t_start: int, num_steps: int, generator: torch.Generator | None
) -> SDEditStart:
    """x0 (B, …) in [-1, 1] noised to ``t_start`` (noise drawn from ``generator``) and the timesteps down from it."""
    T = schedule.num_timesteps
    if not 0 <= int(t_start) < T:
        raise DDPMError(f"SDEdit starts at a timestep from 0 to {T - 1} for this model; got {t_start}.")
    if int(num_steps) < 1:
        raise DDPMError(f"SDEdit needs at least one step; got {num_steps}.")
    noise = randn(x0.shape, generator, x0.device, x0.dtype)
    return SDEditStart(schedule.q_sample(x0, int(t_start), noise), sdedit_timesteps(t_start, num_steps))
