"""What people hand the app — uploads and drawings — made into the images and tensors the tabs work on."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image, ImageOps

from ddpm.image_intake import ImageLimits, open_image, to_8bit
from ddpm.images import from_pil

from . import params

SIZES = (64, 128, 256)
SIZE_CHOICES = tuple(map(str, SIZES))  # the resolution radio's values: strings, as Gradio's API page shows them
MODES = ("RGB", "Grayscale")
MAX_SOURCE = 512  # uploads are shrunk to this at once; the work happens at 64/128/256 px


def shrink(image: Image.Image, limit: int = MAX_SOURCE) -> Image.Image:
    """An 8-bit L/RGB copy no larger than ``limit`` on its long side (never work at the raw upload size), through the
    one image intake (``ddpm.image_intake``): any mode, EXIF orientation if readable; ``DDPMError`` if too large."""
    return open_image(image, ImageLimits(max_side=limit)).image


def sketch_to_digit(image: Image.Image, size: int = 256) -> Image.Image | None:
    """A drawing (dark strokes on a light or transparent canvas) → an MNIST-like digit: white on black, its bounding
    box scaled into the central 20/28 of a ``size`` square and centred. None when nothing has been drawn."""
    ink = ImageOps.invert(to_8bit(image).convert("L"))  # any mode; transparency is paper
    box = ink.point(lambda v: 255 if v > 40 else 0).getbbox()
    if box is None:
        return None
    digit = ink.crop(box)
    inner = round(size * 20 / 28)
    scale = inner / max(digit.size)
    digit = digit.resize(
        (max(1, round(digit.width * scale)), max(1, round(digit.height * scale))), Image.Resampling.LANCZOS
    )
    canvas = Image.new("L", (size, size), 0)
    canvas.paste(digit, ((size - digit.width) // 2, (size - digit.height) // 2))
    return canvas


def drawn_image(sketch) -> Image.Image | None:
    """The picture in a Sketchpad's value (an EditorValue dict with a "composite", a PIL image or an array)."""
    image = sketch.get("composite") if isinstance(sketch, dict) else sketch
    if image is None or isinstance(image, Image.Image):
        return image
    return Image.fromarray(np.asarray(image))


def to_tensor(image: Image.Image, size: int, mode: str) -> torch.Tensor:
    """(C, size, size) float32 in [-1, 1]; C = 3 for "RGB" (a gray source stays gray), 1 for "Grayscale"."""
    mode = params.choice(mode, "The colour mode", MODES)
    size = resolution(size)
    return from_pil(image, size, channels=1 if mode == "Grayscale" else 3)


def resolution(size) -> int:
    """A working resolution in px from the radio ("64") or from Python (64); ``DDPMError`` for any other value."""
    if isinstance(size, str):
        return int(params.choice(size, "The resolution (px)", SIZE_CHOICES))
    return params.choice(size, "The resolution (px)", SIZES)
