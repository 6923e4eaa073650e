"""The "2D lab" tab: diffusion in the plane, where the density, the score and the ideal denoiser are exact.

A point cloud (a named dataset or a drawing) is noised by the DDPM schedule; the t slider shows the noised cloud, the
density of q(x_t) and a field of arrows: the exact −ε* = σ_t ∇log q(x_t), the network's −ε_θ, or their difference.
The reverse process runs with the library's samplers (``ddpm.sampling.denoise``) on (B, 2) particles: a stochastic
sampler and a probability-flow ODE solver from the same x_T, side by side. The MLP trains live; sampling with ε* and
with ε_θ then shows memorising against generalising, measured by the mean nearest-neighbour distance to the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from functools import partial
from itertools import zip_longest

import gradio as gr
import numpy as np
import pandas as pd
import torch
from matplotlib import colormaps
from PIL import Image, ImageOps

from ddpm import DDPMError, NoiseSchedule
from ddpm.diffusion import randn
from ddpm.image_intake import to_8bit
from ddpm.lab2d import data as datasets
from ddpm.lab2d.exact import GaussianMixture, IdealDenoiser, ideal_eps, log_density
from ddpm.lab2d.fit import TrainConfig, train_steps
from ddpm.lab2d.metrics import mean_nearest_distance
from ddpm.lab2d.mlp import EpsMLP
from ddpm.lab2d.paths import ReversePath, forward_paths
from ddpm.sampling import denoise

from . import i18n, lettering
from .inputs import Choice, Pick, SketchInput, Whole, WholeSlider
from .intake import drawn_image
from .models import PipelineCache
from .outputs import SKIP, Outputs
from .pictures import FastPng
from .plane import Canvas, Style, grid
from .runs import heavy_group
from .theme import LATEX, PLOT_CLASS

T = 1000  # the DDPM schedule of Ho et al. (linear β from 1e-4 to 0.02), as the image model uses
DATA_CHOICES = [(i18n.t(name.replace("_", " ")), name) for name in datasets.DATASET_NAMES] + [
    (i18n.t("my drawing"), "drawing")
]
FIELDS = [
    (i18n.t("exact −ε*"), "exact"),
    (i18n.t("learned −ε_θ"), "learned"),
    (i18n.t("difference ε_θ − ε*"), "difference"),
]
STOCHASTIC = [(i18n.t("DDPM (ancestral)"), "ddpm"), ("SDE-DPM-Solver++(2M)", "dpmpp_2m_sde")]
ODES = [("DDIM, η = 0", "ddim"), ("DPM-Solver++(2M)", "dpmpp_2m"), ("UniPC", "unipc")]
DENOISERS = [(i18n.t("exact ε* (ideal)"), "ideal"), (i18n.t("learned ε_θ (MLP)"), "learned")]
NAMES = {value: i18n.english(name) for name, value in STOCHASTIC + ODES}
DENOISER_NAMES = {value: i18n.english(name) for name, value in DENOISERS}
HEAT_GRID, ARROW_GRID = 48, 21  # cells per side of the density heatmap and of the arrow field
NUM_POINTS, NUM_PARTICLES, NUM_STEPS = 500, 300, 200
FORWARD_PATHS, DRAWN_PATHS = 10, 16  # forward paths drawn on the t view; reverse paths drawn per panel
MAX_FRAMES = 40  # frames streamed (and kept for replay) per run, whatever the number of steps
LOG_RANGE = 8.0  # the heatmap spans log q from its maximum down by this many nats
COMPARE_SAMPLES = 500
T_FIRST = 40  # the t the tab opens at: the shape still shows, the field already reaches far


def schedule() -> NoiseSchedule:
    return NoiseSchedule.make("linear", T)


# ------------------------------------------------------------------------------------------------------ state
@dataclass(frozen=True)
class Cloud:
    """The chosen data: training points, a fixed ε per point (scrubbing t moves each along one line), forward
    paths of a few points along the Markov chain, and fresh points of the same law (the yardstick for distances)."""

    key: str  # says which data, for the page and for telling a model trained on other data
    name: str  # the dataset's name (DATASETS) or "drawing"
    points: torch.Tensor  # (N, 2)
    noise: torch.Tensor  # (N, 2)
    forward: torch.Tensor  # (T + 1, FORWARD_PATHS, 2)
    fresh: torch.Tensor  # (N, 2)

    @property
    def mixture(self) -> GaussianMixture:
        return GaussianMixture.empirical(self.points)


@dataclass
class Learned:
    """The session's MLP, the cloud it was trained on, its loss curve so far and its error curve over t."""

    model: EpsMLP
    key: str
    losses: list[tuple[int, float]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Run:
    """A finished or stopped reverse run: both paths, for the replay slider."""

    stochastic: ReversePath
    ode: ReversePath
    names: tuple[str, str]
    denoiser: str


def make_cloud(name: str, n: int, seed: int, ink: torch.Tensor | None = None) -> Cloud:
    generator = torch.Generator().manual_seed(seed)
    if name == "drawing":
        if ink is None:
            raise DDPMError("Draw a shape in the box first, then press “Use my drawing”.")
        points = datasets.points_from_ink(ink, n, generator)
        fresh = datasets.points_from_ink(ink, n, torch.Generator().manual_seed(seed + 1))
        key = f"your drawing · {n} points"
    else:
        points = datasets.make_points(name, n, generator)
        fresh = datasets.make_points(name, n, torch.Generator().manual_seed(seed + 1))
        key = f"{name.replace('_', ' ')} · {n} points · seed {seed}"
    noise = randn(points.shape, generator)
    forward = forward_paths(schedule(), points[:FORWARD_PATHS], generator)
    return Cloud(key, name, points, noise, forward, fresh)


def ink_mask(image: Image.Image) -> torch.Tensor | None:
    """A drawing (dark strokes on a light or transparent canvas) → its (H, W) ink mask; None when nothing is drawn."""
    ink = np.asarray(ImageOps.invert(to_8bit(image).convert("L"))) > 40
    return torch.from_numpy(ink) if ink.any() else None


def _cloud_or_error(cloud: Cloud | None) -> Cloud:
    if cloud is None:
        raise gr.Error("Pick a dataset (or draw one) first.")
    return cloud


def model_fits(learned: Learned | None, cloud: Cloud, name: str | None = None) -> bool:
    """Whether ε_θ was trained on ``cloud``, and ``name`` (when given: the dataset about to be loaded) is its data."""
    return learned is not None and learned.key == cloud.key and name in (None, cloud.name)


def _model_or_error(learned: Learned | None, cloud: Cloud) -> EpsMLP:
    if learned is None:
        raise gr.Error("Train the network first (“Train ε_θ”), or pick the exact ε*.")
    if learned.key != cloud.key:
        raise gr.Error(f"The network was trained on {learned.key}; train it again on {cloud.key}.")
    return learned.model


# --------------------------------------------------------------------------------------------------- the t view
@dataclass(frozen=True)
class LabView(Outputs):
    view: str
    readout: str


def field_at(kind: str, cloud: Cloud, learned: Learned | None, x: torch.Tensor, t: int) -> torch.Tensor:
    """(M, 2) the arrows' field at points x: −ε*, −ε_θ, or ε_θ − ε*."""
    s = schedule()
    if kind == "exact":
        return -ideal_eps(cloud.mixture, s, x, t)
    with torch.no_grad():
        learned_eps = _model_or_error(learned, cloud)(x, torch.full((x.shape[0],), t))
    if kind == "learned":
        return -learned_eps
    return learned_eps - ideal_eps(cloud.mixture, s, x, t)


def field_label(kind: str) -> str:
    """The English label of the arrows ``kind`` ("exact", "learned", "difference")."""
    return {value: i18n.english(name) for name, value in FIELDS}[kind]


def _arrow_unit(vectors: np.ndarray) -> tuple[np.ndarray, float]:
    """Arrows scaled per frame: the 90th percentile of lengths spans one grid cell; longer ones are capped."""
    lengths = np.linalg.norm(vectors, axis=1)
    unit = float(max(np.quantile(lengths, 0.9), 1e-6))
    capped = vectors * np.minimum(1.0, 1.4 * unit / np.maximum(lengths, 1e-12))[:, None]
    return capped, unit


def render_view(cloud: Cloud, learned: Learned | None, t: int, kind: str, style: Style) -> tuple[np.ndarray, str]:
    """The noised cloud at t over the density of q(x_t) (or |ε_θ − ε*|), the chosen field as arrows, forward paths."""
    s = schedule()
    canvas = Canvas(style)
    heat_points = torch.from_numpy(grid(HEAT_GRID))
    if kind == "difference":
        error = field_at("difference", cloud, learned, heat_points, t).norm(dim=1).reshape(HEAT_GRID, HEAT_GRID)
        high = float(error.max())
        canvas.heatmap(error.numpy(), "magma", 0.0, high)
        what = f"heat: |ε_θ − ε*| from 0 (black) to {high:.2f} (yellow)"
    else:
        log_q = log_density(cloud.mixture, s, heat_points, t).reshape(HEAT_GRID, HEAT_GRID).numpy()
        canvas.heatmap(log_q, "Blues", float(log_q.max()) - LOG_RANGE, float(log_q.max()))
        what = f"heat: log q(x_t), {LOG_RANGE:g} nats below its peak (white) to the peak (dark blue)"
    arrow_points = torch.from_numpy(grid(ARROW_GRID))
    vectors, unit = _arrow_unit(field_at(kind, cloud, learned, arrow_points, t).numpy())
    x_t = s.q_sample(cloud.points, t, cloud.noise)  # Eq. 4, one fixed ε per point
    canvas.points(x_t.numpy(), "#f97316", scale=0.8)
    canvas.paths(cloud.forward[: t + 2].numpy(), "#15803d", width=style.line)
    canvas.points(cloud.forward[t + 1].numpy(), "#15803d", scale=1.6, outline="white")
    canvas.arrows(arrow_points.numpy(), vectors, "#111827" if kind != "difference" else "#22d3ee", unit)
    label = field_label(kind)
    arrows = lettering.caption(label).split(" ", 1)[1]
    canvas.title(lettering.caption("t = {}   ᾱ_t = {}   arrows: {}", t, f"{float(s.alpha_bars[t]):.3f}", arrows))
    readout = (
        f"**{cloud.key}** at t = {t}: orange = the noised cloud x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε (one fixed ε per point), "
        f"green = {FORWARD_PATHS} points' forward paths along the chain q(x_t | x_(t−1)); {what}; "
        f"arrows: {label} (−ε* = σ_t ∇log q(x_t)), length scaled per frame, one cell = {unit:.2g}."
    )
    return canvas.array(), i18n.localize(readout)


def show(cloud, learned, t, kind, style: Style, png: FastPng) -> tuple:
    """The t view (slider, field toggle); ``gr.Error`` sentences for missing data or model."""
    try:
        picture, readout = render_view(_cloud_or_error(cloud), learned, t, kind, style)
    except DDPMError as error:
        raise gr.Error(str(error)) from None
    return LabView(png(picture), readout).as_outputs()


def load_data(name, n, seed, t, kind, learned, style: Style, png: FastPng, sketch=None) -> tuple:
    """A new cloud from a dataset (or the drawing), and its view; a field that needs another model falls back."""
    ink = None
    if name == "drawing":
        image = drawn_image(sketch) if sketch is not None else None
        ink = None if image is None else ink_mask(image)
    try:
        cloud = make_cloud(name, n, seed, ink)
    except DDPMError as error:
        raise gr.Error(str(error)) from None
    if kind != "exact" and not model_fits(learned, cloud):
        kind = "exact"
    return (cloud, kind, *show(cloud, learned, t, kind, style, png))


# ------------------------------------------------------------------------------------------------ reverse runs
@dataclass(frozen=True)
class RunFrame(Outputs):
    stochastic: str
    ode: str
    status: str
    last_run: Run | None = SKIP
    replay: dict = SKIP


PATH_COLORS = (colormaps["turbo"](np.linspace(0.05, 0.95, DRAWN_PATHS))[:, :3] * 255).astype(np.uint8)


def render_run(cloud: Cloud, path: torch.Tensor, position: int, total: int, title: str, style: Style) -> np.ndarray:
    """One panel: the data (grey), the first paths up to ``position`` (one colour each), every particle (dots)."""
    canvas = Canvas(style)
    canvas.points(cloud.points.numpy(), "#cbd5e1", scale=0.8)
    canvas.paths(path[: position + 1, :DRAWN_PATHS].numpy(), PATH_COLORS, width=1 + style.line // 3)
    canvas.points(path[position].numpy(), "#1e3a8a", scale=0.9)
    canvas.title(lettering.caption("{} · step {}/{}", lettering.caption(title), position, total - 1))
    return canvas.array()


def frame_positions(count: int, frames: int = MAX_FRAMES) -> list[int]:
    """At most ``frames`` positions of 0…count−1, evenly spread, first and last included."""
    return sorted({round(i) for i in np.linspace(0, count - 1, min(frames, count))})


def _run_frame(cloud, run: Run, position: int, total: int, style: Style, png: FastPng, status: str, **more) -> RunFrame:
    """Both panels at ``position`` of ``total`` positions (a shorter run so far shows its last one)."""
    stochastic, ode = run.stochastic.points, run.ode.points
    a = min(position, len(stochastic) - 1)
    b = min(position, len(ode) - 1)
    return RunFrame(
        png(render_run(cloud, stochastic, a, total, NAMES[run.names[0]], style)),
        png(render_run(cloud, ode, b, total, f"{NAMES[run.names[1]]} (ODE)", style)),
        status,
        **more,
    )


def sample(
    cloud, learned, stochastic, ode, steps, denoiser, particles, seed, style: Style, png: FastPng
) -> Iterator[tuple]:
    """Both samplers from the same x_T, streamed: ≤ MAX_FRAMES frames, then the replay slider over them."""
    cloud = _cloud_or_error(cloud)
    s = schedule()
    model = IdealDenoiser(cloud.mixture, s) if denoiser == "ideal" else _model_or_error(learned, cloud)
    num_steps = min(steps, T - 1)
    x_T = randn((particles, 2), torch.Generator().manual_seed(seed))
    runs = [
        denoise(
            model,
            s,
            x_T,
            sampler=name,
            num_steps=num_steps,
            clip_sample=False,
            generator=torch.Generator().manual_seed(seed + 1),
        )
        for name in (stochastic, ode)
    ]
    kept = set(frame_positions(num_steps + 1))
    steps_seen: tuple[list, list] = ([], [])
    with torch.no_grad():
        for position, pair in enumerate(zip_longest(*runs)):
            for i, step in enumerate(pair):
                if step is not None:
                    steps_seen[i].append(step)
            if position in kept:
                run = Run(ReversePath.of(steps_seen[0]), ReversePath.of(steps_seen[1]), (stochastic, ode), denoiser)
                yield _run_frame(
                    cloud, run, position, num_steps + 1, style, png, i18n.say("Step {}/{} …", position, num_steps)
                ).as_outputs()
    run = Run(ReversePath.of(steps_seen[0]), ReversePath.of(steps_seen[1]), (stochastic, ode), denoiser)
    last = len(steps_seen[0]) - 1
    status = i18n.say(
        "{} particles, {} steps, {}: the stochastic paths jitter, the ODE paths are smooth curves; both start from "
        "the same x_T. Mean distance to the nearest training point: {} {}, {} {}.",
        particles,
        num_steps,
        i18n.say(DENOISER_NAMES[denoiser]),  # the names in the page's language first: they hold spaces
        i18n.say(NAMES[stochastic]),
        f"{mean_nearest_distance(run.stochastic.final, cloud.points):.4f}",
        i18n.say(NAMES[ode]),
        f"{mean_nearest_distance(run.ode.final, cloud.points):.4f}",
    )
    replay = gr.update(maximum=last, value=last, interactive=True)
    yield _run_frame(cloud, run, last, last + 1, style, png, status, last_run=run, replay=replay).as_outputs()


def replay(cloud, run: Run | None, position: int, style: Style, png: FastPng) -> tuple:
    if run is None or cloud is None:
        raise gr.Error("Run the reverse process first; the replay shows its frames.")
    total = max(len(run.stochastic.points), len(run.ode.points))
    frame = _run_frame(cloud, run, position, total, style, png, i18n.say("Replay: step {}", position))
    return (frame.stochastic, frame.ode, frame.status)


# ---------------------------------------------------------------------------------------------------- training
@dataclass(frozen=True)
class TrainUpdate(Outputs):
    losses: pd.DataFrame
    status: str
    learned: Learned
    errors: pd.DataFrame = SKIP


def error_curve(cloud: Cloud, model: EpsMLP, samples: int = 256, seed: int = 0) -> pd.DataFrame:
    """Mean |ε_θ − ε*| at x_t ~ q(x_t) (training points noised by Eq. 4), for 25 timesteps."""
    s = schedule()
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for t in np.linspace(0, T - 1, 25).round().astype(int):
        x0 = cloud.points[torch.randint(0, cloud.points.shape[0], (samples,), generator=generator)]
        x_t = s.q_sample(x0, int(t), randn(x0.shape, generator))
        with torch.no_grad():
            gap = (model(x_t, torch.full((samples,), int(t))) - ideal_eps(cloud.mixture, s, x_t, int(t))).norm(dim=1)
        rows.append({"t": int(t), "mean |ε_θ − ε*|": float(gap.mean())})
    return pd.DataFrame(rows)


def train(cloud, steps, seed) -> Iterator[tuple]:
    """Train a fresh MLP on the cloud, streaming the loss curve; Stop keeps the weights reached so far."""
    cloud = _cloud_or_error(cloud)
    torch.manual_seed(seed)
    learned = Learned(EpsMLP(), cloud.key)
    config = TrainConfig(steps=steps, seed=seed)
    for progress in train_steps(learned.model, schedule(), cloud.points, config):
        learned.losses.append((progress.step, progress.loss))
        learned.seconds = progress.elapsed_s
        frame = pd.DataFrame(learned.losses, columns=["step", "loss"])
        status = i18n.say(
            "Training on {}: step {}/{}, loss {}, {} s",
            cloud.key,
            progress.step,
            steps,
            f"{progress.loss:.4f}",
            f"{progress.elapsed_s:.1f}",
        )
        if progress.done:
            errors = error_curve(cloud, learned.model)
            status = i18n.say(
                "Trained on {}: {} steps in {} s, final loss {}. Now pick “learned” or “difference” above, or sample "
                "with both below.",
                cloud.key,
                steps,
                f"{progress.elapsed_s:.1f}",
                f"{progress.loss:.4f}",
            )
            yield TrainUpdate(frame, status, learned, errors).as_outputs()
        else:
            yield TrainUpdate(frame, status, learned).as_outputs()


# ------------------------------------------------------------------------------------------- learned vs ideal
@dataclass(frozen=True)
class Comparison(Outputs):
    ideal: str
    learned: str
    numbers: str


def compare_samples(cloud: Cloud, model: EpsMLP, sampler: str, steps: int, seed: int) -> dict[str, torch.Tensor]:
    """Samples of the ideal ε* and of the network from the same x_T and noise, with fresh data and x_T itself."""
    s = schedule()
    x_T = randn((COMPARE_SAMPLES, 2), torch.Generator().manual_seed(seed))
    out = {}
    with torch.no_grad():
        for name, eps_model in (("ideal", IdealDenoiser(cloud.mixture, s)), ("learned", model)):
            final = None
            for step in denoise(
                eps_model,
                s,
                x_T,
                sampler=sampler,
                num_steps=min(steps, T - 1),
                clip_sample=False,
                generator=torch.Generator().manual_seed(seed + 1),
            ):
                final = step.x_t
            out[name] = final
    out["fresh"] = cloud.fresh[:COMPARE_SAMPLES]
    out["noise"] = x_T
    return out


def compare(cloud, learned, sampler, steps, seed, style: Style, png: FastPng) -> tuple:
    cloud = _cloud_or_error(cloud)
    samples = compare_samples(cloud, _model_or_error(learned, cloud), sampler, steps, seed)
    d = {name: mean_nearest_distance(x, cloud.points) for name, x in samples.items()}
    panels = []
    for name, title in (("ideal", "exact ε*"), ("learned", "learned ε_θ")):
        canvas = Canvas(style)
        canvas.points(cloud.points.numpy(), "#94a3b8", scale=0.9)
        canvas.points(samples[name].numpy(), "#dc2626" if name == "ideal" else "#2563eb", scale=0.8)
        canvas.title(
            lettering.caption("samples of {}: mean NN distance {}", lettering.caption(title), f"{d[name]:.4f}")
        )
        panels.append(png(canvas.array()))
    heads = " | ".join(i18n.say(head) for head in ("exact ε*", "learned ε_θ", "fresh data", "x_T (noise)"))
    numbers = (
        i18n.say(
            "Mean distance from each of {} samples ({}, {} steps) to its nearest training point:",
            COMPARE_SAMPLES,
            i18n.say(NAMES[sampler]),
            min(steps, T - 1),
        )
        + f"\n\n| {heads} |\n|---|---|---|---|\n"
        f"| **{d['ideal']:.4f}** | **{d['learned']:.4f}** | {d['fresh']:.4f} | {d['noise']:.4f} |\n\n"
        + i18n.say(
            "The exact ideal denoiser is the best possible ε for *these* points: it brings every sample back onto a "
            "training point (distance ≈ 0: it memorises). The network is smoother than ε*; its samples fill the "
            "shape between the points, as fresh data does: compare its distance with fresh data's."
        )
    )
    return Comparison(*panels, numbers).as_outputs()


# ---------------------------------------------------------------------------------------------------- the page
@dataclass(frozen=True)
class DataControls:
    name: Pick
    n: WholeSlider
    seed: Whole
    sketch: SketchInput
    use_drawing: gr.Button


@dataclass(frozen=True)
class RunControls:
    stochastic: Choice
    ode: Choice
    steps: WholeSlider
    denoiser: Choice
    particles: WholeSlider
    seed: Whole
    run: gr.Button
    stop: gr.Button


def _data_controls() -> DataControls:
    name = Pick(DATA_CHOICES, value="two_moons", label=i18n.t("Data"), elem_id="lab-data")
    with gr.Row():
        n = WholeSlider(20, 2000, value=NUM_POINTS, step=10, label=i18n.t("Training points N"), elem_id="lab-n")
        seed = Whole(0, label=i18n.t("Seed"), elem_id="lab-seed", minimum=0)
    with gr.Accordion(i18n.t("Draw your own data"), open=False, elem_id="lab-draw"):
        brush = gr.Brush(default_size=14, colors=["#000000"], color_mode="fixed")
        sketch = SketchInput(
            type="pil", label=i18n.t("Draw a shape"), canvas_size=(280, 280), brush=brush, elem_id="lab-sketch"
        )
        use = gr.Button(i18n.t("Use my drawing"), elem_id="lab-use-drawing")
    return DataControls(name, n, seed, sketch, use)


def _run_controls() -> RunControls:
    with gr.Row():
        stochastic = Choice(STOCHASTIC, value="ddpm", label=i18n.t("Stochastic sampler"), elem_id="lab-stochastic")
        ode = Choice(ODES, value="ddim", label=i18n.t("Probability-flow ODE solver"), elem_id="lab-ode")
        denoiser = Choice(DENOISERS, value="ideal", label=i18n.t("Denoiser"), elem_id="lab-denoiser")
    with gr.Row():
        steps = WholeSlider(2, T - 1, value=NUM_STEPS, step=1, label=i18n.t("Steps K"), elem_id="lab-steps")
        particles = WholeSlider(
            10, 1000, value=NUM_PARTICLES, step=10, label=i18n.t("Particles"), elem_id="lab-particles"
        )
        seed = Whole(0, label=i18n.t("Seed of x_T"), elem_id="lab-run-seed", minimum=0)
    with gr.Row():
        run = gr.Button(i18n.t("Run the reverse process"), variant="primary", elem_id="lab-run")
        stop = gr.Button(i18n.t("Stop"), variant="stop", elem_id="lab-stop")
    return RunControls(stochastic, ode, steps, denoiser, particles, seed, run, stop)


def _image(label: str, elem_id: str, value=None) -> gr.Image:
    # the title is drawn in the picture: Gradio's label would sit on top of it
    return gr.Image(
        value, label=i18n.t(label), show_label=False, format="png", type="filepath", interactive=False, elem_id=elem_id
    )


@dataclass(frozen=True)
class LabTab:
    """What a link or a scene sets on this tab (``ui.presenter``)."""

    data: Pick
    t: WholeSlider
    field: Choice
    cloud: gr.State  # the data on show (Cloud)
    learned: gr.State  # the session's ε_θ (Learned) or None


def build_tab(pipelines: PipelineCache, talk: bool = False) -> LabTab:
    """The tab's components and events; call inside ``gr.Tab``."""
    style, png = Style(side=600 if talk else 520, talk=talk), FastPng()
    heavy = heavy_group(pipelines)
    quiet = {"show_progress": "hidden"}
    first = make_cloud("two_moons", NUM_POINTS, 0)
    first_view = LabView(*show(first, None, T_FIRST, "exact", style, png))
    cloud, learned, last_run = gr.State(first), gr.State(None), gr.State(None)

    gr.Markdown(
        i18n.t(
            "In two dimensions the noised data is a mixture of Gaussians, $q(x_t) = \\frac1N \\sum_i "
            "\\mathcal N(\\sqrt{\\bar\\alpha_t}\\,x_i, (1-\\bar\\alpha_t) I)$, so the best possible denoiser is exact: "
            "$\\varepsilon^*(x_t, t) = (x_t - \\sqrt{\\bar\\alpha_t}\\,\\mathbb E[x_0 \\mid x_t])"
            " / \\sqrt{1-\\bar\\alpha_t}$ "
            "(Tweedie), a softmax-weighted sum over the data."
        ),
        latex_delimiters=LATEX,
        elem_id="lab-intro",
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            data = _data_controls()
            t = WholeSlider(0, T - 1, value=T_FIRST, step=1, label=i18n.t("t"), elem_id="lab-t")
            kind = Choice(FIELDS, value="exact", label=i18n.t("Arrows"), elem_id="lab-field")
        with gr.Column(scale=5):
            view = _image("The noised cloud at t", "lab-view", first_view.view)
            readout = i18n.first_value(gr.Markdown(first_view.readout, elem_id="lab-readout"), first_view.readout)

    gr.Markdown(i18n.t("### The reverse process: stochastic paths beside probability-flow ODE paths"))
    controls = _run_controls()
    with gr.Row():
        left = _image("Stochastic sampler", "lab-stochastic-paths")
        right = _image("ODE solver", "lab-ode-paths")
    run_status = gr.Markdown("", elem_id="lab-run-status")
    replay_slider = WholeSlider(0, 1, value=0, step=1, label=i18n.t("Replay"), interactive=False, elem_id="lab-replay")

    gr.Markdown(i18n.t("### Learned vs ideal"))
    with gr.Row():
        train_steps_slider = WholeSlider(
            200, 6000, value=TrainConfig().steps, step=100, label=i18n.t("Training steps"), elem_id="lab-train-steps"
        )
        train_btn = gr.Button(i18n.t("Train ε_θ"), variant="primary", elem_id="lab-train")
        compare_btn = gr.Button(i18n.t("Sample with both"), elem_id="lab-compare")
    train_status = gr.Markdown("", elem_id="lab-train-status")
    line = {"height": 300 if talk else 240, "elem_classes": [PLOT_CLASS]}
    with gr.Row():
        losses = gr.LinePlot(
            None, x="step", y="loss", title=i18n.t("Training loss (L_simple)"), elem_id="lab-loss", **line
        )
        errors = gr.LinePlot(
            None,
            x="t",
            y="mean |ε_θ − ε*|",
            title=i18n.t("Error of ε_θ over t, at x_t ~ q(x_t)"),
            elem_id="lab-error",
            **line,
        )
    with gr.Row():
        ideal_img = _image("Samples of the exact ε*", "lab-ideal-samples")
        learned_img = _image("Samples of ε_θ", "lab-learned-samples")
    numbers = gr.Markdown("", elem_id="lab-numbers")

    view_out = [view, readout]
    shown = partial(show, style=style, png=png)
    loaded = partial(load_data, style=style, png=png)
    gr.on(
        [data.name.change, data.n.release, data.seed.submit],
        loaded,
        [data.name, data.n, data.seed, t, kind, learned],
        [cloud, kind, *view_out],
        api_name="lab_data",
        **quiet,
    )
    data.use_drawing.click(
        lambda n, seed, t, kind, learned, sketch: (
            (gr.update(value="drawing"),) + loaded("drawing", n, seed, t, kind, learned, sketch=sketch)
        ),
        [data.n, data.seed, t, kind, learned, data.sketch],
        [data.name, cloud, kind, *view_out],
        api_name="lab_drawing",
        **quiet,
    )
    gr.on(
        [t.input, t.change, kind.change],
        shown,
        [cloud, learned, t, kind],
        view_out,
        api_name="lab_view",
        trigger_mode="always_last",
        **quiet,
    )
    run_inputs = [cloud, learned, *(getattr(controls, f.name) for f in fields(RunControls)[:6])]
    run_event = controls.run.click(
        partial(sample, style=style, png=png),
        run_inputs,
        [left, right, run_status, last_run, replay_slider],
        api_name="lab_sample",
        **quiet,
        **heavy,
    )
    replay_slider.input(
        partial(replay, style=style, png=png),
        [cloud, last_run, replay_slider],
        [left, right, run_status],
        api_name="lab_replay",
        trigger_mode="always_last",
        **quiet,
    )
    train_event = train_btn.click(
        train,
        [cloud, train_steps_slider, data.seed],
        [losses, train_status, learned, errors],
        api_name="lab_train",
        **quiet,
        **heavy,
    )
    controls.stop.click(None, None, None, cancels=[run_event, train_event], api_name="lab_stop")
    compare_btn.click(
        partial(compare, style=style, png=png),
        [cloud, learned, controls.stochastic, controls.steps, controls.seed],
        [ideal_img, learned_img, numbers],
        api_name="lab_compare",
        **heavy,
    )
    return LabTab(data.name, t, kind, cloud, learned)
