"""Training the 2D ε-network on a point cloud: L_simple (Eq. 14), reported as it goes so a caller can show it and stop.

``train_steps`` is a generator: it yields a ``TrainProgress`` every ``report_every`` steps and once at the end; a
caller that stops iterating (Stop in the app) stops the training, and the model keeps the weights reached so far.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from ..diffusion import training_loss
from ..schedule import NoiseSchedule
from .mlp import EpsMLP


@dataclass(frozen=True)
class TrainConfig:
    """Adam at ``learning_rate`` with cosine decay to zero over ``steps`` minibatches of ``batch_size`` points."""

    steps: int = 4000  # ≈ 16 s on one AVX-512 core: samples near fresh-data distance (benchmarks/RESULTS.md)
    batch_size: int = 256
    learning_rate: float = 3e-3
    report_every: int = 50
    seed: int = 0


@dataclass(frozen=True)
class TrainProgress:
    step: int  # optimizer steps done
    loss: float  # mean L_simple over the steps since the last report
    elapsed_s: float
    done: bool


def train_steps(
    model: EpsMLP, schedule: NoiseSchedule, data: torch.Tensor, config: TrainConfig = TrainConfig()
) -> Iterator[TrainProgress]:
    """Fit ``model`` to ``data`` (N, 2) by Algorithm 1: minibatches of the data, t uniform, ε ~ N(0, I)."""
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    decay = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.steps)
    model.train()
    start, total, since = time.perf_counter(), 0.0, 0
    for step in range(1, config.steps + 1):
        batch = data[torch.randint(0, data.shape[0], (config.batch_size,), generator=generator)]
        loss = training_loss(model, schedule, batch, generator=generator)  # Eq. 14
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        decay.step()
        total, since = total + loss.item(), since + 1
        if step % config.report_every == 0 or step == config.steps:
            done = step == config.steps
            if done:
                model.eval()
            yield TrainProgress(step, total / since, time.perf_counter() - start, done)
            total, since = 0.0, 0
    model.eval()
