"""Helpers shared by the tabs: bundled examples, image preparation, labelled strips, histograms, the model cache.

No diffusion math lives here: formulas come from ``ddpm``.
"""

from __future__ import annotations

import itertools
import math
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ddpm import DDPMError, Pipeline, load_pipeline
from ddpm.images import from_pil, to_uint8

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
# label → (file, is a digit the default model knows, credit). Licences: see ui/examples/CREDITS.md.
EXAMPLES: dict[str, tuple[str, bool, str]] = {
    "Astronaut": ("astronaut.png", False, "NASA, public domain (via scikit-image)"),
    "Cat (Chelsea)": ("chelsea.png", False, "Stefan van der Walt, CC0 (via scikit-image)"),
    "Coffee": ("coffee.png", False, "Rachel Michetti, CC0 (via scikit-image)"),
    "Camera man": ("camera.png", False, "Lav Varshney, CC0 (via scikit-image)"),
    "Digit 2 (MNIST)": ("digit_2.png", True, "MNIST, Y. LeCun & C. Cortes, CC BY-SA 3.0"),
    "Digit 3 (MNIST)": ("digit_3.png", True, "MNIST, Y. LeCun & C. Cortes, CC BY-SA 3.0"),
    "Digit 7 (MNIST)": ("digit_7.png", True, "MNIST, Y. LeCun & C. Cortes, CC BY-SA 3.0"),
}
SIZES = (64, 128, 256)
MODES = ("RGB", "Grayscale")
MAX_SOURCE = 512  # uploads are shrunk to this at once; the work happens at 64/128/256 px


def load_example(name: str) -> tuple[Image.Image, bool]:
    if name not in EXAMPLES:
        raise DDPMError(f"There is no bundled example called {name!r}; pick one of: {', '.join(EXAMPLES)}.")
    file, is_digit, _ = EXAMPLES[name]
    with Image.open(EXAMPLES_DIR / file) as image:
        return image.copy(), is_digit


def shrink(image: Image.Image, limit: int = MAX_SOURCE) -> Image.Image:
    """A copy no larger than ``limit`` on its long side (never work at the raw upload size)."""
    image = ImageOps.exif_transpose(image) or image
    image = image.copy()
    image.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    return image


