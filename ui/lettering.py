"""Words drawn into pictures (captions under tiles, the 2D lab's titles), in the page's language when this server has
the letters.

Pillow draws with one font at a time and falls back to none: DejaVu Sans (shipped with matplotlib) has the Latin and
Greek letters, ᾱ, − and x̂₀ but no Hangul; Noto Sans CJK (Debian's ``fonts-noto-cjk``) has Hangul but not all of
those symbols. So a text is drawn in runs: Hangul (and CJK punctuation) in Noto Sans CJK KR, the rest in DejaVu
Sans. A server without a CJK font draws the English text instead (``caption``), never boxes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager
from PIL import ImageDraw, ImageFont

from .i18n import say

CJK_FONTS = (  # (file, face index of the Korean face in a collection)
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 1),
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc"), 1),
    (Path("/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf"), 0),
)
WIDE = re.compile(r"[\u1100-\u11ff\u3000-\u30ff\u3130-\u318f\uac00-\ud7a3\uff00-\uffef]+")  # Hangul, CJK punctuation


@lru_cache(maxsize=1)
def cjk_font_file() -> tuple[Path, int] | None:
    return next(((path, index) for path, index in CJK_FONTS if path.is_file()), None)


@lru_cache(maxsize=32)
def font(size: int, wide: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` px, or (``wide``) the CJK font when this server has one."""
    found = cjk_font_file() if wide else None
    if found is not None:
        return ImageFont.truetype(str(found[0]), size, index=found[1])
    return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)


def caption(english: str, *values) -> str:
    """``say(english, *values)``: the page's language when its letters can be drawn here, else English."""
    text = say(english, *values)
    if WIDE.search(text) and cjk_font_file() is None:
        return english.format(*values)
    return text


def _runs(text: str) -> list[tuple[str, bool]]:
    """The text split into (run, wide) pieces."""
    runs, at = [], 0
    for match in WIDE.finditer(text):
        if match.start() > at:
            runs.append((text[at : match.start()], False))
        runs.append((match.group(), True))
        at = match.end()
    if at < len(text):
        runs.append((text[at:], False))
    return runs


def text_width(text: str, size: int) -> float:
    return sum(font(size, wide).getlength(run) for run, wide in _runs(text))


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill, align: str = "l") -> None:
    """``text`` with its left edge (``align`` "l") or its middle ("m") at x and its middle at y, run by run."""
    x, y = xy
    if align == "m":
        x -= text_width(text, size) / 2
    for run, wide in _runs(text):
        face = font(size, wide)
        draw.text((x, y), run, fill=fill, font=face, anchor="lm")
        x += face.getlength(run)
