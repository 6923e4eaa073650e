"""A corpus of image files as strangers send them: every Pillow mode × format × size, and damaged ones.

Each ``Case`` holds the file's bytes and what the one image intake must make of it: ``reference`` (the 8-bit
picture a correct conversion gives, computed here from the numbers written, not by the code under test) or None
when the file must be refused with a sentence. Used by tests/test_image_intake.py and benchmarks/robustness.py.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image

SIDE = 48


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    reference: np.ndarray | None  # uint8 (H, W) or (H, W, 3); None: must be refused with a sentence
    tolerance: int = 1  # levels of 255 (lossy formats need more)


def _encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _ramp(dtype=np.uint8, high: float = 255) -> np.ndarray:
    """A diagonal ramp 0 … high, so that a flat-white or flat-black result is caught."""
    y, x = np.mgrid[0:SIDE, 0:SIDE]
    return ((x + y) / (2 * SIDE - 2) * high).astype(dtype)


def _ok_cases() -> list[Case]:
    gray = _ramp()
    rgb = np.stack([gray, gray[::-1], np.full_like(gray, 90)], axis=-1)
    wide = _ramp(np.uint16, 65535)
    wide_8bit = np.round(wide / 257).astype(np.uint8)
    cases = [
        Case(f"L.{fmt}", _encode(Image.fromarray(gray), fmt, **kw), gray, tol)
        for fmt, kw, tol in (
            ("PNG", {}, 0),
            ("BMP", {}, 0),
            ("TIFF", {}, 0),
            ("JPEG", {}, 4),
        )
    ]
    cases += [
        Case(f"RGB.{fmt}", _encode(Image.fromarray(rgb), fmt, **kw), rgb, tol)
        for fmt, kw, tol in (("PNG", {}, 0), ("TIFF", {}, 0), ("WEBP", {"lossless": True}, 0), ("JPEG", {}, 8))
    ]
    for fmt in ("PNG", "TIFF", "JPEG2000"):  # 16-bit grayscale: must not become flat white
        kwargs = {"irreversible": False} if fmt == "JPEG2000" else {}
        cases.append(Case(f"I16.{fmt}", _encode(Image.fromarray(wide), fmt, **kwargs), wide_8bit, 1))
    floats = _ramp(np.float32, 1.0)  # float TIFF in [0, 1]: must not become flat black
    cases.append(Case("F01.TIFF", _encode(Image.fromarray(floats), "TIFF"), np.round(floats * 255).astype(np.uint8)))
    int32 = _ramp(np.int32, 255).astype(np.int32)
    cases.append(Case("I32.TIFF", _encode(Image.fromarray(int32, mode="I"), "TIFF"), int32.astype(np.uint8)))
    cases.append(
        Case("1bit.PNG", _encode(Image.fromarray(gray > 127), "PNG"), np.where(gray > 127, 255, 0).astype(np.uint8))
    )
    cases.append(Case("CMYK.JPEG", _encode(Image.fromarray(rgb).convert("CMYK"), "JPEG", quality=95), rgb, 12))
    cases.append(Case("LAB.TIFF", _encode(_lab_white_gray_black(), "TIFF"), _lab_reference(), 2))
    palette = Image.fromarray(rgb).quantize(64)
    cases.append(Case("P.PNG", _encode(palette, "PNG"), np.asarray(palette.convert("RGB"))))
    rgba = np.dstack([rgb, np.where(gray > 127, 255, 0).astype(np.uint8)])
    on_white = np.where(rgba[..., 3:] == 255, rgb, 255).astype(np.uint8)
    cases.append(Case("RGBA.PNG", _encode(Image.fromarray(rgba, "RGBA"), "PNG"), on_white))
    la = np.dstack([gray, rgba[..., 3]])
    cases.append(Case("LA.PNG", _encode(Image.fromarray(la, "LA"), "PNG"), np.where(la[..., 1] == 255, gray, 255)))
    frames = [Image.fromarray(gray), Image.fromarray(255 - gray)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    cases.append(Case("animated.GIF", gif.getvalue(), np.dstack([gray] * 3)))  # GIFs are palette (RGB) images
    cases.append(Case("bad-exif.JPEG", _garbage_exif(_encode(Image.fromarray(rgb), "JPEG", quality=95)), rgb, 8))
    rotated = Image.fromarray(rgb)
    exif = rotated.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    cases.append(Case("exif-rotated.PNG", _encode(rotated, "PNG", exif=exif), np.rot90(rgb, k=-1).copy()))
    return cases


def _lab_white_gray_black() -> Image.Image:
    lab = np.zeros((SIDE, SIDE, 3), np.uint8)
    lab[..., 0] = np.repeat([255, 128, 0], SIDE // 3 + 1)[:SIDE][:, None]  # L: white, mid gray, black rows
    # a = b = 0: Pillow stores a* and b* as signed bytes
    return Image.fromarray(lab, "LAB")


def _lab_reference() -> np.ndarray:
    """sRGB of L* = 100, 50.2, 0 with a* = b* = 0: 255, 119, 0 on every channel."""
    levels = np.repeat([255, 119, 0], SIDE // 3 + 1)[:SIDE]
    return np.broadcast_to(levels[:, None, None], (SIDE, SIDE, 3)).astype(np.uint8)


def _garbage_exif(jpeg: bytes) -> bytes:
    """An APP1 'Exif' segment whose TIFF header is garbage (Pillow's exif_transpose: "not a TIFF file")."""
    payload = b"Exif\x00\x00" + b"XX\x00\x2a" + bytes(range(40))
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def _bomb_png(side: int) -> bytes:
    """A valid PNG header claiming side × side pixels with one tiny compressed IDAT (a 'decompression bomb')."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * side
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * 16)) + chunk(b"IEND", b"")


def _refused_cases() -> list[Case]:
    png = _encode(Image.fromarray(_ramp()), "PNG")
    jpeg = _encode(Image.fromarray(_ramp()), "JPEG")
    frames = [Image.fromarray(_ramp()), Image.fromarray(255 - _ramp())]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    return [
        Case("empty", b"", None),
        Case("text", b"this is not an image\n" * 20, None),
        Case("html", b"<html><script>alert(1)</script></html>", None),
        Case("truncated.PNG", png[: len(png) // 2], None),
        Case("truncated.JPEG", jpeg[: len(jpeg) // 2], None),
        Case("truncated.GIF", gif.getvalue()[:200], None),
        Case("header-only.PNG", png[:33], None),
        Case("bomb-13000.PNG", _bomb_png(13000), None),
        Case("random-bytes", np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(), None),
    ]


def corpus() -> list[Case]:
    return _ok_cases() + _refused_cases()
