"""The "Forward noising" tab: one image, one fixed ε, and x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε as t is scrubbed.

Handlers are plain functions of (state, controls) → outputs; ``build_tab`` only wires them to components.
The state is a dict: the shrunken source image, whether it is a digit the default model knows, the working tensor
x0 (C, H, W) at the chosen resolution, the seed and the ε (C, H, W) drawn from it.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections import OrderedDict
from functools import lru_cache, partial

import gradio as gr
import pandas as pd
import torch
from PIL import Image

from ddpm import DDPMError, NoiseSchedule, Pipeline
from ddpm.diffusion import predict_eps_from_x0, predict_x0_from_eps, q_chain, q_sample, randn
from ddpm.images import from_pil
from ddpm.schedule import SCHEDULE_KINDS

from .theme import LATEX, PLOT_CLASS, legend_html
from .widgets import (
    EXAMPLES,
    MODES,
    SIZES,
    FastPng,
    ModelSource,
    histogram_frame,
    image_array,
    labelled_grid,
    load_example,
    noise_image,
    shrink,
    sketch_to_digit,
    to_image,
    to_tensor,
)

T = 1000  # the forward tab works on 1000-step schedules, like the default model and Ho et al.
FILMSTRIP_TIMESTEPS = (0, 50, 100, 250, 500, 750, 999)
HISTOGRAM_COLORS = {"pixels of x_t": "#2563eb", "N(0, 1)": "#111827"}  # the data in blue, the target in black


@lru_cache(maxsize=8)
def schedule_for(kind: str) -> NoiseSchedule:
    if kind not in SCHEDULE_KINDS:
        raise gr.Error(f"Unknown schedule {kind!r}; choose one of {', '.join(SCHEDULE_KINDS)}.")
    return NoiseSchedule.make(kind, T)


def _check_t(t) -> int:
    t = int(round(float(t)))
    if not 0 <= t < T:
        raise gr.Error(f"t must be a whole number between 0 and {T - 1}; got {t}.")
    return t


# ------------------------------------------------------------------------------------------------------- state
def make_state(image: Image.Image, is_digit: bool, size: int = 256, mode: str = "RGB", seed: int = 0) -> dict:
    """A fresh state for ``image`` at ``size`` px in ``mode``, with ε drawn from ``seed``."""
    if image is None:
        raise gr.Error("There is no image yet: upload one, pick an example or draw a digit.")
    try:
        source = shrink(image)
        x0 = to_tensor(source, size, mode)  # (C, H, W) in [-1, 1]
    except DDPMError as error:
        raise gr.Error(str(error)) from None
    state = {"source": source, "digit": bool(is_digit), "size": int(size), "mode": mode, "x0": x0}
    return reseed(state, seed)


def reseed(state: dict, seed: int | None = None) -> dict:
    """The same image with a new fixed ε (from ``seed``, or a random one)."""
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    eps = randn((1, *state["x0"].shape), torch.Generator().manual_seed(seed))[0]  # (C, H, W)
    return {**state, "seed": seed, "eps": eps}


def state_from_sketch(sketch, size: int, mode: str, seed: int = 0) -> dict | None:
    """The Sketchpad's value (an EditorValue dict, or a PIL image) → a digit state; None if nothing is drawn."""
    image = sketch.get("composite") if isinstance(sketch, dict) else sketch
    if image is None:
        return None
    if not isinstance(image, Image.Image):
        image = Image.fromarray(image)
    digit = sketch_to_digit(image)
    return None if digit is None else make_state(digit, True, size, mode, seed)


# ---------------------------------------------------------------------------------------------------- views
def readouts(kind: str, t: int) -> str:
    """√ᾱ_t, √(1-ᾱ_t), SNR and the closed form with today's numbers, as Markdown with LaTeX."""
    s = schedule_for(kind)
    a, b, snr = s.sqrt_alpha_bars[t].item(), s.sqrt_one_minus_alpha_bars[t].item(), s.snr[t].item()
    db = 10 * math.log10(snr)
    return (
        f"$t = {t}$ &nbsp;·&nbsp; $\\sqrt{{\\bar\\alpha_t}} = {a:.4f}$ &nbsp;·&nbsp; "
        f"$\\sqrt{{1-\\bar\\alpha_t}} = {b:.4f}$\n\n"  # the SNR on a line of its own: it never wraps mid-way
        f"$\\mathrm{{SNR}} = \\bar\\alpha_t / (1-\\bar\\alpha_t) = {snr:.4g}\\;\\;({db:+.1f}\\,\\mathrm{{dB}})$\n\n"
        f"$$x_{{{t}}} = {a:.4f}\\,x_0 + {b:.4f}\\,\\varepsilon$$"
    )


