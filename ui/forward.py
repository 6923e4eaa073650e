"""The "Forward noising" tab: one image, one fixed ε, and x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε as t is scrubbed.

Handlers are plain functions of (state, controls) → a typed view; ``build_tab`` only wires them to components.
The state (``ForwardState``) is the shrunken source image, the model that knows it (for the x̂₀ panel), the working
tensor x0 (C, H, W) at the chosen resolution, the seed and the ε (C, H, W) drawn from it.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
from dataclasses import dataclass, field
from functools import lru_cache, partial

import gradio as gr
import numpy as np
import pandas as pd
import torch
from PIL import Image

from ddpm import DDPMError, NoiseSchedule, Pipeline
from ddpm.diffusion import predict_eps_from_x0, predict_x0_from_eps, q_chain, randn
from ddpm.images import from_pil
from ddpm.schedule import SCHEDULE_KINDS

from . import i18n, lettering, params
from .bundled_examples import EXAMPLES, load_example
from .inputs import Choice, ImageInput, SketchInput, Whole, WholeSlider
from .intake import MODES, SIZE_CHOICES, drawn_image, resolution, shrink, sketch_to_digit, to_tensor
from .models import BUNDLED_NAME, PipelineCache, display_name, is_bundled
from .outputs import SKIP, Outputs
from .pictures import FastPng, image_array, labelled_grid, noise_image, to_image
from .theme import LATEX, PLOT_CLASS, legend_html

T = 1000  # the forward tab works on 1000-step schedules, like the bundled model and Ho et al.
FILMSTRIP_TIMESTEPS = (0, 50, 100, 250, 500, 750, 999)
HISTOGRAM_COLORS = {"pixels of x_t": "#2563eb", "N(0, 1)": "#111827"}  # the data in blue, the target in black
NO_MODEL_KNOWS_IT = (
    "The x̂₀ prediction appears for images a model knows: pick a digit or emoji example, draw a digit, or start the "
    "app with a colour model (`python app.py --model emoji`) to ask it about your uploads."
)


@lru_cache(maxsize=8)
def schedule_for(kind: str) -> NoiseSchedule:
    if kind not in SCHEDULE_KINDS:
        raise gr.Error(f"Unknown schedule {kind!r}; choose one of {', '.join(SCHEDULE_KINDS)}.")
    return NoiseSchedule.make(kind, T)


def _check_t(t) -> int:
    return params.shown(params.whole, t, "The timestep t", 0, T - 1)


# ------------------------------------------------------------------------------------------------------- state
@dataclass(frozen=True)
class ForwardState:
    """One image and one fixed ε: everything the tab shows is a function of this and the controls."""

    source: Image.Image  # the image as given, shrunk to at most MAX_SOURCE px
    model: str | None  # the bundled model that knows the image ("digits", "emoji"); None for an upload
    size: int
    mode: str
    x0: torch.Tensor  # (C, size, size) in [-1, 1]
    seed: int
    eps: torch.Tensor  # (C, size, size), drawn from ``seed``
    # (C, H) of a model → (x0, ε) at the model's resolution, (1, C, H, H): made once per state, not per slider tick
    _model_inputs: dict = field(default_factory=dict, compare=False, repr=False)

    def reseeded(self, seed: int | None = None) -> ForwardState:
        """The same image with a new fixed ε (from ``seed``, or a random one)."""
        seed = secrets.randbelow(2**31) if seed is None else params.shown(params.seed, seed)
        eps = randn((1, *self.x0.shape), torch.Generator().manual_seed(seed))[0]  # (C, H, W)
        return dataclasses.replace(self, seed=seed, eps=eps, _model_inputs={})

    def resized(self, size: int, mode: str) -> ForwardState:
        """The same source image and seed at another working resolution or colour mode (ε is redrawn at its shape)."""
        try:
            x0 = to_tensor(self.source, size, mode)
        except DDPMError as error:
            raise gr.Error(str(error)) from None
        return dataclasses.replace(self, size=resolution(size), mode=mode, x0=x0).reseeded(self.seed)

    def model_inputs(self, channels: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The image at a model's resolution and channels and its own ε there (1, C, H, W), from the same seed."""
        key = (channels, size)
        if key not in self._model_inputs:
            x0 = from_pil(self.source, size, channels)[None]
            self._model_inputs[key] = (x0, randn(x0.shape, torch.Generator().manual_seed(self.seed)))
        return self._model_inputs[key]

    def x_t(self, kind: str, t: int) -> torch.Tensor:
        """x_t (C, H, W) of the image along the fixed ε (Eq. 4)."""
        return schedule_for(kind).q_sample(self.x0[None], t, self.eps[None])[0]


