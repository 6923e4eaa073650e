"""One image intake: a file, bytes or PIL image from anyone → an 8-bit L or RGB PIL image, or one sentence.

Every image the app is handed (uploads, drawings, raw API ``data:`` URLs) goes through ``open_image``:

1. the file size and the pixel count are checked from the header, before anything is decoded (a 0.7 MB PNG can
   claim 13000² pixels); JPEGs are decoded at a reduced scale where that is enough (``Image.draft``);
2. decoding is complete or it fails: a truncated or damaged file is a ``DDPMError`` with a sentence, never a
   partial picture; an animation gives its first frame, with a note;
3. EXIF orientation is applied when it can be read, else the picture stays as stored, with a note;
4. every Pillow mode is mapped to 8-bit by what its numbers mean (``to_8bit``): 16-bit and 32-bit integers scaled
   from their range, floats normalised, LAB through a colour transform, CMYK/YCbCr/HSV converted, palette and
   alpha (also premultiplied) composited on white.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms, ImageOps

from .errors import DDPMError

ImageSource = str | Path | bytes | BinaryIO | Image.Image


@dataclass(frozen=True)
class ImageLimits:
    """What one image may cost: bytes on disk, decoded pixels, and the long side it is shrunk to at once."""

    max_bytes: int = 20 * 1024**2
    max_pixels: int = 40_000_000  # 40 MP decoded (after a JPEG's reduced-scale decoding): ≈ 160 MB as RGBA
    max_side: int | None = None  # shrink (Lanczos) to this long side straight after decoding; None keeps the size


@dataclass(frozen=True)
class Decoded:
    """An image fit to work on, and what was done to make it so."""

    image: Image.Image  # mode "L" or "RGB", 8 bits per channel
    source_mode: str  # the file's Pillow mode, e.g. "I;16", "CMYK", "P"
    source_size: tuple[int, int]  # (width, height) as stored
    notes: tuple[str, ...] = ()  # one sentence each: first frame of an animation, EXIF unreadable, range normalised


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.0f} megapixels" if pixels >= 1e6 else f"{pixels:,} pixels"


def _size_in_bytes(source: ImageSource) -> int | None:
    if isinstance(source, (str, Path)):
        try:
            return Path(source).stat().st_size
        except OSError:
            return None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return len(source)
    return None


def _open(source: ImageSource) -> Image.Image:
    """Image.open (header only), with every way it can fail as one sentence."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: our own pixel limit decides below
            return Image.open(source)
    except Image.DecompressionBombError:
        raise DDPMError("This image has far too many pixels to open safely; make it smaller and try again.") from None
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise DDPMError("The uploaded file could not be found on the server any more; upload it again.") from None
    except Exception:  # UnidentifiedImageError, and whatever a plugin raises on a hostile header
        raise DDPMError(
            "This file is not an image Pillow can read (PNG, JPEG, WebP, GIF, BMP, TIFF, …), or it is empty."
        ) from None


def open_image(source: ImageSource, limits: ImageLimits = ImageLimits()) -> Decoded:
    """``source`` checked, decoded and mapped to 8-bit L or RGB; ``DDPMError`` with one sentence otherwise."""
    size = _size_in_bytes(source)
    if size is not None and size > limits.max_bytes:
        raise DDPMError(f"This file is {size / 1024**2:.1f} MB; the limit is {limits.max_bytes / 1024**2:.0f} MB.")
    image = source if isinstance(source, Image.Image) else _open(source)
    source_mode, source_size = image.mode, image.size
    notes = []
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
        notes.append(f"This image has {image.n_frames} frames; the first one is used.")
    if limits.max_side and image.format == "JPEG":
        image.draft("RGB" if image.mode == "CMYK" else image.mode, (limits.max_side, limits.max_side))
    width, height = image.size
    if width * height > limits.max_pixels or min(width, height) < 1:
        raise DDPMError(
            f"This image is {width}×{height} = {_megapixels(width * height)}; the limit is "
            f"{_megapixels(limits.max_pixels)}: make it smaller and try again."
        )
    try:
        image.load()
    except Exception as error:  # OSError("image file is truncated"), SyntaxError, struct.error, … from plugins
        reason = _first_line(error)
        raise DDPMError(f"This image file is damaged or truncated and cannot be decoded ({reason}).") from None
    image = _oriented(image, notes)
    image = to_8bit(image, notes)
    if image is source:
        image = image.copy()  # never change the caller's image
    if limits.max_side:
        image.thumbnail((limits.max_side, limits.max_side), Image.Resampling.LANCZOS)
    return Decoded(image, source_mode, source_size, tuple(notes))


def _first_line(error: Exception) -> str:
    return (str(error).strip().split("\n")[0] or type(error).__name__)[:120]


def _oriented(image: Image.Image, notes: list[str]) -> Image.Image:
    """The image turned as its EXIF orientation says; as stored (with a note) when the EXIF cannot be read."""
    try:
        return ImageOps.exif_transpose(image) or image
    except Exception:  # garbage EXIF: SyntaxError("not a TIFF file"), struct.error, …
        notes.append("Its EXIF orientation could not be read; it is shown as stored.")
        return image


# ---------------------------------------------------------------------------------------------------- modes
_ONE_CHANNEL = ("1", "L", "I", "F", "I;16", "I;16L", "I;16B", "I;16N")
_WITH_ALPHA = ("RGBA", "LA", "PA", "La", "RGBa")


def to_8bit(image: Image.Image, notes: list[str] | None = None) -> Image.Image:
    """Any Pillow mode → "L" (one channel) or "RGB", by what the numbers mean; ``notes`` collects what was guessed."""
    notes = [] if notes is None else notes
    mode = image.mode
    if mode in ("L", "RGB"):
        return image
    if mode in ("I", "F") or mode.startswith("I;16"):
        return _scaled(np.asarray(image), mode, notes)
    if mode == "LAB":
        transform = ImageCms.buildTransform(ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB")
        return ImageCms.applyTransform(image, transform)
    if mode in _WITH_ALPHA or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
        return flat.convert("L") if mode in ("LA", "La") else flat
    return image.convert("L" if mode in _ONE_CHANNEL else "RGB")  # 1, P, CMYK, YCbCr, HSV, RGBX


def _scaled(values: np.ndarray, mode: str, notes: list[str]) -> Image.Image:
    """A one-channel integer or float array → "L": 16-bit modes by /257 (65535 → 255); 32-bit integers by the range
    they use (8 or 16 bits); floats as [0, 1] or [0, 255] when they fit, else stretched from their min to max."""
    values = np.nan_to_num(values.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if mode.startswith("I;16") or (mode == "I" and 0 <= lo and 255 < hi <= 65535):
        scaled = values / 257
    elif mode == "I" and 0 <= lo and hi <= 255:
        scaled = values
    elif mode == "F" and 0 <= lo and hi <= 1:
        scaled = values * 255
    elif mode == "F" and 0 <= lo and hi <= 255:
        scaled = values
    else:
        span = hi - lo or 1.0
        scaled = (values - lo) / span * 255
        notes.append(f"Its values span {lo:.4g} … {hi:.4g}; they are stretched to black … white.")
    return Image.fromarray(np.clip(scaled.round(), 0, 255).astype(np.uint8))
