"""Helpers shared by the tabs: bundled examples, image preparation, labelled strips, histograms, the model cache.

No diffusion math lives here: formulas come from ``ddpm``.
"""

from __future__ import annotations

import itertools
import math
import struct
import tempfile
import threading
import time
import zlib
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
    return Image.fromarray(image_array(x))


def png_bytes(array: np.ndarray) -> bytes:
    """uint8 (H, W), (H, W, 1) or (H, W, 3) → a lossless PNG, written for speed rather than size.

    Every row gets PNG's "Up" filter (a vectorised row difference, which turns smooth photos into small numbers) and
    zlib's run-length strategy at level 1: 1–3 ms for a 256² RGB frame, files no larger than Pillow's level 1, which
    spends 7–16 ms here choosing a filter per row and searching for matches in noise that has none.
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ValueError(f"expected uint8 (H, W) or (H, W, 3), got {array.shape}")
    height, width = array.shape[:2]
    rows = array.reshape(height, -1)
    filtered = np.empty((height, rows.shape[1] + 1), dtype=np.uint8)
    filtered[:, 0] = 2  # filter type "Up": each byte minus the one above it (mod 256)
    filtered[0, 0] = 0  # the first row has nothing above it: filter type "None"
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    compressor = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    data = compressor.compress(filtered.tobytes()) + compressor.flush()

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if array.ndim == 3 else 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


class FastPng:
    """Writes frames (PIL images or uint8 arrays) as PNG files with ``png_bytes`` into a ring of files, for outputs
    that change on every slider tick: Gradio's own PNG encoding costs 15–23 ms for a 256² RGB x_t. Gradio copies a
    returned file into its cache before the response, so a ring of slots (far more than the queue's concurrency
    times the images per event) is never overwritten while still in use."""

    def __init__(self, slots: int = 64):
        self.folder = Path(tempfile.mkdtemp(prefix="ddpm-studio-frames-"))
        self.slots = slots
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def __call__(self, image: Image.Image | np.ndarray) -> str:
        if isinstance(image, Image.Image):
            image = np.asarray(image if image.mode in ("L", "RGB") else image.convert("RGB"))
        data = png_bytes(image)
        with self._lock:
            path = self.folder / f"frame-{next(self._counter) % self.slots:03d}.png"
        path.write_bytes(data)
        return str(path)


def image_array(x: torch.Tensor) -> np.ndarray:
    """(C, H, W) or (1, C, H, W) in [-1, 1] → uint8 (H, W) or (H, W, 3): what ``to_image`` shows, as an array."""
    array = to_uint8(x if x.ndim == 4 else x.unsqueeze(0))[0]
    return array[..., 0] if array.shape[-1] == 1 else array


def noise_image(eps: torch.Tensor) -> Image.Image:
    """ε shown at ±3σ → [-1, 1], so a standard normal fills the gray range without saturating."""
    return to_image(eps / 3)


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without scalable default font
        return ImageFont.load_default()


@lru_cache(maxsize=16)
def _grid_frame(n_rows: int, n_cols: int, col_labels: tuple[str, ...], row_labels: tuple[str, ...] | None,
                cell: int, gap: int) -> tuple[Image.Image, int]:
    """The white canvas of a ``labelled_grid`` with its captions drawn, and the left margin of the tiles: drawn once
    per layout (text is the slow part), then copied for every frame."""
    size = max(14, cell // 6)  # captions that stay legible when the strip is shown shrunk, or on a projector
    font = _font(size)
    label_w = (max(int(font.getlength(s)) for s in row_labels) + 12) if row_labels else 0
    caption_h = size + 10
    width = label_w + n_cols * (cell + gap) + gap
    height = n_rows * (cell + gap) + gap + caption_h
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for r, text in enumerate(row_labels or ()):
        draw.text((6, gap + r * (cell + gap) + cell // 2), text, fill=(20, 20, 20), font=font, anchor="lm")
    for c, text in enumerate(col_labels):
        x = label_w + gap + c * (cell + gap) + cell // 2
        draw.text((x, height - caption_h // 2 - 1), text, fill=(20, 20, 20), font=font, anchor="mm")
    return canvas, label_w


def labelled_grid(rows: list[list[Image.Image]], col_labels: list[str], row_labels: list[str] | None = None,
                  cell: int = 128, gap: int = 4) -> Image.Image:
    """Tiles of equal size with a caption under each column and an optional label left of each row."""
    frame, label_w = _grid_frame(len(rows), max(len(r) for r in rows), tuple(col_labels),
                                 tuple(row_labels) if row_labels else None, cell, gap)
    canvas = frame.copy()
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            canvas.paste(tile.convert("RGB").resize((cell, cell), Image.Resampling.NEAREST),
                         (label_w + gap + c * (cell + gap), gap + r * (cell + gap)))
    return canvas


@lru_cache(maxsize=8)
def _histogram_axis(bins: int, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Bin centres (twice), the N(0, 1) density at them (the target of q(x_T)) and the series column."""
    edges = np.linspace(lo, hi, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    normal = np.exp(-0.5 * centres**2) / math.sqrt(2 * math.pi)
    return np.concatenate([centres, centres]).round(3), normal.round(4), ("pixels of x_t",) * bins + ("N(0, 1)",) * bins


def histogram_frame(x: torch.Tensor, bins: int = 61, lo: float = -4.0, hi: float = 4.0) -> pd.DataFrame:
    """Density histogram of x's values next to the standard normal density, as a long table for ``gr.LinePlot``."""
    values = x.detach().float().cpu()
    counts = torch.histc(values, bins=bins, min=lo, max=hi).numpy()  # values beyond ±4 are left out
    density = counts / (values.numel() * (hi - lo) / bins)  # fraction per unit: comparable to a density
    value, normal, series = _histogram_axis(bins, float(lo), float(hi))
    return pd.DataFrame({"value": value, "density": np.concatenate([density.round(4), normal]),
                         "series": list(series)})


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