def make_state(
    image: Image.Image | None, model: str | None, size: int = 256, mode: str = "RGB", seed: int | None = 0
) -> ForwardState:
    """A fresh state for ``image`` at ``size`` px in ``mode``, with ε drawn from ``seed``."""
    if image is None:
        raise gr.Error("There is no image yet: upload one, pick an example or draw a digit.")
    try:
        source = shrink(image)
        x0 = to_tensor(source, size, mode)  # (C, H, W) in [-1, 1]
    except DDPMError as error:
        raise gr.Error(str(error)) from None
    empty = torch.empty(0)
    return ForwardState(source, model, resolution(size), mode, x0, 0, empty).reseeded(seed)


def example_state(name: str, size: int = 256, mode: str = "RGB", seed: int | None = 0) -> ForwardState:
    try:
        example = load_example(name)
    except DDPMError as error:
        raise gr.Error(str(error)) from None
    return make_state(example.open(), example.model, size, mode, seed)


def state_from_sketch(sketch, size: int, mode: str, seed: int = 0) -> ForwardState | None:
    """The Sketchpad's value → a digit state; None if nothing is drawn."""
    image = drawn_image(sketch)
    digit = None if image is None else sketch_to_digit(image)
    return None if digit is None else make_state(digit, "digits", size, mode, seed)


# ---------------------------------------------------------------------------------------------------- views
@dataclass(frozen=True)
class ScrubView(Outputs):
    """What changes with t. Images are PIL images, or PNG file paths on the slider's fast path."""

    x_t: Image.Image | str = SKIP
    readouts: str = SKIP
    histogram: pd.DataFrame = SKIP
    x0_hat: Image.Image | str | None = SKIP
    x0_note: str = SKIP


@dataclass(frozen=True)
class ForwardView(Outputs):
    """Everything the tab shows for one state: ε, the filmstrip, then what changes with t."""

    eps: Image.Image = SKIP
    filmstrip: Image.Image = SKIP
    scrubbed: ScrubView = field(default_factory=ScrubView)


@dataclass(frozen=True)
class ChainView(Outputs):
    chain: Image.Image | None
    closed: Image.Image | None
    statistics: pd.DataFrame


@dataclass(frozen=True)
class X0Panel:
    picture: Image.Image | None  # [x_t as the model sees it | x̂_0], or None with the reason in ``caption``
    caption: str


def readouts(kind: str, t: int) -> str:
    """√ᾱ_t, √(1-ᾱ_t), SNR and the closed form with today's numbers, as Markdown with LaTeX."""
    s = schedule_for(kind)
    a, b, snr, db = (table[t].item() for table in (s.sqrt_alpha_bars, s.sqrt_one_minus_alpha_bars, s.snr, s.snr_db))
    return (
        f"$t = {t}$ &nbsp;·&nbsp; $\\sqrt{{\\bar\\alpha_t}} = {a:.4f}$ &nbsp;·&nbsp; "
        f"$\\sqrt{{1-\\bar\\alpha_t}} = {b:.4f}$\n\n"  # the SNR on a line of its own: it never wraps mid-way
        f"$\\mathrm{{SNR}} = \\bar\\alpha_t / (1-\\bar\\alpha_t) = {snr:.4g}\\;\\;({db:+.1f}\\,\\mathrm{{dB}})$\n\n"
        f"$$x_{{{t}}} = {a:.4f}\\,x_0 + {b:.4f}\\,\\varepsilon$$"
    )


