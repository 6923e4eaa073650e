"""The Reverse tab's "Sampler race": two to four samplers from the same x_T, side by side, live.

Every contender runs with trailing timestep spacing (so each one's first step is at t = T − 1) and without clipping
x̂₀, from the x_T that the seed draws first. The deterministic ones (DDIM with η = 0, DPM-Solver++(2M), UniPC) then
solve the same probability-flow ODE, and their distance from an accurate solution of it (``REFERENCE``: UniPC with
100 steps from the same x_T) says how far each is from where the ODE really goes. The stochastic ones (DDPM,
SDE-DPM-Solver++(2M)) are not a function of x_T alone, and get no distance.

``race`` is one generator: it solves the reference first (or reuses the session's, for the same model, precision,
seed and batch), then advances the contender furthest behind (by the fraction of its run done) one step at a time,
so that the columns move together whatever their step counts. It yields after every network call (Stop takes effect
within one step of every column) and shows pictures on at most ``RACE_FRAMES`` of them. Beside the race: the bundled
model's measured quality per network call, and the published CIFAR-10 numbers for comparison.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd
import torch
from PIL import Image

from ddpm import DDPMError, Pipeline
from ddpm.device import dtype_name
from ddpm.images import grid, to_uint8
from ddpm.recording import model_fingerprint
from ddpm.sampling import DenoiseStep, SamplingOptions

from . import lettering, params
from .commit import rms_per_image
from .i18n import localize, localized, say, t
from .inputs import OptionalWhole, Pick, Whole, WholeSlider
from .models import BUNDLED_MODEL, PipelineCache
from .outputs import SKIP, Outputs
from .pictures import FastPng, labelled_grid
from .runs import (
    PROGRESS_EVERY_S,
    SAMPLER_CHOICES,
    SAMPLER_NAMES,
    RunBudget,
    heavy_group,
    load_pipe,
    on_gpu,
    precision_dtype,
)
from .theme import PLOT_CLASS

NO_CONTENDER = "none"
RACE_CHOICES = [*SAMPLER_CHOICES, (t("— (no contender)"), NO_CONTENDER)]
DEFAULT_CONTENDERS = (("ddim", 10), ("dpmpp_2m", 10), ("unipc", 10), ("ddpm", 50))  # ≈ 4 s on 2 CPU cores
MAX_CONTENDERS = 4
RACE_BATCH, MAX_RACE_BATCH = 4, 16
RACE_FRAMES = 40  # picture updates of one race, whatever the step counts
SPACING = "trailing"
QUALITY_CSV = BUNDLED_MODEL / "quality.csv"
PUBLISHED_CSV = Path(__file__).resolve().parent / "data" / "published_cifar10.csv"
LANE_COLORS = ["#4f46e5", "#dc2626", "#16a34a", "#d97706"]


@dataclass(frozen=True)
class Contender:
    sampler: str
    num_steps: int

    @property
    def label(self) -> str:
        return f"{SAMPLER_NAMES.get(self.sampler, self.sampler)}-{self.num_steps}"


REFERENCE = Contender("unipc", 100)  # the accurate PF-ODE solution the deterministic contenders are measured against


def race_options(pipe: Pipeline, contender: Contender) -> SamplingOptions:
    """A contender's options: the checkpoint's, with its sampler and steps, trailing spacing, η = 0, no clipping."""
    return pipe.options(
        sampler=contender.sampler, num_steps=contender.num_steps, eta=0.0, spacing=SPACING, clip_sample=False
    )


def contenders_of(choices: list[tuple[str, int | None]], num_timesteps: int) -> list[Contender]:
    """The chosen (sampler, steps) slots that are not empty, checked; a ``gr.Error`` unless there are 2 to 4."""
    contenders = []
    for slot, (sampler, steps) in enumerate(choices, start=1):
        if sampler == NO_CONTENDER:
            continue
        name = f"The steps of contender {slot} (this model has T = {num_timesteps})"
        contenders.append(Contender(sampler, params.shown(params.whole, steps, name, 1, num_timesteps)))
    if not 2 <= len(contenders) <= MAX_CONTENDERS:
        raise gr.Error(f"A race needs 2 to {MAX_CONTENDERS} contenders; {len(contenders)} chosen.")
    return contenders


@dataclass(frozen=True)
class ReferenceKey:
    model: str
    dtype: str
    seed: int
    batch_size: int


@dataclass(frozen=True)
class Reference:
    """The PF-ODE solved accurately from the race's x_T."""

    key: ReferenceKey
    x0: torch.Tensor  # (B, C, H, W)
    seconds: float


