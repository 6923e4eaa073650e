"""Pictures for the page: tensors → PIL images and arrays, fast PNG files for outputs that change on every tick,
and labelled grids (filmstrips, schedule strips)."""

from __future__ import annotations

import itertools
import struct
import threading
import zlib
from functools import lru_cache

import numpy as np
import torch
from PIL import Image, ImageDraw

from ddpm.images import to_uint8

from . import workspace
from .lettering import draw_text, text_width


def to_image(x: torch.Tensor) -> Image.Image:
    """(C, H, W) or (1, C, H, W) in [-1, 1] → PIL ("L" or "RGB"); values outside [-1, 1] are clipped for display."""
    return Image.fromarray(image_array(x))


def image_array(x: torch.Tensor) -> np.ndarray:
    """(C, H, W) or (1, C, H, W) in [-1, 1] → uint8 (H, W) or (H, W, 3): what ``to_image`` shows, as an array."""
    array = to_uint8(x if x.ndim == 4 else x.unsqueeze(0))[0]
    return array[..., 0] if array.shape[-1] == 1 else array


def noise_image(eps: torch.Tensor) -> Image.Image:
    """ε shown at ±3σ → [-1, 1], so a standard normal fills the gray range without saturating."""
    return to_image(eps / 3)


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
        self.folder = workspace.live_folder("frames-")
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


@lru_cache(maxsize=16)
def _grid_frame(
    n_rows: int, n_cols: int, col_labels: tuple[str, ...], row_labels: tuple[str, ...] | None, cell: int, gap: int
) -> tuple[Image.Image, int]:
    """The white canvas of a ``labelled_grid`` with its captions drawn, and the left margin of the tiles: drawn once
    per layout (text is the slow part), then copied for every frame."""
    size = max(14, cell // 6)  # captions that stay legible when the strip is shown shrunk, or on a projector
    label_w = (max(int(text_width(s, size)) for s in row_labels) + 12) if row_labels else 0
    caption_h = size + 10
    width = label_w + n_cols * (cell + gap) + gap
    height = n_rows * (cell + gap) + gap + caption_h
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for r, text in enumerate(row_labels or ()):
        draw_text(draw, (6, gap + r * (cell + gap) + cell // 2), text, size, (20, 20, 20))
    for c, text in enumerate(col_labels):
        x = label_w + gap + c * (cell + gap) + cell // 2
        draw_text(draw, (x, height - caption_h // 2 - 1), text, size, (20, 20, 20), align="m")
    return canvas, label_w


def labelled_grid(
    rows: list[list[Image.Image]],
    col_labels: list[str],
    row_labels: list[str] | None = None,
    cell: int = 128,
    gap: int = 4,
) -> Image.Image:
    """Tiles of equal size with a caption under each column and an optional label left of each row."""
    frame, label_w = _grid_frame(
        len(rows), max(len(r) for r in rows), tuple(col_labels), tuple(row_labels) if row_labels else None, cell, gap
    )
    canvas = frame.copy()
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            canvas.paste(
                tile.convert("RGB").resize((cell, cell), Image.Resampling.NEAREST),
                (label_w + gap + c * (cell + gap), gap + r * (cell + gap)),
            )
    return canvas
