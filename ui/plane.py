"""Pictures of the plane [-L, L]² for the 2D lab: heatmaps, arrow fields, paths and points, drawn fast.

Matplotlib draws the axes (ticks, labels) once per size and mode (cached); every frame copies that picture and draws
its data with Pillow. Measured on the 2-core EPYC: a whole matplotlib figure with ticks costs 85–140 ms a frame, this
way 10–25 ms (``benchmarks/lab2d.py``). Talk mode doubles the type and thickens lines and dots.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image, ImageDraw

from .lettering import draw_text

EXTENT = 2.5  # the view is [-EXTENT, EXTENT]²: the data lies in [-1, 1]², x_T ~ N(0, I) mostly within ±2.5


@dataclass(frozen=True)
class Style:
    """Size and weight of one kind of panel: ``side`` px of the plotting square; talk mode draws everything bigger."""

    side: int = 520
    talk: bool = False

    @property
    def font_px(self) -> int:
        return 26 if self.talk else 17

    @property
    def line(self) -> int:
        return 3 if self.talk else 2

    @property
    def dot(self) -> float:
        return 3.4 if self.talk else 2.4


@dataclass(frozen=True)
class Chrome:
    """The empty axes: an RGB picture and the pixel box (left, top, right, bottom) of the plotting square."""

    image: Image.Image
    box: tuple[int, int, int, int]


@lru_cache(maxsize=8)
def chrome(style: Style) -> Chrome:
    """Axes with ticks from -2 to 2 and a title band above, drawn once by matplotlib for each ``Style``."""
    tick_px = style.font_px * 0.85
    left, bottom, top = 3.4 * tick_px, 2.2 * tick_px, 1.9 * style.font_px
    width, height = style.side + left + 12, style.side + bottom + top
    dpi = 100
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_axes((left / width, bottom / height, style.side / width, style.side / height))
    axes.set_xlim(-EXTENT, EXTENT)
    axes.set_ylim(-EXTENT, EXTENT)
    axes.set_xticks([-2, -1, 0, 1, 2])
    axes.set_yticks([-2, -1, 0, 1, 2])
    axes.tick_params(labelsize=tick_px * 72 / dpi, width=style.line / 2, length=tick_px / 3)
    for spine in axes.spines.values():
        spine.set_linewidth(style.line / 2)
    figure.canvas.draw()
    image = Image.fromarray(np.asarray(figure.canvas.buffer_rgba())[..., :3].copy())
    x0, y0 = round(left), round(top)
    return Chrome(image, (x0, y0, x0 + style.side, y0 + style.side))


@lru_cache(maxsize=4)
def _lut(name: str) -> np.ndarray:
    return (colormaps[name](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)


class Canvas:
    """One frame: the cached axes, then heatmap, paths, arrows, points and a title, in drawing order."""

    def __init__(self, style: Style):
        self.style = style
        base = chrome(style)
        self.image = base.image.copy()
        self.box = base.box
        self.draw = ImageDraw.Draw(self.image)

    def pixels(self, points: np.ndarray) -> np.ndarray:
        """(…, 2) plane coordinates → (…, 2) pixel coordinates (y up in the plane, down in the picture)."""
        left, top, right, bottom = self.box
        u = (points[..., 0] + EXTENT) / (2 * EXTENT)
        v = (points[..., 1] + EXTENT) / (2 * EXTENT)
        return np.stack([left + u * (right - left), bottom - v * (bottom - top)], axis=-1)

    def heatmap(self, values: np.ndarray, colormap: str, low: float, high: float) -> None:
        """(G, G) values on the grid of ``grid(G)`` (row 0 at the bottom), colour-mapped over [low, high]."""
        scaled = np.clip((values - low) / max(high - low, 1e-12), 0, 1)
        rgb = _lut(colormap)[(scaled[::-1] * 255).astype(np.uint8)]
        left, top, right, bottom = self.box
        tile = Image.fromarray(rgb).resize((right - left, bottom - top), Image.Resampling.BILINEAR)
        self.image.paste(tile, (left, top))
        self.draw.rectangle((left, top, right, bottom), outline="black", width=max(1, self.style.line // 2))

    def paths(self, paths: np.ndarray, color: str | np.ndarray, width: int = 1) -> None:
        """(S, P, 2): P polylines of S points each; one colour, or one (P, 3) uint8 colour per path."""
        pixel_paths = self.pixels(paths).transpose(1, 0, 2)  # (P, S, 2)
        for p, path in enumerate(pixel_paths):
            fill = color if isinstance(color, str) else tuple(int(c) for c in color[p])
            self.draw.line(path.ravel().tolist(), fill=fill, width=width)

    def arrows(self, starts: np.ndarray, vectors: np.ndarray, color: str, unit: float) -> None:
        """Arrows from (M, 2) ``starts`` along (M, 2) ``vectors``; a vector of length ``unit`` spans one grid cell."""
        cell = self.style.side / 22
        tails = self.pixels(starts)
        tips = tails + np.stack([vectors[:, 0], -vectors[:, 1]], axis=1) * (cell / unit)
        width = self.style.line
        for (x0, y0), (x1, y1) in zip(tails, tips, strict=True):
            dx, dy = x1 - x0, y1 - y0
            length = float(np.hypot(dx, dy))
            if length < 1.5:
                continue
            self.draw.line((x0, y0, x1, y1), fill=color, width=width)
            head = min(0.45 * length, 3.0 * width + 3)
            ux, uy = dx / length, dy / length
            self.draw.polygon(
                [
                    (x1, y1),
                    (x1 - head * ux + 0.5 * head * uy, y1 - head * uy - 0.5 * head * ux),
                    (x1 - head * ux - 0.5 * head * uy, y1 - head * uy + 0.5 * head * ux),
                ],
                fill=color,
            )

    def points(self, points: np.ndarray, color: str, scale: float = 1.0, outline: str | None = None) -> None:
        r = self.style.dot * scale
        left, top, right, bottom = self.box
        for x, y in self.pixels(points):
            if left <= x <= right and top <= y <= bottom:
                self.draw.ellipse((x - r, y - r, x + r, y + r), fill=color, outline=outline)

    def title(self, text: str) -> None:
        draw_text(self.draw, (self.box[0], 4 + 0.6 * self.style.font_px), text, self.style.font_px, "black")

    def array(self) -> np.ndarray:
        """The frame, with whatever was drawn past the plotting square (long arrows, far paths) cut off."""
        frame = np.array(self.image)
        base = np.asarray(chrome(self.style).image)
        left, top, right, bottom = self.box
        line = max(1, self.style.line // 2)
        outside = np.ones(frame.shape[:2], dtype=bool)
        outside[top + line : bottom - line, left + line : right - line] = False
        outside[: self.box[1]] = False  # the title band is the frame's own
        frame[outside] = base[outside]
        return frame


def grid(size: int) -> np.ndarray:
    """(size², 2) cell centres of a size × size grid over the view, row by row from the bottom left."""
    centres = (np.arange(size) + 0.5) / size * 2 * EXTENT - EXTENT
    xs, ys = np.meshgrid(centres, centres)
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
