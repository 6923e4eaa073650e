"""How close samples come to the training points: memorising (distance ≈ 0) versus filling the shape."""

from __future__ import annotations

import torch

from ..memorisation import nearest


def mean_nearest_distance(samples: torch.Tensor, data: torch.Tensor) -> float:
    """The mean over samples (M, D) of the Euclidean distance to the nearest data point (N, D)."""
    return float(nearest(samples, data).distance.mean())
