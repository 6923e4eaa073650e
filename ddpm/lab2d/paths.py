"""Paths of particles: forward along the Markov chain (Eq. 2), and reverse runs of ``denoise`` kept whole."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch

from ..diffusion import q_step, randn
from ..sampling import DenoiseStep
from ..schedule import NoiseSchedule


def forward_paths(schedule: NoiseSchedule, x0: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(T + 1, B, D): x_0, then x_t after each forward step t = 0, …, T-1 of q(x_t | x_{t-1}) (Eq. 2)."""
    path = [x0]
    for t in range(schedule.num_timesteps):
        path.append(q_step(schedule, path[-1], t, randn(x0.shape, generator, x0.device, x0.dtype)))
    return torch.stack(path)


@dataclass(frozen=True)
class ReversePath:
    """A whole reverse run: ``points`` (K + 1, B, D) from x_T to the final sample, ``timesteps`` (K + 1,) the timestep
    each stands for (-1 for the final sample), ``x0_preds`` (K + 1, B, D) the x̂_0 made at each."""

    points: torch.Tensor
    timesteps: torch.Tensor
    x0_preds: torch.Tensor

    @classmethod
    def of(cls, steps: Iterable[DenoiseStep]) -> ReversePath:
        steps = list(steps)
        return cls(
            torch.stack([s.x_t for s in steps]),
            torch.tensor([s.timestep for s in steps]),
            torch.stack([s.x0_pred for s in steps]),
        )

    @property
    def final(self) -> torch.Tensor:
        return self.points[-1]