def sketch_to_digit(image: Image.Image, size: int = 256) -> Image.Image | None:
    """A drawing (dark strokes on a light or transparent canvas) → an MNIST-like digit: white on black, its bounding
    box scaled into the central 20/28 of a ``size`` square and centred. None when nothing has been drawn."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    ink = ImageOps.invert(image.convert("L"))
    box = ink.point(lambda v: 255 if v > 40 else 0).getbbox()
    if box is None:
        return None
    digit = ink.crop(box)
    inner = round(size * 20 / 28)
    scale = inner / max(digit.size)
    digit = digit.resize((max(1, round(digit.width * scale)), max(1, round(digit.height * scale))),
                         Image.Resampling.LANCZOS)
    canvas = Image.new("L", (size, size), 0)
    canvas.paste(digit, ((size - digit.width) // 2, (size - digit.height) // 2))
    return canvas


def to_tensor(image: Image.Image, size: int, mode: str) -> torch.Tensor:
    """(C, size, size) float32 in [-1, 1]; C = 3 for "RGB" (a gray source stays gray), 1 for "Grayscale"."""
    if mode not in MODES:
        raise DDPMError(f"Colour mode must be one of {', '.join(MODES)}; got {mode!r}.")
    if int(size) not in SIZES:
        raise DDPMError(f"Resolution must be one of {', '.join(map(str, SIZES))} px; got {size}.")
    return from_pil(image, int(size), channels=1 if mode == "Grayscale" else 3)


def to_image(x: torch.Tensor) -> Image.Image:
    """(C, H, W) or (1, C, H, W) in [-1, 1] → PIL ("L" or "RGB"); values outside [-1, 1] are clipped for display."""
    array = to_uint8(x if x.ndim == 4 else x.unsqueeze(0))[0]
    return Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)


class FastPng:
    """Writes PIL images as PNG files at zlib level 1 into a ring of files, for outputs that change on every slider
    tick. Noise does not compress, so Gradio's default level costs 15–23 ms for a 256² RGB x_t for nothing; level 1
    takes a few ms. Gradio copies a returned file into its cache before the response, so a ring of slots (far more
    than the queue's concurrency) is never overwritten while still in use."""

    def __init__(self, slots: int = 64):
        self.folder = Path(tempfile.mkdtemp(prefix="ddpm-studio-frames-"))
        self.slots = slots
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def __call__(self, image: Image.Image) -> str:
        with self._lock:
            path = self.folder / f"frame-{next(self._counter) % self.slots:03d}.png"
        image.save(path, format="PNG", compress_level=1)
        return str(path)


def noise_image(eps: torch.Tensor) -> Image.Image:
    """ε shown at ±3σ → [-1, 1], so a standard normal fills the gray range without saturating."""
    return to_image(eps / 3)


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without scalable default font
        return ImageFont.load_default()


def labelled_grid(rows: list[list[Image.Image]], col_labels: list[str], row_labels: list[str] | None = None,
                  cell: int = 128, gap: int = 4) -> Image.Image:
    """Tiles of equal size with a caption under each column and an optional label left of each row."""
    font = _font(max(12, cell // 10))
    label_w = (max(int(font.getlength(s)) for s in row_labels) + 12) if row_labels else 0
    caption_h = max(16, cell // 6)
    n_cols = max(len(r) for r in rows)
    width = label_w + n_cols * (cell + gap) + gap
    height = len(rows) * (cell + gap) + gap + caption_h
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for r, row in enumerate(rows):
        top = gap + r * (cell + gap)
        if row_labels:
            draw.text((6, top + cell // 2), row_labels[r], fill=(20, 20, 20), font=font, anchor="lm")
        for c, tile in enumerate(row):
            canvas.paste(tile.convert("RGB").resize((cell, cell), Image.Resampling.NEAREST),
                         (label_w + gap + c * (cell + gap), top))
    for c, text in enumerate(col_labels):
        x = label_w + gap + c * (cell + gap) + cell // 2
        draw.text((x, height - caption_h // 2 - 1), text, fill=(20, 20, 20), font=font, anchor="mm")
    return canvas


def histogram_frame(x: torch.Tensor, bins: int = 61, lo: float = -4.0, hi: float = 4.0) -> pd.DataFrame:
    """Density histogram of x's values next to the standard normal density, as a long table for ``gr.LinePlot``."""
    values = x.detach().float().cpu().numpy().ravel()
    density, edges = np.histogram(values, bins=bins, range=(lo, hi), density=False)
    width = edges[1] - edges[0]
    density = density / (values.size * width)  # fraction per unit: comparable to a density (tails beyond ±4 dropped)
    centres = (edges[:-1] + edges[1:]) / 2
    normal = np.exp(-0.5 * centres**2) / math.sqrt(2 * math.pi)  # N(0, 1) density, the target of q(x_T)
    return pd.DataFrame({
        "value": np.concatenate([centres, centres]).round(3),
        "density": np.concatenate([density, normal]).round(4),
        "series": ["pixels of x_t"] * bins + ["N(0, 1)"] * bins,
    })


# ------------------------------------------------------------------------------------------------- model cache
@dataclass
class ModelSource:
    """The model the app was started with, loaded on first use and cached per (model, device, dtype).

    A missing or broken model never stops the app: ``get()`` returns None and ``note`` says why in one sentence.
    """

    model: str
    device: str | None = None
    dtype: str | None = None
    _cache: dict = field(default_factory=dict, repr=False)
    _timings: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def key(self) -> tuple:
        return (str(self.model), self.device, self.dtype)

    def get(self) -> Pipeline | None:
        with self._lock:
            if self.key not in self._cache:
                try:
                    self._cache[self.key] = load_pipeline(self.model, device=self.device, dtype=self.dtype)
                except DDPMError as error:
                    self._cache[self.key] = str(error)
            value = self._cache[self.key]
        return value if isinstance(value, Pipeline) else None

    def load(self, model: str, dtype: str | None = None) -> Pipeline:
        """Any ``model`` (folder or Hub id) at ``dtype`` on this source's device, cached per (model, device, dtype).
        A failure raises ``DDPMError`` with one sentence and is not cached, so the next try starts afresh."""
        key = (str(model), self.device, dtype)
        with self._lock:
            value = self._cache.get(key)
            if not isinstance(value, Pipeline):
                value = self._cache[key] = load_pipeline(model, device=self.device, dtype=dtype)
        return value

    def seconds_per_step(self, model: str, dtype: str | None, batch_size: int) -> float:
        """Wall time of one ε-network forward at ``batch_size``, measured once per (model, device, dtype, batch)."""
        key = (str(model), self.device, dtype, int(batch_size))
        if key not in self._timings:
            pipe = self.load(model, dtype)
            x_t = torch.zeros((int(batch_size), *pipe.image_shape), device=pipe.device)
            t = torch.full((int(batch_size),), pipe.schedule.num_timesteps - 1, dtype=torch.long, device=pipe.device)
            start = time.perf_counter()
            pipe.eps(x_t, t)
            if pipe.device.type == "cuda":
                torch.cuda.synchronize(pipe.device)
            self._timings[key] = time.perf_counter() - start
        return self._timings[key]

    @property
    def note(self) -> str:
        value = self._cache.get(self.key)
        if value is None:
            return "not loaded yet"
        return value if isinstance(value, str) else ""

    def describe(self) -> str:
        pipe = self._cache.get(self.key)
        if isinstance(pipe, Pipeline):
            c, h, w = pipe.image_shape
            return (f"model `{self.model}` ({pipe.num_parameters / 1e6:.1f} M parameters, {c}×{h}×{w}, "
                    f"{pipe.schedule.kind} β, T = {pipe.schedule.num_timesteps})")
        return f"model `{self.model}` ({self.note or 'not loaded yet'})"
