"""The emoji data set (``train.py --data emoji``): one small RGB image per distinct emoji of Noto Color Emoji.

Debian's ``fonts-noto-color-emoji`` package holds the font (the images are Apache-2.0, the font OFL). Its glyphs are
colour bitmaps (CBDT) drawn at one size, 109 px, which is the size Pillow renders them at; each is composited on a
plain white background at that size, centred in a square, and shrunk to ``image_size`` with Lanczos filtering
(composite first, then filter: the filter then never mixes in the colour of transparent pixels).

Which emoji: every single code point the font maps to a colour glyph, except the pieces that only exist to build
sequences — skin-tone modifiers (U+1F3FB–U+1F3FF, colour swatches), regional-indicator letters (U+1F1E6–U+1F1FF),
hair components (U+1F9B0–U+1F9B3), joiners, selectors, tags, the keycap base characters (0–9, #, *) and the font's
private-use glyphs. No sequences
are drawn, so there are no skin-tone variants (person + modifier), no gender/profession/family ZWJ variants (most of
the ZWJ set: ≈ 1,000 near-copies of a few hundred people) and no flags (≈ 260 pairs of regional indicators: the same
waving rectangle whose identity lives in details a 32×32 image loses; they would be a sixth of the set). Images that
still come out near-identical at ``image_size`` (RMS difference below ``NEAR_DUPLICATE_RMS``) are kept once: at
32×32 that merges speaker/speaker-with-one-wave, snowman/snowman-without-snow and the two six-pointed stars, and
keeps the clock faces (≥ 0.05 apart) and the smiley variants (≥ 0.053).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch.utils.data import TensorDataset

from ddpm import DDPMError

FONT_ENV = "DDPM_EMOJI_FONT"  # a different path to NotoColorEmoji.ttf
FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
BITMAP_SIZE = 109  # the font's one bitmap strike: the only size its colour glyphs render at
BACKGROUND = (255, 255, 255)
NEAR_DUPLICATE_RMS = 0.045  # in [0, 1] pixel units at image_size: below this, two emoji count as one
SEQUENCE_PARTS = (
    range(0x0000, 0x00A9),  # ASCII and controls: keycap bases 0–9 # * and the space
    range(0x200D, 0x200E),  # zero-width joiner
    range(0x20E3, 0x20E4),  # combining enclosing keycap
    range(0xFE00, 0xFE10),  # variation selectors
    range(0x1F1E6, 0x1F200),  # regional indicators (flags are pairs of them)
    range(0x1F3FB, 0x1F400),  # skin-tone modifiers
    range(0x1F9B0, 0x1F9B4),  # hair components
    range(0xE0020, 0xE0080),  # tags (subdivision flags)
    range(0xF0000, 0x110000),  # private use: the font's own non-standard glyphs
)


@dataclass(frozen=True)
class EmojiSet:
    """The rendered emoji, and which code point each image is."""

    images: np.ndarray  # (N, S, S, 3) uint8
    codepoints: tuple[int, ...]  # (N,) one code point per image
    near_duplicates: tuple[int, ...]  # code points left out as near-copies of a kept image


def font_path() -> Path:
    """The Noto Color Emoji font ($DDPM_EMOJI_FONT or Debian's path), or ``DDPMError`` saying how to get it."""
    path = Path(os.environ.get(FONT_ENV, FONT))
    if not path.is_file():
        raise DDPMError(
            f"--data emoji needs the Noto Color Emoji font, not found at {path}. Install it with "
            "`sudo apt-get install fonts-noto-color-emoji` (Debian/Ubuntu), or download NotoColorEmoji.ttf from "
            f"https://github.com/googlefonts/noto-emoji and point {FONT_ENV} at it."
        )
    return path


def emoji_codepoints(path: Path) -> list[int]:
    """The single code points the font draws as emoji, without the parts that only build sequences."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        mapped = font.getBestCmap()
    return sorted(c for c in mapped if not any(c in part for part in SEQUENCE_PARTS))


def render(font: ImageFont.FreeTypeFont, text: str, image_size: int) -> Image.Image:
    """One emoji on the plain background: drawn at the bitmap size, centred in a square, shrunk (Lanczos)."""
    left, top, right, bottom = font.getbbox(text)
    side = max(right - left, bottom - top, BITMAP_SIZE)
    canvas = Image.new("RGB", (side, side), BACKGROUND)
    origin = ((side - (right - left)) // 2 - left, (side - (bottom - top)) // 2 - top)
    ImageDraw.Draw(canvas).text(origin, text, font=font, embedded_color=True)
    return canvas.resize((image_size, image_size), Image.Resampling.LANCZOS)


def near_duplicates(images: np.ndarray, threshold: float = NEAR_DUPLICATE_RMS) -> np.ndarray:
    """(N,) bool: image i is within ``threshold`` RMS (pixels in [0, 1]) of an earlier image that is kept."""
    x = torch.from_numpy(images).flatten(1).double() / 255  # (N, D)
    rms = torch.cdist(x, x).div(x.shape[1] ** 0.5).numpy()  # (N, N)
    dropped = np.zeros(len(images), dtype=bool)
    for i in range(len(images)):
        dropped[i] = bool(np.any(rms[i, :i][~dropped[:i]] < threshold))
    return dropped


def emoji_images(image_size: int = 32) -> EmojiSet:
    """Every distinct emoji of the font as a uint8 RGB image (``image_size`` a side), in code point order."""
    path = font_path()
    font = ImageFont.truetype(str(path), BITMAP_SIZE)
    codepoints = emoji_codepoints(path)
    images = np.stack([np.asarray(render(font, chr(c), image_size)) for c in codepoints])  # (N, S, S, 3)
    drawn = images.reshape(len(images), -1).min(1) < 250  # a glyph left something on the background
    images, codepoints = images[drawn], [c for c, keep in zip(codepoints, drawn, strict=True) if keep]
    dropped = near_duplicates(images)
    return EmojiSet(
        images[~dropped],
        tuple(c for c, d in zip(codepoints, dropped, strict=True) if not d),
        tuple(c for c, d in zip(codepoints, dropped, strict=True) if d),
    )


def emoji(image_size: int) -> TensorDataset:
    """The emoji as a training set: (N, 3, S, S) in [-1, 1]."""
    images = emoji_images(image_size).images
    return TensorDataset(torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1.0)