def x_t_of(state: dict, kind: str, t: int) -> torch.Tensor:
    """x_t (C, H, W) of the state's image along its fixed ε (Eq. 4)."""
    return q_sample(schedule_for(kind), state["x0"][None], t, state["eps"][None])[0]


_MODEL_INPUTS: OrderedDict = OrderedDict()  # (id(source), seed, C, H) → (source, x0, ε) for a few recent images
_MODEL_INPUTS_LOCK = threading.Lock()


def model_inputs(state: dict, channels: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The state's image at the model's resolution and its ε there (1, C, H, W), made once per image and seed rather
    than on every slider tick (the entry keeps the source image, so a recycled id() can never match)."""
    key = (id(state["source"]), state["seed"], channels, size)
    with _MODEL_INPUTS_LOCK:
        hit = _MODEL_INPUTS.get(key)
        if hit is not None and hit[0] is state["source"]:
            _MODEL_INPUTS.move_to_end(key)
            return hit[1], hit[2]
    x0 = from_pil(state["source"], size, channels)[None]
    eps = randn(x0.shape, torch.Generator().manual_seed(state["seed"]))
    with _MODEL_INPUTS_LOCK:
        _MODEL_INPUTS[key] = (state["source"], x0, eps)
        while len(_MODEL_INPUTS) > 8:
            _MODEL_INPUTS.popitem(last=False)
    return x0, eps


def x0_prediction(state: dict, t: int, pipe: Pipeline | None, note: str = "") -> tuple[Image.Image | None, str]:
    """What the network believes x_0 is, seeing the state's digit noised to timestep t at its own resolution.

    Returns (a two-tile image [x_t as the model sees it | x̂_0], a one-line caption)."""
    if not state["digit"]:
        return None, ("The x̂₀ prediction appears for digits (pick a digit example or draw one): "
                      "the default model only knows MNIST.")
    if pipe is None:
        return None, f"No model to ask yet: {note or 'the default model is not available'}."
    C, H, W = pipe.image_shape
    schedule = pipe.schedule
    tm = round(t * (schedule.num_timesteps - 1) / (T - 1))  # the same place along the model's own chain
    x0, eps = model_inputs(state, C, H)
    x_t = q_sample(schedule, x0, tm, eps)
    eps_hat = pipe.eps(x_t.to(pipe.device), torch.full((1,), tm, dtype=torch.long, device=pipe.device)).cpu()
    x0_hat = predict_x0_from_eps(schedule, x_t, tm, eps_hat).clamp(-1, 1)
    tiles = [to_image(x_t.clamp(-1, 1)), to_image(x0_hat)]
    caption = (f"The network sees x_t at {H}×{W} px on its own {schedule.kind} schedule (t = {tm}) and predicts "
               "x̂₀ = (x_t − √(1−ᾱ_t) ε_θ) / √ᾱ_t.")
    return labelled_grid([tiles], ["x_t (input)", "x0-hat"], cell=160), caption


def scrub(state: dict, kind: str, t, models: ModelSource | None = None, png: FastPng | None = None):
    """Everything that changes with t: x_t, the readouts, the histogram, the x̂_0 panel.

    Images come as PIL images, or with ``png`` (the slider's hot path) as PNG files written in a couple of
    milliseconds, x_t straight from its uint8 array: Gradio would spend 15–25 ms encoding the PIL images."""
    t = _check_t(t)
    x_t = x_t_of(state, kind, t)
    pipe = models.get() if (models is not None and state["digit"]) else None
    x0_hat, caption = x0_prediction(state, t, pipe, models.note if models else "no model configured")
    if png is None:
        return to_image(x_t), readouts(kind, t), histogram_frame(x_t), x0_hat, caption
    x0_file = None if x0_hat is None else png(x0_hat)
    return png(image_array(x_t)), readouts(kind, t), histogram_frame(x_t), x0_file, caption


def scrub_fast(state: dict, kind: str, t, models: ModelSource | None, png: FastPng):
    """``scrub`` for the slider: its images handed to Gradio as quickly written PNG files (see ``FastPng``)."""
    return scrub(state, kind, t, models, png)


def filmstrip(state: dict, kind: str) -> Image.Image:
    """The image at several t on one path (same ε), x_0 first."""
    tiles = [to_image(state["x0"])] + [to_image(x_t_of(state, kind, t)) for t in FILMSTRIP_TIMESTEPS]
    return labelled_grid([tiles], ["x0 (clean)"] + [f"t = {t}" for t in FILMSTRIP_TIMESTEPS], cell=112)


def all_views(state: dict, kind: str, t, models: ModelSource | None = None):
    """ε and the filmstrip, then everything ``scrub`` returns."""
    return (noise_image(state["eps"]), filmstrip(state, kind), *scrub(state, kind, t, models))


def chain_vs_closed(state: dict, kind: str, t, seed: int = 0) -> tuple[Image.Image, Image.Image, pd.DataFrame]:
    """Run q(x_s | x_{s-1}) for s = 0…t with fresh noise, and compare with the one-shot closed form.

    Both are draws from q(x_t | x_0): their residuals (x_t − √ᾱ_t x_0)/√(1−ᾱ_t) should both look N(0, 1)."""
    t = _check_t(t)
    s = schedule_for(kind)
    x0 = state["x0"][None]
    chain = q_chain(s, x0, t, torch.Generator().manual_seed(int(seed)))
    closed = q_sample(s, x0, t, state["eps"][None])
    rows = []
    for name, fn in [("mean of x_t", lambda x: x.mean()), ("std of x_t", lambda x: x.std()),
                     ("mean of (x_t − √ᾱ_t x₀)/√(1−ᾱ_t)", lambda x: predict_eps_from_x0(s, x, t, x0).mean()),
                     ("std of (x_t − √ᾱ_t x₀)/√(1−ᾱ_t)", lambda x: predict_eps_from_x0(s, x, t, x0).std())]:
        rows.append({"statistic": name, f"chain ({t + 1} steps)": round(fn(chain).item(), 4),
                     "closed form (1 step)": round(fn(closed).item(), 4)})
    a2 = s.alpha_bars[t].item()
    rows[0]["theory"] = round(math.sqrt(a2) * x0.mean().item(), 4)
    rows[1]["theory"] = round(math.sqrt(a2 * x0.var().item() + (1 - a2)), 4)  # pixel spread: signal + noise
    rows[2]["theory"], rows[3]["theory"] = 0.0, 1.0
    return to_image(chain[0]), to_image(closed[0]), pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------- events
def load_upload(image, size, mode, kind, t, state, models=None):
    new = make_state(image, False, size, mode, state["seed"] if state else 0)
    return new, *all_views(new, kind, t, models)


def load_example_image(name, size, mode, kind, t, state, models=None):
    try:
        image, is_digit = load_example(name)
    except DDPMError as error:
        raise gr.Error(str(error)) from None
    new = make_state(image, is_digit, size, mode, state["seed"] if state else 0)
    return new, *all_views(new, kind, t, models)


def load_sketch(sketch, size, mode, kind, t, state, models=None):
    new = state_from_sketch(sketch, size, mode, state["seed"] if state else 0)
    if new is None:  # an empty or cleared canvas: keep what is shown
        return (state, *[gr.skip()] * 7)
    return new, *all_views(new, kind, t, models)


def change_resolution(size, mode, kind, t, state, models=None):
    new = make_state(state["source"], state["digit"], size, mode, state["seed"])
    return new, *all_views(new, kind, t, models)


def new_noise(kind, t, state, models=None, seed: int | None = None):
    new = reseed(state, seed)
    return new, *all_views(new, kind, t, models)


def clear_chain() -> tuple[None, None, pd.DataFrame]:
    """Empty the chain panel when the image or ε changes, until "Run the chain to t" is pressed again."""
    return None, None, pd.DataFrame({"statistic": ["press “Run the chain to t” for this image"]})


def build_tab(models: ModelSource | None, talk: bool = False) -> None:
    """The tab's components and events; call inside ``gr.Tab``."""
    first = "Astronaut"
    state0 = make_state(*load_example(first), 256, "RGB", 0)
    views0 = all_views(state0, "linear", 250, models=None)  # the model loads lazily, on the first digit
    chain0 = chain_vs_closed(state0, "linear", 250, seed=0)
    state = gr.State(state0)
    image_h = 360 if talk else 300
    with gr.Row(equal_height=False):
        with gr.Column(scale=4, min_width=320):
            with gr.Tabs():
                with gr.Tab("Examples"):
                    example = gr.Radio(list(EXAMPLES), value=first, label="Bundled example",
                                       info="Public-domain / CC0 photos from scikit-image; MNIST digits.")
                with gr.Tab("Upload"):
                    upload = gr.Image(type="pil", label="Your image", sources=["upload", "clipboard"],
                                      format="png", height=260, elem_id="upload")
                with gr.Tab("Draw a digit", elem_id="draw-tab"):
                    sketch = gr.Sketchpad(type="pil", label="Draw a digit (pick the brush)",
                                          canvas_size=(280, 280), brush=gr.Brush(default_size=22, colors=["#000000"],
                                                                                  color_mode="fixed"),
                                          elem_id="sketch")
            with gr.Column() if talk else gr.Row():  # side by side, the big type wraps the choices
                size = gr.Radio(list(SIZES), value=256, label="Resolution (px)", elem_id="size")
                mode = gr.Radio(list(MODES), value="RGB", label="Colour", elem_id="mode")
            kind = gr.Radio(list(SCHEDULE_KINDS), value="linear", label="Noise schedule", elem_id="fwd-schedule")
            t = gr.Slider(0, T - 1, value=250, step=1, label="Timestep t", elem_id="t-slider",
                          info="Drag or use the arrow keys: x_t moves along one path (ε stays fixed).")
            reseed_btn = gr.Button("New noise ε (reseed)", elem_id="new-noise")
            numbers = gr.Markdown(views0[3], latex_delimiters=LATEX, elem_classes=["readouts"], elem_id="readouts")
        with gr.Column(scale=6):
            with gr.Row():
                x_t_img = gr.Image(views0[2], label="x_t", format="png", type="pil", height=image_h,
                                   elem_id="x-t", elem_classes=["pixelated"], interactive=False)
                eps_img = gr.Image(views0[0], label="ε (fixed; shown at ±3σ)", format="png", type="pil",
                                   height=image_h, elem_id="eps", elem_classes=["pixelated"], interactive=False)
            with gr.Row():
                with gr.Column(min_width=320):
                    hist = gr.LinePlot(views0[4], x="value", y="density", color="series", height=320 if talk else 260,
                                       title="Pixels of x_t against N(0, 1)", x_title="pixel value",
                                       y_title="density", elem_id="histogram", x_lim=[-4, 4],
                                       color_map=HISTOGRAM_COLORS, colors_in_legend=[], elem_classes=[PLOT_CLASS])
                    gr.HTML(legend_html(HISTOGRAM_COLORS), elem_id="histogram-legend")
                x0_img = gr.Image(views0[5], label="Model's x̂₀ from x_t", format="png", type="pil",
                                  height=360 if talk else 300, elem_id="x0-hat", interactive=False)
            x0_note = gr.Markdown(views0[6], elem_id="x0-note")
    if talk:  # the strip fills the width; a heading, because Gradio's label overlay would cover x0's tile
        gr.Markdown("**Filmstrip: the same image and ε at several t**", elem_id="filmstrip-title")
    strip = gr.Image(views0[1], label="Filmstrip: the same image and ε at several t", format="png", type="pil",
                     elem_id="filmstrip", interactive=False, height=250 if talk else 190, show_label=not talk,
                     elem_classes=["fill-panel"] if talk else None)
    with gr.Accordion("Chain vs closed form: t small steps of Eq. 2 against one jump of Eq. 4", open=not talk):
        with gr.Row():
            chain_btn = gr.Button("Run the chain to t", elem_id="run-chain", scale=0, min_width=220)
            chain_seed = gr.Number(0, precision=0, label="chain seed", scale=0, min_width=120)
        with gr.Row():
            chain_img = gr.Image(chain0[0], label="chain: t + 1 steps, fresh noise each", format="png", type="pil",
                                 height=256, interactive=False, elem_id="chain")
            closed_img = gr.Image(chain0[1], label="closed form: one step with ε", format="png", type="pil", height=256,
                                  interactive=False)
        chain_stats = gr.Dataframe(chain0[2], label="Statistics (both residuals ≈ N(0, 1))", interactive=False,
                                   elem_id="chain-stats")

    views = [eps_img, strip, x_t_img, numbers, hist, x0_img, x0_note]
    quiet = {"show_progress": "hidden", "trigger_mode": "always_last"}

    def bind(fn):
        return partial(fn, models=models)

    new_image_events = [
        upload.upload(bind(load_upload), [upload, size, mode, kind, t, state], [state, *views],
                      api_name="load_upload"),
        example.change(bind(load_example_image), [example, size, mode, kind, t, state], [state, *views],
                       api_name="load_example"),
        sketch.change(bind(load_sketch), [sketch, size, mode, kind, t, state], [state, *views],
                      api_name="load_sketch", **quiet),
        gr.on([size.change, mode.change], bind(change_resolution), [size, mode, kind, t, state], [state, *views],
              api_name="set_resolution"),
        reseed_btn.click(bind(new_noise), [kind, t, state], [state, *views], api_name="new_noise"),
    ]
    for event in new_image_events:  # the chain panel would otherwise keep showing the previous image
        event.then(clear_chain, None, [chain_img, closed_img, chain_stats], show_progress="hidden",
                   api_visibility="private")
    kind.change(bind(all_views), [state, kind, t], views, api_name="set_schedule")
    t.change(partial(scrub_fast, models=models, png=FastPng()), [state, kind, t], views[2:], api_name="scrub",
             **quiet)
    chain_btn.click(chain_vs_closed, [state, kind, t, chain_seed], [chain_img, closed_img, chain_stats],
                    api_name="chain_vs_closed")
