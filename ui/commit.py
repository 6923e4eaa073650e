"""The Reverse tab's "When does the picture commit?" view, for the last run (finished or stopped).

Per kept step of the run: how far each image's x̂₀ is from where the run ended (RMS over pixels, in the [-1, 1]
units of the images), and, for a 1-channel 32×32 digit model, which digit the project's MNIST judge
(``ui.digit_classifier``) reads in that x̂₀: "when does it decide it is a 7?".

The run keeps, beside each kept frame's grids, its x̂₀ shrunk to at most ``COMMIT_SIDE`` px a side in float16
(``small_x0``): 40 frames of a batch of 64 RGB images are 16 MB at most, held in the session's ``RunState`` and freed
with it. A 32×32 model's x̂₀ is kept at full size, so its distances are exact up to float16 rounding.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from PIL import Image

from ddpm import DDPMError

from . import lettering
from .digit_classifier import CLASSIFIER, DigitClassifier, classify, load_digit_classifier
from .i18n import say, t
from .inputs import Whole
from .outputs import SKIP, Outputs
from .pictures import labelled_grid, to_image
from .theme import PLOT_CLASS

if TYPE_CHECKING:
    from .reverse import Frame, RunState

COMMIT_SIDE = 32  # the kept x̂₀ are at most this many pixels a side
COMMITTED_RMS = 0.1  # "committed": x̂₀ stays within this RMS distance of the end from then on
DIGIT_SHAPE = (1, 32, 32)  # what the MNIST judge reads
STRIP_FRAMES = 8  # x̂₀ of the picked image at this many steps, in the strip
NO_RUN = "Run the sampler first (“Run” above): this view reads the last run's kept steps."
MAX_IMAGES = 63  # the largest image number of a run (the Reverse tab's batch is at most 64)
PICKED = "picked image"
SPREAD = {"batch median": "#4f46e5", "batch min": "#a5b4fc", "batch max": "#a5b4fc", PICKED: "#dc2626"}
DIGIT_COLORS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def small_x0(x0: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → (B, C, h, w) float16 on the CPU with h, w ≤ COMMIT_SIDE (area-averaged when bigger)."""
    x = x0.detach().float().cpu()
    H, W = x.shape[-2:]
    scale = max(H, W) / COMMIT_SIDE
    if scale > 1:
        x = F.adaptive_avg_pool2d(x, (max(1, round(H / scale)), max(1, round(W / scale))))
    return x.to(torch.float16)