@dataclass(frozen=True)
class LaneResult:
    """Where one contender got: its network calls so far, its compute time, its distance from the reference."""

    label: str
    total: int  # the network calls of its whole run
    nfe: int
    seconds: float
    distance: float | None  # None: a stochastic sampler (or no reference)

    @property
    def finished(self) -> bool:
        return self.nfe == self.total

    def readout(self) -> str:
        distance = (
            say("stochastic: no reference distance")
            if self.distance is None
            else say("RMS to ref {}", f"{self.distance:.4f}")
        )
        return f"**{self.label}** · NFE {self.nfe}/{self.total} · {self.seconds:.2f} s · {distance}"


def localize_readout(readout: str) -> str:
    """A lane's readout written in another language (a recorded race's English) in the page's: part by part."""
    return " · ".join(localize(part) for part in readout.split(" · "))


@dataclass
class Lane:
    """One column of the race while it runs: its ``denoise`` generator, the last step it reached, its cost."""

    contender: Contender
    deterministic: bool
    total: int  # K: one network call per step
    steps: Iterator[DenoiseStep]
    latest: DenoiseStep | None = None
    seconds: float = 0.0
    distance: float | None = None

    @property
    def done(self) -> bool:
        return self.latest is not None and self.latest.index == self.total

    @property
    def nfe(self) -> int:
        """Network calls made: x̂₀ of step k (k < K) is the (k+1)-th call; the final sample adds none."""
        return 0 if self.latest is None else min(self.latest.index + 1, self.total)

    @property
    def position(self) -> float:
        """The fraction of its run done: 0 at x_T, 1 at the final sample, -1 before x_T."""
        return -1.0 if self.latest is None else self.latest.index / self.total

    def next_position(self) -> float:
        return (-1.0 if self.latest is None else self.latest.index + 1) / self.total

    def advance(self, reference: torch.Tensor) -> None:
        began = time.perf_counter()
        self.latest = next(self.steps)
        self.seconds += time.perf_counter() - began
        if self.deterministic:
            self.distance = rms_per_image(self.latest.x0_pred, reference).mean().item()

    def result(self) -> LaneResult:
        return LaneResult(self.contender.label, self.total, self.nfe, self.seconds, self.distance)


@dataclass
class RaceState:
    """The session's last race: each contender's result so far, and the reference (reused by the next race)."""

    results: list[LaneResult] = field(default_factory=list)
    reference: Reference | None = None
    finished: bool = False


@dataclass(frozen=True)
class LaneView(Outputs):
    picture: str | dict = SKIP
    readout: str = SKIP


@dataclass(frozen=True)
class LanesView(Outputs):
    """The four columns' outputs (a race with fewer contenders leaves the last ones empty)."""

    first: LaneView = LaneView()
    second: LaneView = LaneView()
    third: LaneView = LaneView()
    fourth: LaneView = LaneView()

    @classmethod
    def of(cls, views: list[LaneView]) -> LanesView:
        return cls(*views, *[LaneView()] * (MAX_CONTENDERS - len(views)))


@dataclass(frozen=True)
class RaceUpdate(Outputs):
    """One update of the race's outputs; fields left at SKIP stay as they are."""

    status: str = SKIP
    lanes: LanesView = LanesView()
    distances: pd.DataFrame = SKIP
    finals: Image.Image = SKIP  # each contender's final grid, then the reference's, one row each
    table: pd.DataFrame = SKIP
    state: RaceState = SKIP


def lane_picture(step: DenoiseStep, gap: int = 4) -> np.ndarray:
    """x_t above x̂₀, each as a grid of the batch, uint8."""
    x_t, x0 = np.asarray(grid(to_uint8(step.x_t))), np.asarray(grid(to_uint8(step.x0_pred)))
    spacer = np.full((gap, *x_t.shape[1:]), 255, dtype=np.uint8)
    return np.concatenate([x_t, spacer, x0], axis=0)


