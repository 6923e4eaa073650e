"""The Reverse tab's "nearest training image" view: under each final sample, the training image closest to it.

A model that copies its training images draws samples that sit on top of one of them; a model that learned the
distribution draws samples about as far from their nearest training image as real, unseen images are. The bundled
models ship their training sets (``training_set.npz`` beside the weights, written by ``train.py
--with-training-set``), so the check works offline; distances are RMS pixel differences in [0, 1]
(``ddpm.memorisation``), and the near-copy threshold is the one stored with the set.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from ddpm.images import grid, ungrid
from ddpm.memorisation import NEAR_COPY_QUANTILE, TRAINING_SET_FILE, TrainingSet

from .i18n import say
from .models import PipelineCache, display_name


@lru_cache(maxsize=4)
def _training_set(path: str, modified: float) -> TrainingSet:
    return TrainingSet.load(path)


def training_set_of(pipelines: PipelineCache, model: str) -> TrainingSet | None:
    """The training set a model ships, else None (a Hub model, or a folder without one)."""
    place = pipelines.policy.place(model)
    path = Path(place.location) / TRAINING_SET_FILE
    if not place.local or not path.is_file():
        return None
    return _training_set(str(path), path.stat().st_mtime)


def paired_grid(samples: np.ndarray, neighbours: np.ndarray) -> Image.Image:
    """uint8 (B, H, W, C) samples and their neighbours → one picture: each row of samples with a row of their
    nearest training images under it, rows of pairs separated by a blank row."""
    B, H, W, C = samples.shape
    nrow = int(np.ceil(np.sqrt(B)))
    blank = np.full((nrow, H, W, C), 255, dtype=np.uint8)
    rows = []
    for start in range(0, B, nrow):
        for images in (samples[start : start + nrow], neighbours[start : start + nrow]):
            rows.append(np.concatenate([images, blank[: nrow - len(images)]]))
        rows.append(blank[:, : H // 4])  # a thin white band between pairs of rows
    canvas = [np.asarray(grid(row, nrow=nrow)) for row in rows]
    return Image.fromarray(np.concatenate(canvas))


def nearest_view(show: bool, model: str, frames: list, *, pipelines: PipelineCache) -> tuple:
    """(picture update, note) for the last run's final grid: hidden when ``show`` is off or there is no run."""
    if not show:
        return gr.update(visible=False, value=None), ""
    if not frames or frames[-1].x0_small is None:
        return gr.update(visible=False, value=None), say("Run the model first: the check needs final samples.")
    training = training_set_of(pipelines, model)
    if training is None:
        return gr.update(visible=False, value=None), say(
            "{} ships no training set to compare with (the bundled models do; `train.py --with-training-set` "
            "writes one beside your model).",
            f"`{display_name(model)}`",
        )
    last = frames[-1]
    samples = ungrid(last.x_t, last.x0_small.shape[0])
    if samples.shape[1:] != training.images.shape[1:]:
        return gr.update(visible=False, value=None), say("These samples are not shaped like the training images.")
    found = training.nearest_to(samples)
    copies = int((found.distance < training.threshold).sum())
    note = say(
        "Under each sample: its nearest of the {} training images (RMS pixel difference in [0, 1]). Median "
        "distance {}; near-copies: {} of {} (closer than {}, a distance only {} of the training images come to "
        "their nearest other one).",
        len(training.images),
        f"{np.median(found.distance):.3f}",
        copies,
        len(samples),
        f"{training.threshold:.3f}",
        f"{NEAR_COPY_QUANTILE:.0%}",
    )
    return gr.update(visible=True, value=paired_grid(samples, training.images[found.index])), note
