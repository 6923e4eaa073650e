"""How close samples come to the training points: memorising (distance ≈ 0) versus filling the shape."""

from __future__ import annotations

import torch


def nearest_distances(samples: torch.Tensor, data: torch.Tensor) -> torch.Tensor:
    """(M,) Euclidean distance from each sample (M, D) to its nearest data point (N, D)."""
    return torch.cdist(samples.double(), data.double()).min(dim=1).values


def mean_nearest_distance(samples: torch.Tensor, data: torch.Tensor) -> float:
    """The mean over samples of the distance to the nearest data point."""
    return float(nearest_distances(samples, data).mean())