def distance_frame(points: list[tuple[str, int, float]]) -> pd.DataFrame:
    """(contender, NFE, RMS distance of x̂₀ from the reference) rows for the live plot."""
    return pd.DataFrame(points, columns=["contender", "NFE", "RMS to reference"])


def results_table(results: list[LaneResult]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sampler": [r.label.rsplit("-", 1)[0] for r in results],
            "steps": [r.total for r in results],
            "NFE": [r.nfe for r in results],
            "seconds": [round(r.seconds, 3) for r in results],
            "RMS distance to reference": [
                "stochastic" if r.distance is None else round(r.distance, 5) for r in results
            ],
        }
    )


def solve_reference(pipe: Pipeline, key: ReferenceKey):
    """The reference run, as progress updates; returns the ``Reference`` (``yield from`` gives it)."""
    began = last_note = time.perf_counter()
    steps = pipe.denoise(key.batch_size, options=race_options(pipe, REFERENCE), seed=key.seed)
    final = None
    for step in steps:
        final = step
        now = time.perf_counter()
        if now - last_note > PROGRESS_EVERY_S:
            last_note = now
            note = say(
                "Solving the reference first: {} (trailing, no clipping), step {}/{} · {} s",
                REFERENCE.label,
                step.index,
                REFERENCE.num_steps,
                f"{now - began:.1f}",
            )
            yield RaceUpdate(status=note)
        else:
            yield RaceUpdate()
    return Reference(key, final.x_t, time.perf_counter() - began)


def race(
    in_use: str,
    precision: str,
    batch_size: int,
    seed: int,
    sampler_1: str,
    steps_1: int,
    sampler_2: str,
    steps_2: int,
    sampler_3: str = NO_CONTENDER,
    steps_3: int | None = None,
    sampler_4: str = NO_CONTENDER,
    steps_4: int | None = None,
    state: RaceState | None = None,
    live: bool = False,
    *,
    pipelines: PipelineCache,
    png: FastPng,
    budget: RunBudget = RunBudget(),
    recordings=None,
):
    """Stream a race: the reference (unless the session has it), then every contender's steps, interleaved. Unless
    ``live``, a race that one of ``recordings`` (``ui.race_recording.RaceRecordings``) holds is played from it."""
    batch_size = params.shown(params.whole, batch_size, "The race's batch size", 1, MAX_RACE_BATCH)
    seed = params.shown(params.seed, seed)
    dtype = precision_dtype(precision, pipelines.device)
    pipe = load_pipe(pipelines, in_use, dtype)
    choices = [(sampler_1, steps_1), (sampler_2, steps_2), (sampler_3, steps_3), (sampler_4, steps_4)]
    contenders = contenders_of(choices, pipe.schedule.num_timesteps)
    options = [params.shown(race_options, pipe, c) for c in contenders]
    recorded = None if live or recordings is None else recordings.find(race_key(pipe, contenders, seed, batch_size))
    if recorded is not None:
        updates = recorded.play(png)
    else:
        key = ReferenceKey(in_use, dtype_name(dtype), seed, batch_size)
        reference = state.reference if isinstance(state, RaceState) and state.reference is not None else None
        reference = reference if reference is not None and reference.key == key else None
        totals = [len(o.timesteps(pipe.schedule.num_timesteps)) for o in options]
        nfe = sum(totals) + (0 if reference else REFERENCE.num_steps)
        params.shown(budget.check, pipelines, in_use, dtype, batch_size, nfe)
        updates = race_run(pipe, key, contenders, RaceState(reference=reference), png)
    for update in updates:
        yield update.as_outputs()


def race_key(pipe: Pipeline, contenders: list[Contender], seed: int, batch_size: int) -> dict:
    """What decides a race's pictures and numbers: the checkpoint, the contenders, the seed and the batch."""
    return {
        "kind": "race",
        "model": model_fingerprint(pipe),
        "contenders": [[c.sampler, c.num_steps] for c in contenders],
        "seed": seed,
        "batch_size": batch_size,
    }


