"""2D datasets: named point clouds and points sampled from a drawing, every one inside [-1, 1]² like an image's pixels.

Each dataset is a fixed distribution (fixed scale, no rescaling by the sample drawn), so fresh draws with another
seed come from the same law as the training points: that is what the nearest-neighbour comparison needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, get_args

import torch

from ..errors import DDPMError
from ..options import check_choice

DatasetName = Literal["two_moons", "swiss_roll", "eight_gaussians", "checkerboard", "ring"]
DATASET_NAMES: tuple[str, ...] = get_args(DatasetName)
EIGHT_GAUSSIANS_RADIUS, EIGHT_GAUSSIANS_STD = 0.8, 0.06
MAX_POINTS = 20_000


def _uniform(n: int, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=generator, dtype=torch.float64)


def _jitter(n: int, std: float, generator: torch.Generator) -> torch.Tensor:
    return std * torch.randn(n, 2, generator=generator, dtype=torch.float64)


def two_moons(n: int, generator: torch.Generator) -> torch.Tensor:
    """Two interleaved half circles (scikit-learn's ``make_moons`` shape), centred and scaled into [-1, 1]²."""
    upper = torch.rand(n, generator=generator) < 0.5
    theta = math.pi * _uniform(n, generator)
    outer = torch.stack([theta.cos(), theta.sin()], dim=1)
    inner = torch.stack([1 - theta.cos(), 0.5 - theta.sin()], dim=1)
    points = torch.where(upper[:, None], outer, inner) - torch.tensor([0.5, 0.25], dtype=torch.float64)
    return 0.6 * (points + _jitter(n, 0.05, generator))


def swiss_roll(n: int, generator: torch.Generator) -> torch.Tensor:
    """The 2D Swiss roll: radius growing with angle θ ∈ [1.5π, 4.5π], scaled into [-1, 1]²."""
    theta = 1.5 * math.pi * (1 + 2 * _uniform(n, generator))
    points = torch.stack([theta * theta.cos(), theta * theta.sin()], dim=1) / (4.5 * math.pi)
    return 0.9 * points + _jitter(n, 0.015, generator)


def eight_gaussians_centres() -> torch.Tensor:
    """(8, 2): the centres of ``eight_gaussians``, evenly spaced on a circle."""
    angles = torch.arange(8, dtype=torch.float64) * math.pi / 4
    return EIGHT_GAUSSIANS_RADIUS * torch.stack([angles.cos(), angles.sin()], dim=1)


def eight_gaussians(n: int, generator: torch.Generator) -> torch.Tensor:
    """A mixture of eight equal isotropic Gaussians on a circle (its exact form: ``exact.eight_gaussians_mixture``)."""
    which = torch.randint(0, 8, (n,), generator=generator)
    return eight_gaussians_centres()[which] + _jitter(n, EIGHT_GAUSSIANS_STD, generator)


def checkerboard(n: int, generator: torch.Generator) -> torch.Tensor:
    """Uniform on the 8 dark squares of a 4×4 board covering [-0.9, 0.9]²."""
    cell = torch.randint(0, 8, (n,), generator=generator)
    row = cell // 2
    col = 2 * (cell % 2) + row % 2  # dark squares: row + col even
    corner = torch.stack([col, row], dim=1).to(torch.float64)
    return 0.45 * (corner + torch.rand(n, 2, generator=generator, dtype=torch.float64)) - 0.9


def ring(n: int, generator: torch.Generator) -> torch.Tensor:
    """A thin ring of radius 0.7."""
    theta = 2 * math.pi * _uniform(n, generator)
    radius = 0.7 + 0.02 * torch.randn(n, generator=generator, dtype=torch.float64)
    return torch.stack([radius * theta.cos(), radius * theta.sin()], dim=1)


DATASETS: dict[str, Callable[[int, torch.Generator], torch.Tensor]] = {
    "two_moons": two_moons,
    "swiss_roll": swiss_roll,
    "eight_gaussians": eight_gaussians,
    "checkerboard": checkerboard,
    "ring": ring,
}
assert tuple(DATASETS) == DATASET_NAMES


def _count(n: int) -> int:
    if not 1 <= n <= MAX_POINTS:
        raise DDPMError(f"A point cloud has between 1 and {MAX_POINTS} points; got {n}.")
    return n


def make_points(name: str, n: int, generator: torch.Generator) -> torch.Tensor:
    """(n, 2) float32 points of the dataset ``name``, drawn from ``generator``."""
    check_choice("dataset", name, DatasetName)
    return DATASETS[name](_count(n), generator).to(torch.float32)


def points_from_ink(ink: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """(n, 2) float32 points spread uniformly over the ink of a drawing.

    ``ink`` is an (H, W) boolean mask, row 0 at the top. Each point picks an ink pixel uniformly and a uniform spot
    inside it; the ink's bounding box is centred and its longer side spans [-0.95, 0.95] (aspect kept, y up).
    """
    assert ink.ndim == 2 and ink.dtype == torch.bool, f"ink must be an (H, W) bool mask, got {tuple(ink.shape)}"
    rows, cols = torch.nonzero(ink, as_tuple=True)
    if rows.numel() == 0:
        raise DDPMError("The drawing has no ink: draw a shape first.")
    pick = torch.randint(0, rows.numel(), (_count(n),), generator=generator)
    offset = torch.rand(n, 2, generator=generator, dtype=torch.float64)
    x = cols[pick].to(torch.float64) + offset[:, 0]
    y = -(rows[pick].to(torch.float64) + offset[:, 1])
    centre = torch.tensor([(cols.min() + cols.max() + 1) / 2, -(rows.min() + rows.max() + 1) / 2], dtype=torch.float64)
    scale = 1.9 / max(int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1)
    return ((torch.stack([x, y], dim=1) - centre) * scale).to(torch.float32)
