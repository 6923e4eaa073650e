"""The resumable training state: one ``save_state`` / ``load_state`` pair, each the mirror of the other.

The file is a plain dict of tensors and numbers read back with ``torch.load(weights_only=True)``; it is written to
a temporary file first and then moved into place, so a crash never leaves half a state behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.optim.swa_utils import AveragedModel

from ddpm.unet import UNet


@dataclass
class Trainee:
    """What a training run updates and a resume must restore."""

    unet: UNet
    ema: AveragedModel
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler


@dataclass(frozen=True)
class Progress:
    step: int = 0
    epoch: int = 0
    elapsed: float = 0.0  # seconds of training so far


def save_state(path: Path, trainee: Trainee, progress: Progress, generator: torch.Generator) -> None:
    state = {
        "unet": trainee.unet.state_dict(),
        "ema": trainee.ema.state_dict(),
        "optimizer": trainee.optimizer.state_dict(),
        "scaler": trainee.scaler.state_dict(),
        "step": progress.step,
        "epoch": progress.epoch,
        "elapsed": progress.elapsed,
        "generator": generator.get_state(),
        "torch_rng": torch.get_rng_state(),
    }
    temporary = path.with_name(path.name + ".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)  # never leave a half-written state behind


def load_state(path: Path, trainee: Trainee) -> tuple[Progress, torch.Tensor]:
    """Restore ``trainee`` and torch's RNG from ``path``; returns the progress and the saved generator state
    (rank 0's: the caller decides what each rank's generator continues from)."""
    # On the CPU: RNG states must be CPU tensors; the loads below move weights and moments to their device.
    state = torch.load(path, map_location="cpu", weights_only=True)
    trainee.unet.load_state_dict(state["unet"])
    trainee.ema.load_state_dict(state["ema"])
    trainee.optimizer.load_state_dict(state["optimizer"])
    if state.get("scaler"):  # empty when saved without loss scaling
        trainee.scaler.load_state_dict(state["scaler"])
    torch.set_rng_state(state["torch_rng"])
    return Progress(state["step"], state["epoch"], state["elapsed"]), state["generator"]
