"""Does a model copy its training images? Nearest training neighbours of samples, against those of real images.

For each generated sample: its nearest training image and the distance to it, in some space (pixels, or features).
Alone those distances mean little; beside them stand the same distances for real images the model did not train on
(or, when every real image was trained on, each training image's nearest *other* training image: leave-one-out).
A sample is a near-copy when it is closer to a training image than all but ``NEAR_COPY_QUANTILE`` of the real images
are to theirs: a model that draws fresh images from the data distribution puts about that share of its samples there
by chance; a model that copies puts far more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .images import from_uint8, to_uint8

NEAR_COPY_QUANTILE = 0.01  # the near-copy threshold: this quantile of real images' nearest-training distances
QUANTILES = (0.01, 0.05, 0.25, 0.5)


@dataclass(frozen=True)
class Neighbours:
    """For each query: the index of its nearest bank item and the distance to it."""

    index: np.ndarray  # (N,) int
    distance: np.ndarray  # (N,) float


def nearest(queries: torch.Tensor, bank: torch.Tensor, exclude_self: bool = False, chunk: int = 256) -> Neighbours:
    """Nearest neighbours (Euclidean) of queries (N, ...) among bank (M, ...), compared flattened, in float64.
    ``exclude_self``: the queries are bank[:N] and each one's own entry does not count (leave-one-out)."""
    q, b = queries.flatten(1).double(), bank.flatten(1).double()
    assert q.shape[1] == b.shape[1], f"{tuple(q.shape)} vs {tuple(b.shape)}"
    index, distance = [], []
    for start in range(0, len(q), chunk):
        d = torch.cdist(q[start : start + chunk], b, compute_mode="donot_use_mm_for_euclid_dist")  # (n, M)
        if exclude_self:
            rows = torch.arange(len(d))
            d[rows, rows + start] = float("inf")
        best = d.min(1)
        index.append(best.indices)
        distance.append(best.values)
    return Neighbours(torch.cat(index).numpy(), torch.cat(distance).numpy())


@dataclass(frozen=True)
class Memorisation:
    """Nearest-training distances of samples and of real images in one space, and the near-copy verdict."""

    space: str
    samples: np.ndarray  # (N,) each sample's distance to its nearest training image
    real: np.ndarray  # (R,) each real image's distance to its nearest (other) training image
    threshold: float  # NEAR_COPY_QUANTILE of ``real``

    @property
    def near_copy_share(self) -> float:
        """Share of samples closer to a training image than ``threshold``."""
        return float((self.samples < self.threshold).mean())

    @property
    def ratio_of_medians(self) -> float:
        """Median sample distance over median real distance: ≈ 1 for fresh draws, ≪ 1 when copying."""
        return float(np.median(self.samples) / np.median(self.real))

    def quantiles(self, which: np.ndarray) -> list[float]:
        return [float(v) for v in np.quantile(which, QUANTILES)]


def memorisation(space: str, samples: Neighbours, real: Neighbours) -> Memorisation:
    return Memorisation(space, samples.distance, real.distance, float(np.quantile(real.distance, NEAR_COPY_QUANTILE)))


def pixel_space(x: torch.Tensor) -> torch.Tensor:
    """Images (N, C, H, W) in [-1, 1] → vectors whose Euclidean distance is the RMS pixel difference in [0, 1]."""
    return (x + 1).flatten(1) / 2 / x[0].numel() ** 0.5


TRAINING_SET_FILE = "training_set.npz"  # beside a model's weights: what the model trained on, for the nearest check


@dataclass(frozen=True)
class TrainingSet:
    """A model's training images, shipped beside its weights so that the app can show each sample's nearest one.

    ``threshold`` is the near-copy threshold in pixel space (RMS): the ``NEAR_COPY_QUANTILE`` of training images'
    distances to their nearest *other* training image (leave-one-out), computed once when the set is written."""

    images: np.ndarray  # (M, H, W, C) uint8
    threshold: float

    @classmethod
    def of(cls, images: torch.Tensor, num_real: int = 1000, seed: int = 0) -> TrainingSet:
        """From training images (M, C, H, W) in [-1, 1]: the uint8 copy and the leave-one-out threshold."""
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
        bank = pixel_space(images[order])
        real = nearest(bank[:num_real], bank, exclude_self=True)
        return cls(to_uint8(images), float(np.quantile(real.distance, NEAR_COPY_QUANTILE)))

    def save(self, folder) -> None:
        np.savez_compressed(f"{folder}/{TRAINING_SET_FILE}", images=self.images, threshold=self.threshold)

    @classmethod
    def load(cls, path) -> TrainingSet:
        with np.load(path) as stored:
            return cls(stored["images"], float(stored["threshold"]))

    def unit(self) -> torch.Tensor:
        """The images as (M, C, H, W) in [-1, 1]."""
        return from_uint8(self.images)

    def nearest_to(self, samples: np.ndarray) -> Neighbours:
        """Each uint8 sample (N, H, W, C)'s nearest training image in pixel space (distance: RMS in [0, 1])."""
        return nearest(pixel_space(from_uint8(samples)), pixel_space(self.unit()))