def race_run(pipe: Pipeline, key: ReferenceKey, contenders: list[Contender], state: RaceState, png: FastPng):
    """The race itself on ``pipe``: ``race`` streams it to the page, ``ui.race_recording`` records it."""
    options = [race_options(pipe, c) for c in contenders]
    totals = [len(o.timesteps(pipe.schedule.num_timesteps)) for o in options]
    seed, batch_size = key.seed, key.batch_size
    empty = [LaneView(gr.update(value=None, label=c.label), f"**{c.label}** · {say('waiting')}") for c in contenders]
    yield RaceUpdate(status=say("Starting the race…"), lanes=LanesView.of(empty), state=state)
    try:
        if state.reference is None:
            state.reference = yield from solve_reference(pipe, key)
        lanes = [
            Lane(c, o.deterministic, total, pipe.denoise(batch_size, options=o, seed=seed))
            for c, o, total in zip(contenders, options, totals, strict=True)
        ]
        yield from run_lanes(lanes, state, png)
    except DDPMError as error:
        raise gr.Error(str(error)) from None


def run_lanes(lanes: list[Lane], state: RaceState, png: FastPng):
    """Advance the lane furthest behind, one network call per yield; pictures at RACE_FRAMES moments; the summary."""
    thresholds = np.linspace(0.0, 1.0, RACE_FRAMES)
    shown = 0  # thresholds passed so far
    points: list[tuple[str, int, float]] = []
    began = time.perf_counter()
    try:
        while not all(lane.done for lane in lanes):
            lane = min((lane for lane in lanes if not lane.done), key=Lane.next_position)
            lane.advance(state.reference.x0)
            if lane.distance is not None:
                points.append((lane.contender.label, lane.nfe, lane.distance))
            behind = min(lane.position for lane in lanes)
            if shown < RACE_FRAMES and behind >= thresholds[shown]:
                shown = int(np.searchsorted(thresholds, behind, side="right"))
                state.results = [lane.result() for lane in lanes]
                views = [LaneView(png(lane_picture(lane.latest)), lane.result().readout()) for lane in lanes]
                status = say("Racing: {}", " · ".join(f"{r.label} {r.nfe}/{r.total}" for r in state.results))
                yield RaceUpdate(status, LanesView.of(views), distance_frame(points), state=state)
            else:
                yield RaceUpdate()
    finally:
        for lane in lanes:
            lane.steps.close()  # a stopped race stops every column now
    state.results, state.finished = [lane.result() for lane in lanes], True
    views = [LaneView(png(lane_picture(lane.latest)), lane.result().readout()) for lane in lanes]
    finals = [lane.latest.x_t for lane in lanes] + [state.reference.x0]
    labels = [lane.contender.label for lane in lanes] + [f"reference {REFERENCE.label}"]
    done = say(
        "Done in {} s (the reference took {} s, reused while model, precision, seed and batch stay the same).",
        f"{time.perf_counter() - began:.1f}",
        f"{state.reference.seconds:.1f}",
    )
    yield RaceUpdate(
        done,
        LanesView.of(views),
        distance_frame(points),
        labelled_grid(
            [[grid(to_uint8(x))] for x in finals], [lettering.caption("final samples")], row_labels=labels, cell=96
        ),
        localized(results_table(state.results)),
        state,
    )


def race_stopped(state: RaceState | None) -> str:
    """The status after Stop: where each column got."""
    if not isinstance(state, RaceState) or state.finished:
        return gr.skip()
    if not state.results:
        return say("⏹ Stopped while solving the reference, before the contenders started.")
    where = ", ".join(say("{} at NFE {}/{}", r.label, r.nfe, r.total) for r in state.results)
    return say("⏹ Stopped: {}.", where)


# ----------------------------------------------------------------------------------------- quality per NFE
@dataclass(frozen=True)
class Curves:
    """A plot's rows (or none) and the sentence shown under it."""

    table: pd.DataFrame
    caption: str


def log10(values) -> np.ndarray:
    return np.log10(np.asarray(values, dtype=float))