def rms_per_image(x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """(B,) RMS over the pixels of x − reference, in the [-1, 1] units of the images."""
    assert x.shape == reference.shape, f"{tuple(x.shape)} vs {tuple(reference.shape)}"
    return (x.float() - reference.float()).square().flatten(1).mean(1).sqrt()


class DigitJudge:
    """The MNIST judge, loaded on first use (once per app) and shared by every session."""

    def __init__(self, path: Path = CLASSIFIER):
        self.path = path
        self._model: DigitClassifier | None = None
        self._lock = threading.Lock()

    def cannot_read(self, image_shape: tuple[int, int, int]) -> str:
        """ "" when the judge can read this model's images, else the sentence saying why not."""
        if tuple(image_shape) != DIGIT_SHAPE:
            C, H, W = image_shape
            return f"The digit judge reads 1-channel 32×32 digits; this model makes {C}×{H}×{W} images."
        if not self.path.is_file():
            return "The digit judge's weights are missing (checkpoints/mnist-classifier/model.safetensors)."
        return ""

    def probabilities(self, x: torch.Tensor) -> np.ndarray:
        """(N, 10) class probabilities of (N, 1, 32, 32) images, clipped to [-1, 1] as they are shown."""
        with self._lock:
            if self._model is None:
                self._model = load_digit_classifier(self.path)
            model = self._model
        return classify(model, x.float().clamp(-1, 1))[0]


@dataclass(frozen=True)
class Commitment:
    """How a run's x̂₀ settled, per kept frame f (F frames) and image b (B images)."""

    steps: np.ndarray  # (F,) run indices of the kept frames: 0 = x_T … the last step reached
    timesteps: np.ndarray  # (F,) t of x_t at each (-1: the final sample)
    distance: np.ndarray  # (F, B) RMS of x̂₀ at frame f from x̂₀ at the last frame (the final sample)
    probabilities: np.ndarray | None  # (F, B, 10) the judge's class probabilities of x̂₀; None when it cannot read
    judge_note: str = ""  # why there are no probabilities

    @property
    def batch_size(self) -> int:
        return self.distance.shape[1]

    def committed_at(self, image: int) -> int:
        """The first frame from which image ``image``'s x̂₀ stays within COMMITTED_RMS of the end."""
        return _settles_at(self.distance[:, image] < COMMITTED_RMS)

    def decided_at(self, image: int) -> int | None:
        """The first frame from which the judge's reading of image ``image`` stays the final one (None: no judge)."""
        if self.probabilities is None:
            return None
        labels = self.probabilities[:, image].argmax(1)
        return _settles_at(labels == labels[-1])


def _settles_at(holds: np.ndarray) -> int:
    """The first index from which ``holds`` is true to the end (len(holds) - 1 at the latest: the end holds)."""
    failing = np.flatnonzero(~holds)
    return 0 if failing.size == 0 else min(int(failing[-1]) + 1, len(holds) - 1)


def commitment(frames: list[Frame], judge: DigitJudge | None) -> Commitment:
    """The commitment data of a run's kept frames (each with its ``x0_small``)."""
    x0 = torch.stack([frame.x0_small for frame in frames])  # (F, B, C, h, w)
    F_, B = x0.shape[:2]
    distance = torch.stack([rms_per_image(x0[f], x0[-1]) for f in range(F_)]).numpy()
    probabilities, note = None, "No digit judge here."
    if judge is not None:
        note = judge.cannot_read(tuple(x0.shape[2:]))
        if not note:
            probabilities = judge.probabilities(x0.flatten(0, 1)).reshape(F_, B, 10)
    return Commitment(
        steps=np.array([frame.step for frame in frames]),
        timesteps=np.array([frame.timestep for frame in frames]),
        distance=distance,
        probabilities=probabilities,
        judge_note=note,
    )


def image_at(x: int, y: int, batch_size: int, grid_width: int, padding: int = 2) -> int:
    """The image under pixel (x, y) of a ``ddpm.images.grid`` of ``batch_size`` images (nearest one if between)."""
    nrow = math.ceil(math.sqrt(batch_size))
    cell = (grid_width - padding) / nrow  # an image and the padding after it
    column = min(max(int((x - padding) // cell), 0), nrow - 1)
    row = max(int((y - padding) // cell), 0)
    return min(row * nrow + column, batch_size - 1)


def at_t(timestep: int) -> str:
    return say("end") if timestep < 0 else f"t = {timestep}"


def distance_table(data: Commitment, image: int) -> pd.DataFrame:
    """The batch's median and range of the distance to the end, and the picked image's, per kept step."""
    columns = {
        "batch median": np.median(data.distance, axis=1),
        "batch min": data.distance.min(axis=1),
        "batch max": data.distance.max(axis=1),
        PICKED: data.distance[:, image],
    }
    return pd.concat(
        [
            pd.DataFrame({"step": data.steps, "t": data.timesteps, "RMS to the end": values, "series": name})
            for name, values in columns.items()
        ],
        ignore_index=True,
    )


def class_table(data: Commitment, image: int) -> pd.DataFrame:
    """The judge's probability of each digit in the picked image's x̂₀, per kept step (empty without a judge)."""
    if data.probabilities is None:
        return pd.DataFrame({"step": [], "t": [], "probability": [], "digit": []})
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "step": data.steps,
                    "t": data.timesteps,
                    "probability": data.probabilities[:, image, d],
                    "digit": str(d),
                }
            )
            for d in range(10)
        ],
        ignore_index=True,
    )


def strip(frames: list[Frame], data: Commitment, image: int) -> Image.Image:
    """The picked image's x̂₀ at up to STRIP_FRAMES kept steps, captioned with t and the judge's reading."""
    chosen = sorted({int(i) for i in np.linspace(0, len(frames) - 1, min(STRIP_FRAMES, len(frames))).round()})
    tiles, captions = [], []
    for f in chosen:
        tiles.append(to_image(frames[f].x0_small[image].float()))
        t = int(data.timesteps[f])
        caption = lettering.caption("end") if t < 0 else str(t)
        if data.probabilities is not None:
            p = data.probabilities[f, image]
            caption += f": {int(p.argmax())} {p.max():.0%}"
        captions.append(caption)
    return labelled_grid([tiles], captions, cell=96)


def summary(data: Commitment, image: int) -> str:
    """One paragraph: where image ``image`` committed, where the judge decided, and the batch."""
    step_t = lambda f: say("step {} ({})", int(data.steps[f]), at_t(int(data.timesteps[f])))  # noqa: E731
    last = len(data.steps) - 1
    committed = data.committed_at(image)
    lines = [
        say(
            "**Image {}** of {}: its x̂₀ stays within {} RMS of the end from {} on (of {} steps).",
            image,
            data.batch_size,
            COMMITTED_RMS,
            step_t(committed),
            int(data.steps[last]),
        )
    ]
    decided = data.decided_at(image)
    if decided is not None:
        digit = int(data.probabilities[last, image].argmax())
        lines.append(
            say(
                "The judge reads a **{}** ({}) at the end, and has read a {} since {}.",
                digit,
                f"{data.probabilities[last, image, digit]:.0%}",
                digit,
                step_t(decided),
            )
        )
    else:
        lines.append(say(data.judge_note))
    batch = [int(data.steps[data.committed_at(b)]) for b in range(data.batch_size)]
    lines.append(
        say("Across the batch, x̂₀ commits at step {} (median; {}–{}).", int(np.median(batch)), min(batch), max(batch))
    )
    return "  \n".join(lines)


@dataclass(frozen=True)
class CommitView(Outputs):
    """The view's outputs: a summary, the picked image's number, the grid to click, the plots and the strip."""

    note: str
    image: dict = SKIP
    grid: Image.Image = SKIP
    distance: pd.DataFrame = SKIP
    classes: pd.DataFrame = SKIP
    strip: Image.Image = SKIP


def commit_view(state: RunState | None, image, judge: DigitJudge) -> tuple:
    """The view of the last run for image ``image`` (clamped into the batch)."""
    frames = [frame for frame in (getattr(state, "frames", None) or []) if frame.x0_small is not None]
    if len(frames) < 2:
        return CommitView(
            "Run the sampler first (“Run” above): this view reads the last run's kept steps."
        ).as_outputs()
    try:
        data = commitment(frames, judge)
    except DDPMError as error:
        raise gr.Error(str(error)) from None
    image = min(max(int(image or 0), 0), data.batch_size - 1)
    return CommitView(
        note=summary(data, image),
        image=gr.update(value=image, maximum=data.batch_size - 1),
        grid=frames[-1].x_t,
        distance=distance_table(data, image),
        classes=class_table(data, image),
        strip=strip(frames, data, image),
    ).as_outputs()


def pick_image(state: object, evt: gr.SelectData) -> int:
    """The image clicked on in the last run's final grid (``state``: the session's ``RunState`` or None; annotated
    as ``object`` so that Gradio, which reads the annotations at run time, finds ``gr.SelectData``)."""
    frames = getattr(state, "frames", None) or []
    if not frames or frames[-1].x0_small is None:
        raise gr.Error("Run the sampler first: there is no grid to pick an image from.")
    x, y = evt.index
    return image_at(int(x), int(y), frames[-1].x0_small.shape[0], frames[-1].x_t.width)


@dataclass(frozen=True)
class CommitPanel:
    """The view's components; ``show_after`` refreshes it when a run ends."""

    last_run: gr.State
    judge: DigitJudge
    note: gr.Markdown
    image: Whole
    grid: gr.Image
    distance: gr.LinePlot
    classes: gr.LinePlot
    strip: gr.Image

    def outputs(self) -> list:
        return [self.note, self.image, self.grid, self.distance, self.classes, self.strip]  # CommitView's fields

    def handler(self):
        return partial(commit_view, judge=self.judge)

    def show_after(self, listener, api_name: str) -> None:
        """Refresh the view after an event: ``listener`` is that event's ``.then``, ``.success`` or ``.failure``."""
        listener(self.handler(), [self.last_run, self.image], self.outputs(), api_name=api_name, **QUIET)


QUIET = {"show_progress": "hidden"}


def build_panel(last_run: gr.State, talk: bool = False) -> CommitPanel:
    """The view's components and its own events (picking an image); call inside the Reverse tab."""
    gr.Markdown(
        t(
            "For the last run (finished or stopped): how far each image's x̂₀ at every kept step is from where the "
            "run ended (RMS over pixels, in [-1, 1] units), and — for a 32×32 digit model — which digit the project's "
            "MNIST judge reads in that x̂₀. Click an image in the grid, or type its number (0 = top left)."
        )
    )
    note = gr.Markdown(t(NO_RUN), elem_classes=["readouts"], elem_id="commit-note")
    line = {"height": 340 if talk else 260, "elem_classes": [PLOT_CLASS], "x": "step", "tooltip": "all"}
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=220):
            grid = gr.Image(
                label=t("The last run's samples (click one)"),
                format="png",
                type="pil",
                interactive=False,
                height=300,
                elem_classes=["pixelated"],
                elem_id="commit-grid",
            )
            image = Whole(0, label=t("Image # (0 = top left)"), precision=0, maximum=MAX_IMAGES, elem_id="commit-image")
        with gr.Column(scale=5):
            with gr.Row():
                distance = gr.LinePlot(
                    y="RMS to the end",
                    color="series",
                    color_map=SPREAD,
                    title=t("RMS distance of x̂₀ from the final sample"),
                    x_title="k (0 = x_T)",  # axis titles stay symbols: Gradio does not translate them
                    elem_id="commit-distance",
                    **line,
                )
                classes = gr.LinePlot(
                    y="probability",
                    color="digit",
                    color_map=dict(zip((str(d) for d in range(10)), DIGIT_COLORS, strict=True)),
                    title=t("The judge's digit probabilities of x̂₀"),
                    x_title="k (0 = x_T)",  # axis titles stay symbols: Gradio does not translate them
                    y_lim=[0, 1],
                    elem_id="commit-classes",
                    **line,
                )
            strip_image = gr.Image(
                label=t("The picked image's x̂₀ along the run (t: the digit the judge reads, how sure)"),
                format="png",
                type="pil",
                interactive=False,
                elem_classes=["pixelated"],
                elem_id="commit-strip",
            )
    panel = CommitPanel(last_run, DigitJudge(), note, image, grid, distance, classes, strip_image)
    image.input(
        panel.handler(), [last_run, image], panel.outputs(), api_name="commitment", trigger_mode="always_last", **QUIET
    )
    picked = grid.select(pick_image, last_run, image, api_name="pick_image", **QUIET)
    panel.show_after(picked.then, "commitment_of_pick")
    return panel
