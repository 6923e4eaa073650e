"""A small time-conditioned MLP ε-network for 2D samples: ε_θ(x_t, t), (B, 2) in, (B, 2) out."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..unet import SinusoidalEmbedding


@dataclass(frozen=True)
class MLPConfig:
    """hidden units per layer, number of residual blocks, size of the timestep's sinusoidal code."""

    hidden: int = 128
    blocks: int = 3
    time_dim: int = 64


class ResidualBlock(nn.Module):
    """h + Linear(SiLU(Linear(h) + the timestep's projection)): the UNet's ResNet block, reduced to vectors."""

    def __init__(self, hidden: int, time_dim: int):
        super().__init__()
        self.linear1 = nn.Linear(hidden, hidden)
        self.time_proj = nn.Linear(time_dim, hidden)
        self.linear2 = nn.Linear(hidden, hidden)

    def forward(self, h: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        return h + self.linear2(nn.functional.silu(self.linear1(nn.functional.silu(h)) + self.time_proj(temb)))


class EpsMLP(nn.Module):
    """x_t and the sinusoidal code of t (Ho et al., App. B) → ε̂, through residual blocks that each see t."""

    def __init__(self, config: MLPConfig = MLPConfig()):
        super().__init__()
        self.config = config
        self.time_embedding = SinusoidalEmbedding(config.time_dim, flip_sin_to_cos=True, freq_shift=0)
        self.time_mlp = nn.Sequential(
            nn.Linear(config.time_dim, config.time_dim), nn.SiLU(), nn.Linear(config.time_dim, config.time_dim)
        )
        self.input = nn.Linear(2, config.hidden)
        self.blocks = nn.ModuleList(ResidualBlock(config.hidden, config.time_dim) for _ in range(config.blocks))
        self.output = nn.Sequential(nn.SiLU(), nn.Linear(config.hidden, 2))

    def forward(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        B = x_t.shape[0]
        assert x_t.shape == (B, 2) and t.shape == (B,), (
            f"x_t (B, 2) and t (B,); got {tuple(x_t.shape)}, {tuple(t.shape)}"
        )
        temb = self.time_mlp(self.time_embedding(t))  # (B, time_dim)
        h = self.input(x_t)  # (B, hidden)
        for block in self.blocks:
            h = block(h, temb)
        return self.output(h)  # (B, 2)