def measured_quality(path: Path = QUALITY_CSV) -> Curves:
    """The bundled model's Fréchet distance (in the MNIST judge's features) per network call, one line per sampler,
    and the real-vs-real floor as a flat line; an empty table and a sentence when the file is absent or unreadable."""
    columns = ["log₁₀ NFE", "log₁₀ FD", "NFE", "FD", "sampler"]
    try:
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
        measured = [
            (SAMPLER_NAMES.get(r["sampler"], r["sampler"]) + dtype_suffix(r), int(r["nfe"]), float(r["fd"]))
            for r in rows
            if r["sampler"] != "real"
        ]
        floors = [float(r["fd"]) for r in rows if r["sampler"] == "real"]
    except (OSError, KeyError, ValueError) as error:
        reason = "is not there yet" if isinstance(error, FileNotFoundError) else f"could not be read ({error})"
        return Curves(
            pd.DataFrame(columns=columns),
            f"No measurements to show: `checkpoints/ddpm-mnist/quality.csv` {reason}; "
            "`python -m benchmarks.sample_quality --sweep --csv checkpoints/ddpm-mnist/quality.csv` makes it.",
        )
    if floors and measured:
        low, high = min(n for _, n, _ in measured), max(n for _, n, _ in measured)
        measured += [("real digits (floor)", low, floors[0]), ("real digits (floor)", high, floors[0])]
    table = pd.DataFrame(measured, columns=["sampler", "NFE", "FD"]).sort_values(["sampler", "NFE"])
    table["log₁₀ NFE"], table["log₁₀ FD"] = log10(table["NFE"]), log10(table["FD"])
    return Curves(
        table[columns],
        "Measured here on the bundled model (`checkpoints/ddpm-mnist/quality.csv`, `benchmarks/sample_quality.py`): "
        "Fréchet distance in the MNIST judge's features, lower is better; the flat line is real digits against real "
        "digits. Both axes log₁₀; hover for the values.",
    )


def dtype_suffix(row: dict) -> str:
    eta = row.get("eta") or "0"
    extra = f" η={eta}" if row["sampler"] == "ddim" and float(eta) != 0 else ""
    return extra + (f" {row['dtype']}" if row.get("dtype") not in ("", None, "float32") else "")


def published_fid(path: Path = PUBLISHED_CSV) -> Curves:
    """Published CIFAR-10 FID per network call, with the sources as the caption."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    table = pd.DataFrame(
        {
            "method": [r["method"] for r in rows],
            "NFE": [int(r["nfe"]) for r in rows],
            "FID": [float(r["fid"]) for r in rows],
        }
    )
    table["log₁₀ NFE"], table["log₁₀ FID"] = log10(table["NFE"]), log10(table["FID"])
    sources = "; ".join(dict.fromkeys(r["source"] for r in rows))
    return Curves(
        table,
        f"Published CIFAR-10 FID (50k samples), **not measured here**. Sources: {sources}. The DPM-Solver and UniPC "
        "points (†) are their abstracts' best settings on their own pretrained CIFAR-10 models, not the DDIM paper's: "
        "compare shapes, not decimals.",
    )


# ----------------------------------------------------------------------------------------------------- page
@dataclass(frozen=True)
class Slot:
    sampler: Pick
    steps: OptionalWhole  # empty is fine for an empty slot


@dataclass(frozen=True)
class RacePanel:
    slots: list[Slot]
    batch: WholeSlider
    seed: Whole
    start: gr.Button
    stop: gr.Button
    status: gr.Markdown
    pictures: list[gr.Image]
    readouts: list[gr.Markdown]
    distances: gr.LinePlot
    finals: gr.Image
    table: gr.Dataframe
    state: gr.State

    def outputs(self) -> list:
        """RaceUpdate's fields, in order."""
        lanes = [c for pair in zip(self.pictures, self.readouts, strict=True) for c in pair]
        return [self.status, *lanes, self.distances, self.finals, self.table, self.state]


INTRO = (
    "All contenders start from **the same x_T** (the seed's) and use **trailing timestep spacing**, so every "
    "sampler's first step is at t = T − 1, without clipping x̂₀: the deterministic ones (DDIM η = 0, "
    "DPM-Solver++(2M), UniPC) then solve the same probability-flow ODE. The reference is that ODE solved accurately "
    f"({REFERENCE.label}, computed first); each column shows x_t (top) and x̂₀ (bottom), its network calls (NFE), its "
    "compute time and the RMS distance (in [-1, 1] units) of its x̂₀ from the reference."
)


def _slots() -> list[Slot]:
    slots = []
    with gr.Row():
        for i, (sampler, steps) in enumerate(DEFAULT_CONTENDERS, start=1):
            with gr.Column(min_width=160):
                slots.append(
                    Slot(
                        Pick(RACE_CHOICES, value=sampler, label=t(f"Contender {i}"), elem_id=f"race-sampler-{i}"),
                        OptionalWhole(
                            steps, label=t("steps"), precision=0, minimum=1, maximum=100_000, elem_id=f"race-steps-{i}"
                        ),
                    )
                )
    return slots