@lru_cache(maxsize=8)
def _histogram_axis(bins: int, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Bin centres (twice), the N(0, 1) density at them (the target of q(x_T)) and the series column."""
    edges = np.linspace(lo, hi, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    normal = np.exp(-0.5 * centres**2) / math.sqrt(2 * math.pi)
    return np.concatenate([centres, centres]).round(3), normal.round(4), ("pixels of x_t",) * bins + ("N(0, 1)",) * bins


def histogram_frame(x: torch.Tensor, bins: int = 61, lo: float = -4.0, hi: float = 4.0) -> pd.DataFrame:
    """Density histogram of x's values next to the standard normal density, as a long table for ``gr.LinePlot``."""
    values = x.detach().float().cpu()
    counts = torch.histc(values, bins=bins, min=lo, max=hi).numpy()  # values beyond ±4 are left out
    density = counts / (values.numel() * (hi - lo) / bins)  # fraction per unit: comparable to a density
    value, normal, series = _histogram_axis(bins, float(lo), float(hi))
    names = {name: i18n.say(name) for name in HISTOGRAM_COLORS}  # the series in the page's language (tooltips)
    return pd.DataFrame(
        {"value": value, "density": np.concatenate([density.round(4), normal]), "series": [names[s] for s in series]}
    )


def model_to_ask(state: ForwardState, pipelines: PipelineCache | None) -> str | None:
    """The model the x̂₀ panel asks about the state's image: a digit goes to the app's model when it runs one of its
    own (``--model``), else to the bundled digit model; an emoji to the bundled emoji model; an upload to the app's
    model unless that is the digit model, which knows only digits (an upload would get a digit back whatever it
    shows)."""
    if pipelines is None:
        return None
    default = display_name(pipelines.default_model)
    if state.model is None:
        return None if default == BUNDLED_NAME else default
    if state.model == BUNDLED_NAME and not is_bundled(default):
        return default
    return state.model


def x0_prediction(state: ForwardState, t: int, model: str | None, pipe: Pipeline | None, note: str = "") -> X0Panel:
    """What ``model`` (``model_to_ask``) believes x_0 is, seeing the state's image noised to timestep t at its own
    resolution and channels."""
    if model is None:
        return X0Panel(None, i18n.say(NO_MODEL_KNOWS_IT))
    if pipe is None:
        return X0Panel(None, i18n.say("No model to ask yet: {}.", note or "the default model is not available"))
    C, H, W = pipe.image_shape
    schedule = pipe.schedule
    t_model = round(t * (schedule.num_timesteps - 1) / (T - 1))  # the same place along the model's own chain
    x0, eps = state.model_inputs(C, H)
    x_t = schedule.q_sample(x0, t_model, eps)
    timestep = torch.full((1,), t_model, dtype=torch.long, device=pipe.device)
    eps_hat = pipe.eps(x_t.to(pipe.device), timestep).cpu()
    x0_hat = predict_x0_from_eps(schedule, x_t, t_model, eps_hat).clamp(-1, 1)
    tiles = [to_image(x_t.clamp(-1, 1)), to_image(x0_hat)]
    caption = i18n.say(
        "The network sees x_t at {} px on its own {} schedule (t = {}) and predicts x̂₀ = (x_t − √(1−ᾱ_t) ε_θ) / √ᾱ_t.",
        f"{H}×{W}",
        i18n.say(schedule.kind),
        t_model,
    )
    return X0Panel(labelled_grid([tiles], [lettering.caption("x_t (input)"), "x̂₀"], cell=160), caption)


def scrub(
    state: ForwardState, kind: str, t, pipelines: PipelineCache | None = None, png: FastPng | None = None
) -> ScrubView:
    """Everything that changes with t: x_t, the readouts, the histogram, the x̂_0 panel.

    Images come as PIL images, or with ``png`` (the slider's hot path) as PNG files written in a couple of
    milliseconds, x_t straight from its uint8 array: Gradio would spend 15–25 ms encoding the PIL images."""
    t = _check_t(t)
    x_t = state.x_t(kind, t)
    model = model_to_ask(state, pipelines)
    pipe = pipelines.try_load(model) if model else None
    panel = x0_prediction(state, t, model, pipe, pipelines.status(model) if pipelines else "no model configured")
    if png is None:
        return ScrubView(to_image(x_t), readouts(kind, t), histogram_frame(x_t), panel.picture, panel.caption)
    x0_file = None if panel.picture is None else png(panel.picture)
    return ScrubView(png(image_array(x_t)), readouts(kind, t), histogram_frame(x_t), x0_file, panel.caption)


def filmstrip(state: ForwardState, kind: str) -> Image.Image:
    """The image at several t on one path (same ε), x_0 first."""
    tiles = [to_image(state.x0)] + [to_image(state.x_t(kind, t)) for t in FILMSTRIP_TIMESTEPS]
    return labelled_grid(
        [tiles], [lettering.caption("x₀ (clean)")] + [f"t = {t}" for t in FILMSTRIP_TIMESTEPS], cell=112
    )


def all_views(state: ForwardState, kind: str, t, pipelines: PipelineCache | None = None) -> ForwardView:
    """ε and the filmstrip, then everything ``scrub`` shows."""
    return ForwardView(noise_image(state.eps), filmstrip(state, kind), scrub(state, kind, t, pipelines))


def chain_vs_closed(state: ForwardState, kind: str, t, seed: int = 0) -> ChainView:
    """Run q(x_s | x_{s-1}) for s = 0…t with fresh noise, and compare with the one-shot closed form.

    Both are draws from q(x_t | x_0): their residuals (x_t − √ᾱ_t x_0)/√(1−ᾱ_t) should both look N(0, 1), and the
    pixel mean and spread follow the moments of q(x_t | x_0) (``NoiseSchedule.q_mean_variance``)."""
    t = _check_t(t)
    s = schedule_for(kind)
    x0 = state.x0[None]
    chain = q_chain(s, x0, t, torch.Generator().manual_seed(params.shown(params.seed, seed, "The chain seed")))
    closed = s.q_sample(x0, t, state.eps[None])
    mean, variance = s.q_mean_variance(x0, t)
    statistics = [  # (name, statistic of a draw x, its value in theory)
        ("mean of x_t", lambda x: x.mean(), mean.mean().item()),
        ("std of x_t", lambda x: x.std(), math.sqrt(mean.var().item() + variance.item())),  # signal + noise
        ("mean of (x_t − √ᾱ_t x₀)/√(1−ᾱ_t)", lambda x: predict_eps_from_x0(s, x, t, x0).mean(), 0.0),
        ("std of (x_t − √ᾱ_t x₀)/√(1−ᾱ_t)", lambda x: predict_eps_from_x0(s, x, t, x0).std(), 1.0),
    ]
    rows = [
        {
            i18n.say("statistic"): i18n.say(name),
            i18n.say("chain ({} steps)", t + 1): round(fn(chain).item(), 4),
            i18n.say("closed form (1 step)"): round(fn(closed).item(), 4),
            i18n.say("theory"): round(theory, 4),
        }
        for name, fn, theory in statistics
    ]
    return ChainView(to_image(chain[0]), to_image(closed[0]), pd.DataFrame(rows))


# --------------------------------------------------------------------------------------------------- events
def _seed_of(state: ForwardState | None) -> int:
    return state.seed if state else 0


def load_upload(image, size, mode, kind, t, state, pipelines=None) -> tuple:
    new = make_state(image, None, size, mode, _seed_of(state))
    return new, *all_views(new, kind, t, pipelines).as_outputs()


def load_example_image(name, size, mode, kind, t, state, pipelines=None) -> tuple:
    new = example_state(name, size, mode, _seed_of(state))
    return new, *all_views(new, kind, t, pipelines).as_outputs()


def load_sketch(sketch, size, mode, kind, t, state, pipelines=None) -> tuple:
    new = state_from_sketch(sketch, size, mode, _seed_of(state))
    if new is None:  # an empty or cleared canvas: keep what is shown
        return state, *ForwardView().as_outputs()
    return new, *all_views(new, kind, t, pipelines).as_outputs()


def live(state) -> ForwardState:
    """The session's state; a sentence when the server has let this page's session go (closed, or evicted)."""
    if not isinstance(state, ForwardState):
        raise gr.Error("This page's session has expired on the server: reload the page to start again.")
    return state


def change_resolution(size, mode, kind, t, state, pipelines=None) -> tuple:
    new = live(state).resized(size, mode)
    return new, *all_views(new, kind, t, pipelines).as_outputs()


def new_noise(kind, t, state, pipelines=None, seed: int | None = None) -> tuple:
    new = live(state).reseeded(seed)
    return new, *all_views(new, kind, t, pipelines).as_outputs()


def set_schedule(state, kind, t, pipelines=None) -> tuple:
    return all_views(live(state), kind, t, pipelines).as_outputs()


def scrub_event(state, kind, t, pipelines: PipelineCache | None, png: FastPng) -> tuple:
    """``scrub`` for the slider: its images handed to Gradio as quickly written PNG files (see ``FastPng``)."""
    return scrub(live(state), kind, t, pipelines, png).as_outputs()


def chain_event(state, kind, t, seed) -> tuple:
    return chain_vs_closed(live(state), kind, t, seed).as_outputs()


def clear_chain() -> tuple:
    """Empty the chain panel when the image or ε changes, until "Run the chain to t" is pressed again."""
    return ChainView(
        None, None, pd.DataFrame({i18n.say("statistic"): [i18n.say("press “Run the chain to t” for this image")]})
    ).as_outputs()


@dataclass(frozen=True)
class Source:
    """Where the image comes from and how it is worked on: the left column."""

    example: Choice
    upload: ImageInput
    sketch: SketchInput
    size: Choice
    mode: Choice
    kind: Choice
    t: WholeSlider
    reseed: gr.Button


@dataclass(frozen=True)
class Views:
    """The components of ``ForwardView``, in its output order."""

    eps: gr.Image
    filmstrip: gr.Image
    x_t: gr.Image
    readouts: gr.Markdown
    histogram: gr.LinePlot
    x0_hat: gr.Image
    x0_note: gr.Markdown

    def all(self) -> list:
        return [getattr(self, f.name) for f in dataclasses.fields(self)]

    def scrubbed(self) -> list:
        return [self.x_t, self.readouts, self.histogram, self.x0_hat, self.x0_note]  # ScrubView's fields


@dataclass(frozen=True)
class ChainPanel:
    button: gr.Button
    seed: Whole
    outputs: list  # ChainView's: the chain, the closed form, the statistics


def _image_source(first: str) -> tuple[Choice, ImageInput, SketchInput]:
    with gr.Tabs():
        with gr.Tab(i18n.t("Examples")):
            example = Choice(
                i18n.choices(EXAMPLES),
                value=first,
                label=i18n.t("Bundled example"),
                info=i18n.t(
                    "Public-domain / CC0 photos from scikit-image; MNIST digits; Noto Color Emoji (Apache-2.0)."
                ),
            )
        with gr.Tab(i18n.t("Upload")):
            upload = ImageInput(
                type="pil",
                label=i18n.t("Your image"),
                sources=["upload", "clipboard"],
                format="png",
                height=260,
                elem_id="upload",
            )
        with gr.Tab(i18n.t("Draw a digit"), elem_id="draw-tab"):
            brush = gr.Brush(default_size=22, colors=["#000000"], color_mode="fixed")
            sketch = SketchInput(
                type="pil",
                label=i18n.t("Draw a digit (pick the brush)"),
                canvas_size=(280, 280),
                brush=brush,
                elem_id="sketch",
            )
    return example, upload, sketch


def _source(first: str, talk: bool) -> Source:
    example, upload, sketch = _image_source(first)
    with gr.Column() if talk else gr.Row():  # side by side, the big type wraps the choices
        size = Choice(list(SIZE_CHOICES), value="256", label=i18n.t("Resolution (px)"), elem_id="size")
        mode = Choice(i18n.choices(MODES), value="RGB", label=i18n.t("Colour"), elem_id="mode")
    kind = Choice(i18n.choices(SCHEDULE_KINDS), value="linear", label=i18n.t("Noise schedule"), elem_id="fwd-schedule")
    t = WholeSlider(
        0,
        T - 1,
        value=250,
        step=1,
        label=i18n.t("Timestep t"),
        elem_id="t-slider",
        info=i18n.t("Drag or use the arrow keys: x_t moves along one path (ε stays fixed)."),
    )
    reseed = gr.Button(i18n.t("New noise ε (reseed)"), elem_id="new-noise")
    return Source(example, upload, sketch, size, mode, kind, t, reseed)


def _pictures(first: ForwardView, talk: bool) -> tuple[gr.Image, gr.Image, gr.LinePlot, gr.Image, gr.Markdown]:
    picture = {"format": "png", "type": "pil", "interactive": False}
    with gr.Row():
        x_t = gr.Image(
            first.scrubbed.x_t,
            label=i18n.t("x_t"),
            height=360 if talk else 300,
            elem_id="x-t",
            elem_classes=["pixelated"],
            **picture,
        )
        eps = gr.Image(
            first.eps,
            label=i18n.t("ε (fixed; shown at ±3σ)"),
            height=360 if talk else 300,
            elem_id="eps",
            elem_classes=["pixelated"],
            **picture,
        )
    with gr.Row():
        with gr.Column(min_width=320):
            histogram = gr.LinePlot(
                first.scrubbed.histogram,
                x="value",
                y="density",
                color="series",
                height=320 if talk else 260,
                title=i18n.t("Pixels of x_t against N(0, 1)"),
                x_title="x_t",  # axis titles stay symbols: Gradio does not translate them
                y_title="p",
                elem_id="histogram",
                x_lim=[-4, 4],
                color_map={i18n.localize(k, lang): c for k, c in HISTOGRAM_COLORS.items() for lang in i18n.LANGS},
                colors_in_legend=[],
                elem_classes=[PLOT_CLASS],
            )
            gr.HTML(
                i18n.built(lambda say: legend_html({say(k): c for k, c in HISTOGRAM_COLORS.items()})),
                elem_id="histogram-legend",
            )
        x0_hat = gr.Image(
            first.scrubbed.x0_hat,
            label=i18n.t("Model's x̂₀ from x_t"),
            height=360 if talk else 300,
            elem_id="x0-hat",
            **picture,
        )
    x0_note = gr.Markdown(i18n.t(first.scrubbed.x0_note), elem_id="x0-note")
    return x_t, eps, histogram, x0_hat, x0_note


def _filmstrip(first: ForwardView, talk: bool) -> gr.Image:
    if talk:  # the strip fills the width; a heading, because Gradio's label overlay would cover x0's tile
        gr.Markdown(i18n.t("**Filmstrip: the same image and ε at several t**"), elem_id="filmstrip-title")
    return gr.Image(
        first.filmstrip,
        label=i18n.t("Filmstrip: the same image and ε at several t"),
        format="png",
        type="pil",
        elem_id="filmstrip",
        interactive=False,
        height=250 if talk else 190,
        show_label=not talk,
        elem_classes=["fill-panel"] if talk else None,
    )


def _chain_panel(first: ChainView, talk: bool) -> ChainPanel:
    with gr.Accordion(i18n.t("Chain vs closed form: t small steps of Eq. 2 against one jump of Eq. 4"), open=not talk):
        with gr.Row():
            button = gr.Button(i18n.t("Run the chain to t"), elem_id="run-chain", scale=0, min_width=220)
            seed = Whole(0, label=i18n.t("chain seed"), precision=0, scale=0, min_width=120)
        with gr.Row():
            chain = gr.Image(
                first.chain,
                label=i18n.t("chain: t + 1 steps, fresh noise each"),
                format="png",
                type="pil",
                height=256,
                interactive=False,
                elem_id="chain",
            )
            closed = gr.Image(
                first.closed,
                label=i18n.t("closed form: one step with ε"),
                format="png",
                type="pil",
                height=256,
                interactive=False,
            )
        statistics = gr.Dataframe(
            first.statistics,
            label=i18n.t("Statistics (both residuals ≈ N(0, 1))"),
            interactive=False,
            elem_id="chain-stats",
        )
        i18n.first_value(statistics, first.statistics)
    return ChainPanel(button, seed, [chain, closed, statistics])


def _wire(src: Source, views: Views, chain: ChainPanel, state: gr.State, pipelines: PipelineCache | None) -> None:
    quiet = {"show_progress": "hidden", "trigger_mode": "always_last"}
    shown = [state, *views.all()]

    def bind(fn):
        return partial(fn, pipelines=pipelines)

    controls = [src.size, src.mode, src.kind, src.t, state]
    new_image_events = [
        src.upload.upload(bind(load_upload), [src.upload, *controls], shown, api_name="load_upload"),
        src.example.change(bind(load_example_image), [src.example, *controls], shown, api_name="load_example"),
        src.sketch.change(bind(load_sketch), [src.sketch, *controls], shown, api_name="load_sketch", **quiet),
        gr.on([src.size.change, src.mode.change], bind(change_resolution), controls, shown, api_name="set_resolution"),
        src.reseed.click(bind(new_noise), [src.kind, src.t, state], shown, api_name="new_noise"),
    ]
    for event in new_image_events:  # the chain panel would otherwise keep showing the previous image
        event.then(clear_chain, None, chain.outputs, show_progress="hidden", api_visibility="private")
    src.kind.change(bind(set_schedule), [state, src.kind, src.t], views.all(), api_name="set_schedule")
    src.t.change(
        partial(scrub_event, pipelines=pipelines, png=FastPng()),
        [state, src.kind, src.t],
        views.scrubbed(),
        api_name="scrub",
        **quiet,
    )
    chain.button.click(chain_event, [state, src.kind, src.t, chain.seed], chain.outputs, api_name="chain_vs_closed")


@dataclass(frozen=True)
class ForwardTab:
    """What a link or a scene sets on this tab (``ui.presenter``): the controls, the state and the views."""

    source: Source
    state: gr.State
    views: Views


def build_tab(pipelines: PipelineCache | None, talk: bool = False) -> ForwardTab:
    """The tab's components and events; call inside ``gr.Tab``."""
    first = "Astronaut"
    state0 = example_state(first, 256, "RGB", 0)
    views0 = all_views(state0, "linear", 250, pipelines=None)  # the model loads lazily, on the first digit
    state = gr.State(state0)
    with gr.Row(equal_height=False):
        with gr.Column(scale=4, min_width=320):
            src = _source(first, talk)
            readouts = gr.Markdown(
                views0.scrubbed.readouts, latex_delimiters=LATEX, elem_classes=["readouts"], elem_id="readouts"
            )
        with gr.Column(scale=6):
            x_t, eps, histogram, x0_hat, x0_note = _pictures(views0, talk)
    views = Views(eps, _filmstrip(views0, talk), x_t, readouts, histogram, x0_hat, x0_note)
    chain = _chain_panel(chain_vs_closed(state0, "linear", 250, seed=0), talk)
    _wire(src, views, chain, state, pipelines)
    return ForwardTab(src, state, views)