def _plots(talk: bool) -> None:
    line = {"height": 320 if talk else 260, "elem_classes": [PLOT_CLASS], "x": "log₁₀ NFE", "tooltip": "all"}
    measured, published = measured_quality(), published_fid()
    with gr.Row():
        with gr.Column():
            gr.LinePlot(
                measured.table,
                y="log₁₀ FD",
                color="sampler",
                title=t("The bundled model: quality per network call (measured)")
                if len(measured.table)
                else t("The bundled model: no measurements yet"),
                elem_id="race-quality",
                **line,
            )
            gr.Markdown(t(measured.caption), elem_id="race-quality-caption")
        with gr.Column():
            gr.ScatterPlot(
                published.table,
                y="log₁₀ FID",
                color="method",
                title=t("CIFAR-10 FID per network call — published, not measured here"),
                x_lim=[0.9, 3.1],
                y_lim=[0.3, 2.7],
                elem_id="race-published",
                **line,
            )
            gr.Markdown(t(published.caption), elem_id="race-published-caption")


def build_panel(
    pipelines: PipelineCache,
    in_use: gr.State,
    precision: gr.components.Component,
    talk: bool,
    budget: RunBudget,
    live: gr.components.Component,
    recordings=None,
) -> RacePanel:
    """The race's components and events; call inside the Reverse tab (``precision`` is the tab's radio, ``live``
    its "run live" box). ``recordings``: races to play instead of running them (``ui.race_recording``)."""
    gr.Markdown(t(INTRO))
    slots = _slots()
    with gr.Row():
        batch = WholeSlider(1, MAX_RACE_BATCH, value=RACE_BATCH, step=1, label=t("Batch"), elem_id="race-batch")
        seed = Whole(0, label=t("Seed"), precision=0, min_width=100, elem_id="race-seed")
        start = gr.Button(t("Start the race"), variant="primary", elem_id="race-start")
        stop = gr.Button(t("Stop"), variant="stop", elem_id="race-stop")
    status = gr.Markdown(t("Press “Start the race”."), elem_classes=["readouts"], elem_id="race-status")
    pictures, readouts = [], []
    with gr.Row(equal_height=False):
        for i, (sampler, steps) in enumerate(DEFAULT_CONTENDERS, start=1):
            with gr.Column(min_width=160):
                pictures.append(
                    gr.Image(
                        label=Contender(sampler, steps).label,
                        format="png",
                        type="filepath",
                        interactive=False,
                        height=360 if talk else 300,
                        elem_classes=["pixelated"],
                        elem_id=f"race-lane-{i}",
                    )
                )
                readouts.append(gr.Markdown("", elem_classes=["readouts"], elem_id=f"race-readout-{i}"))
    with gr.Row(equal_height=False):
        distances = gr.LinePlot(
            x="NFE",
            y="RMS to reference",
            color="contender",
            title=t("Distance of x̂₀ from the reference, per network call"),
            height=320 if talk else 260,
            elem_classes=[PLOT_CLASS],
            tooltip="all",
            elem_id="race-distances",
        )
        finals = gr.Image(
            label=t("Finals side by side, and the reference"),
            format="png",
            type="pil",
            interactive=False,
            height=480,
            elem_classes=["fill-panel"],
            elem_id="race-finals",
        )
    table = gr.Dataframe(label=t("Result"), interactive=False, elem_id="race-table")
    _plots(talk)
    panel = RacePanel(slots, batch, seed, start, stop, status, pictures, readouts, distances, finals, table, gr.State())
    inputs = [in_use, precision, batch, seed, *[c for s in slots for c in (s.sampler, s.steps)], panel.state, live]
    event = start.click(
        on_gpu(partial(race, pipelines=pipelines, png=FastPng(), budget=budget, recordings=recordings)),
        inputs,
        panel.outputs(),
        api_name="race",
        show_progress="hidden",
        trigger_mode="once",
        **heavy_group(pipelines),
    )
    stop.click(None, None, None, cancels=[event], api_name="stop_race")
    event.failure(race_stopped, panel.state, status, api_name="race_stopped", show_progress="hidden")
    return panel
