"""The "Reverse sampling" tab: watch a sampler walk the reverse chain, x_t next to the model's x̂₀.

Handlers are plain functions and generators of (controls, state) → typed updates; ``build_tab`` only wires them.
The per-session state is the model in use and the last run (``RunState``: its kept frames for the replay slider):
the stream hands it to the state as it goes, so a run that is stopped leaves its frames so far for the replay and
the exports. A run starts from pure noise x_T, or (SDEdit, Meng et al. 2022) from an image noised to t.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import gradio as gr
import numpy as np
import torch
from PIL import Image

from ddpm import DDPMError, Pipeline
from ddpm.defaults import DefaultChoice, choose_defaults
from ddpm.device import dtype_name
from ddpm.hub import read_scheduler_config
from ddpm.images import from_pil, grid, to_uint8, ungrid, write_gif, write_mp4
from ddpm.recording import MAX_FRAMES, Recording, Recordings, RunRequest
from ddpm.recording import kept_steps as frame_steps
from ddpm.sampling import DenoiseStep, SamplingOptions

from . import commit, nearest, params, race, workspace
from . import models as model_names
from .bundled_examples import EXAMPLES_DIR
from .commit import COMMIT_SIDE, small_x0
from .i18n import built, localize, say, t
from .inputs import Choice, Flag, ImageInput, ModelName, RealSlider, SketchInput, Whole, WholeSlider
from .intake import drawn_image, shrink, sketch_to_digit
from .models import PipelineCache, display_name, model_location
from .outputs import SKIP, Outputs
from .pictures import FastPng
from .runs import (
    PROGRESS_EVERY_S,
    SAMPLER_CHOICES,
    SAMPLER_NAMES,
    RunBudget,
    duration,
    heavy_group,
    load_pipe,
    on_gpu,
    precision_dtype,
    precision_of,
    sampler_note,
)

SAMPLERS = SAMPLER_CHOICES
VARIANCES = [(t("β̃_t, posterior (fixed_small)"), "fixed_small"), ("β_t (fixed_large)", "fixed_large")]
PRECISIONS = [(t("exact (float32)"), "exact"), (t("fast (the footer says what runs here)"), "fast")]
STARTS = [(t("pure noise x_T"), "noise"), (t("an image noised to t (SDEdit)"), "image")]
START_EXAMPLES = ("digit_7.png", "emoji_rocket.png", "emoji_cat.png", "chelsea.png")  # credits: ui/examples
PLAY_FRAME_S = 0.05  # a recorded run plays at 20 frames a second
NUM_STEPS, T_START = 50, 500  # the defaults of the steps and SDEdit-t sliders (each kept within the model's T)
MAX_BATCH = 64
MAX_RUN_BYTES = 128 * 1024**2  # the kept frames (x_t and x̂₀ grids) of one session's last run
VIDEO_HEIGHT = 256  # exports are upscaled (nearest) to at least this height, so a 32 px model is visible


@dataclass(frozen=True)
class Frame:
    step: int  # index in the run: 0 is x_T, the last is the final sample
    timestep: int  # the training timestep t of x_t (-1 for the final sample)
    x_t: Image.Image  # grid of the batch
    x0_pred: Image.Image  # grid of the model's x̂₀ at this step
    x0_small: torch.Tensor | None = None  # (B, C, ≤32, ≤32) float16 x̂₀ for "when does it commit?" (``small_x0``)

    @classmethod
    def of(cls, step: DenoiseStep) -> Frame:
        x_t, x0_pred = grid(to_uint8(step.x_t)), grid(to_uint8(step.x0_pred))
        return cls(step.index, step.timestep, x_t, x0_pred, small_x0(step.x0_pred))


@dataclass
class RunState:
    """A run's kept frames and how far it got: step ``reached`` of ``total``.

    The stream hands it to the session state at every kept frame, so that a stopped run leaves its frames so far;
    ``latest`` is the last step reached (its tensors), which ``stopped`` adds as the run's last frame."""

    total: int  # K, the steps of the whole run
    max_frames: int = MAX_FRAMES  # fewer for big grids, so that a session's kept frames stay within MAX_RUN_BYTES
    frames: list[Frame] = field(default_factory=list)
    reached: int = 0  # index of the last step produced
    latest: DenoiseStep | None = None
    seconds: float = 0.0  # wall time up to ``reached``
    finished: bool = False  # the final sample was reached, or a stopped run has been summed up
    failed: bool = False  # the run raised
    credit: str = ""  # a run played from a recording: "recorded on <machine>, <date>", in small type


@dataclass(frozen=True)
class RunUpdate(Outputs):
    """One update of the tab's outputs during or after a run; fields left at SKIP stay as they are."""

    x_t: Image.Image | str = SKIP
    x0_pred: Image.Image | str = SKIP
    progress: str = SKIP
    run: RunState = SKIP
    replay: dict = SKIP
    final: Image.Image = SKIP
    downloads: list[str] = SKIP


@dataclass(frozen=True)
class ReplayView(Outputs):
    x_t: Image.Image
    x0_pred: Image.Image
    progress: str


def check_t_start(t_start, num_timesteps: int) -> int:
    """The SDEdit start t as an int in [0, T-1] for this model, else a ``gr.Error`` that says the model's range."""
    name = f"The start t of SDEdit (this model has T = {num_timesteps})"
    return params.shown(params.whole, t_start, name, 0, num_timesteps - 1)


@dataclass(frozen=True)
class ModelDefaults:
    """What the page needs of a model before loading its weights: T and how it samples by default."""

    num_timesteps: int
    choice: DefaultChoice


def defaults_of(model: str) -> ModelDefaults:
    """T and the default sampling choice (``ddpm.defaults``) of a local model folder, read from its scheduler config
    and ``sampling_defaults.json`` without loading the weights; for a Hub id (not fetched while the page is built)
    T = 1000 and the published rule, until the model is loaded."""
    folder = Path(model_location(model)).expanduser()
    if folder.is_dir():
        try:
            config = read_scheduler_config(folder)
            T = int(config.get("num_train_timesteps", 1000))
            return ModelDefaults(T, choose_defaults(SamplingOptions.from_scheduler_config(config), folder, T))
        except (DDPMError, OSError, TypeError, ValueError):
            pass
    return ModelDefaults(1000, choose_defaults(SamplingOptions(), None, 1000))


def t_start_range(num_timesteps: int) -> str:
    return say("0 (the image itself) … {} (≈ pure noise): this model has T = {}.", num_timesteps - 1, num_timesteps)


def start_image(upload: Image.Image | None, sketch: dict | None) -> Image.Image | None:
    """The uploaded image, else the drawn digit (white on black, MNIST-style), else None."""
    if upload is not None:
        return shrink(upload)
    drawn = drawn_image(sketch)
    return sketch_to_digit(drawn) if drawn is not None else None


def run_request(
    pipe: Pipeline, options: SamplingOptions, seed: int, batch_size: int, image: Image.Image | None, t_start
) -> RunRequest:
    """The run the widgets ask for: from pure noise, or (SDEdit) from ``image`` at the model's resolution and
    channels, noised to ``t_start``."""
    if image is None:
        return RunRequest(options, seed, batch_size)
    t_start = check_t_start(t_start, pipe.schedule.num_timesteps)
    C, H, _ = pipe.image_shape
    return RunRequest(options, seed, batch_size, from_pil(image, H, channels=C), t_start)


def run_options(pipe: Pipeline, sampler, num_steps, eta, variance, clip) -> SamplingOptions:
    """The one ``SamplingOptions`` the tab's widgets ask for, on top of the checkpoint's defaults."""
    try:
        return pipe.options(
            sampler=sampler,
            num_steps=params.whole(num_steps, "The number of steps", 1, pipe.schedule.num_timesteps),
            eta=params.real(eta, "η", 0, 1),
            variance_type=variance,
            clip_sample=params.flag(clip, "Clip x̂₀"),
        )
    except DDPMError as error:
        raise gr.Error(str(error)) from None


def network_calls(pipe: Pipeline, sampler: str, num_steps: int) -> int:
    """The ε-network calls (NFE) of a run: one per visited timestep, for every sampler here."""
    return len(pipe.options(sampler=sampler, num_steps=int(num_steps)).timesteps(pipe.schedule.num_timesteps))


def model_info(
    pipelines: PipelineCache, model: str, precision: str, batch_size: int, num_steps: int, sampler: str = "ddpm"
) -> str:
    """Size, resolution, device, dtype and an estimated run time (one timed forward × the run's network calls)."""
    dtype = precision_dtype(precision, pipelines.device)
    pipe = pipelines.load(model, dtype)
    C, H, W = pipe.image_shape
    per_call = pipelines.seconds_per_step(model, dtype, batch_size)
    nfe = network_calls(pipe, sampler, num_steps)
    model_line = say(
        "{} · {} M parameters · {} · device {} · dtype {} · {} β, T = {}, trained variance {}",
        f"`{display_name(model)}`",
        f"{pipe.num_parameters / 1e6:.1f}",
        f"{C}×{H}×{W}",
        f"`{pipe.device}`",
        f"`{dtype_name(pipe.dtype)}`",
        say(pipe.schedule.kind),
        pipe.schedule.num_timesteps,
        f"`{pipe.default_options.variance_type}`",
    )
    estimate_line = say(
        "**Estimated run time ≈ {}** for {} network calls (NFE: {} steps of {}) at batch {} (an estimate: one "
        "ε-network forward took {} ms).",
        duration(per_call * nfe),
        nfe,
        int(num_steps),
        SAMPLER_NAMES.get(sampler, sampler),
        int(batch_size),
        f"{per_call * 1000:.0f}",
    )
    return f"{model_line}  \n{estimate_line}"


def startup_note(model: str) -> str:
    bundled = model_names.bundled_name(model)
    if bundled and not model_names.BUNDLED_MODELS[bundled].is_dir():
        return say(
            "The bundled model {} is not in this copy yet; pick a Hub id or type a model folder and press "
            "“Load model”.",
            f"`{bundled}`",
        )
    return say("Model {} loads when you press “Load model” or “Run”.", f"`{display_name(model)}`")


# --------------------------------------------------------------------------------------------------- events
def load_model(
    choice: str,
    precision: str,
    batch_size: int,
    num_steps: int,
    in_use: str,
    sampler: str = "ddpm",
    *,
    pipelines: PipelineCache,
) -> tuple[str, str]:
    """Switch this session to ``choice``; if it cannot be loaded, say why in one sentence and keep ``in_use``."""
    choice = (choice or "").strip()
    if not choice:
        return in_use, "⚠️ " + say("Type a model folder or a Hugging Face Hub id first.")
    try:
        return display_name(choice), model_info(pipelines, choice, precision, batch_size, num_steps, sampler)
    except DDPMError as error:
        return in_use, f"⚠️ {localize(str(error))} {say('Still using {}.', f'`{display_name(in_use)}`')}"


def default_why_line(why: str, say: Callable[[str], str] = say) -> str:
    """ "Default for this model: <why>" (``say``: in the event's language), or nothing for a model without one."""
    return say(f"Default for this model: {why}") if why else ""


def default_why(in_use: str, precision: str, *, pipelines: PipelineCache) -> str:
    """The line under the sampler for the model now in use (loading another model changes it)."""
    try:
        return default_why_line(pipelines.load(in_use, precision_dtype(precision, pipelines.device)).default_why)
    except DDPMError:
        return SKIP


@dataclass(frozen=True)
class ModelRanges(Outputs):
    t_start: dict = SKIP
    num_steps: dict = SKIP


def model_ranges(in_use: str, precision: str, t_start: float, num_steps: float, pipelines: PipelineCache) -> tuple:
    """The sliders that depend on the model in use: "noise the image to t" spans 0 … T − 1 and "number of steps K"
    1 … T; each keeps its value where it fits, else the nearest end."""
    try:
        T = pipelines.load(in_use, precision_dtype(precision, pipelines.device)).schedule.num_timesteps
    except DDPMError:
        return ModelRanges().as_outputs()
    t_value, steps_value = _clamp(t_start, 0, T - 1, default=T_START), _clamp(num_steps, 1, T, default=NUM_STEPS)
    return ModelRanges(
        gr.update(minimum=0, maximum=T - 1, value=t_value, info=t_start_range(T)),
        gr.update(minimum=1, maximum=T, value=steps_value),
    ).as_outputs()


def _clamp(value, low: int, high: int, default: int) -> int:
    try:
        value = int(float(value))
    except (TypeError, ValueError):
        value = default
    return min(max(value, low), high)


def estimate(
    in_use: str, precision: str, batch_size: int, num_steps: int, sampler: str = "ddpm", *, pipelines: PipelineCache
) -> str:
    try:
        return model_info(pipelines, in_use, precision, batch_size, num_steps, sampler)
    except DDPMError as error:
        return f"⚠️ {localize(str(error))}"


def frames_that_fit(pipe: Pipeline, batch_size: int) -> int:
    """How many frames of this run's grids (x_t and x̂₀ each, and the small float16 x̂₀) fit in MAX_RUN_BYTES; at
    least 2 (x_T and the end)."""
    C, H, W = pipe.image_shape
    side = min(max(H, W), COMMIT_SIDE)
    frame_bytes = 2 * batch_size * (H + 2) * (W + 2) * C + 2 * batch_size * C * side * side
    return int(min(MAX_FRAMES, max(2, MAX_RUN_BYTES // frame_bytes)))


def run(
    in_use: str,
    sampler: str,
    num_steps: int,
    eta: float,
    variance: str,
    clip: bool,
    seed: int,
    batch_size: int,
    precision: str,
    start: str = "noise",
    upload: Image.Image | None = None,
    sketch: dict | None = None,
    t_start: int = T_START,
    live: bool = False,
    *,
    pipelines: PipelineCache,
    png: FastPng,
    budget: RunBudget = RunBudget(),
    recordings: Recordings | None = None,
):
    """Stream a seeded reverse run: one ``RunUpdate`` per step, new pictures on ``frame_steps`` only, each with the
    run state so far for the session; the last adds the replay and the exports. ``stopped`` sums up a stopped run.
    Unless ``live``, a run that one of ``recordings`` made (``python app.py --scenes``) is played from it."""
    batch_size = params.shown(params.whole, batch_size, "The batch size", 1, MAX_BATCH)
    seed = params.shown(params.seed, seed)
    dtype = precision_dtype(precision, pipelines.device)
    pipe = load_pipe(pipelines, in_use, dtype)
    T = pipe.schedule.num_timesteps
    num_steps = params.shown(params.whole, num_steps, f"The number of steps (this model has T = {T})", 1, T)
    options = run_options(pipe, sampler, num_steps, eta, variance, clip)
    nfe = params.shown(network_calls, pipe, sampler, num_steps)
    image = None
    if start == "image":
        image = start_image(upload, sketch)
        if image is None:
            raise gr.Error("Upload or draw an image to start from, or start from pure noise.")
    request = run_request(pipe, options, seed, batch_size, image, t_start)
    recording = None if live or recordings is None else recordings.find(request.key(pipe))
    if recording is not None:
        yield from play(recording, png)
        return
    params.shown(budget.check, pipelines, in_use, dtype, batch_size, nfe)
    steps, total = request.denoise(pipe)
    yield from stream(steps, RunState(total, frames_that_fit(pipe, batch_size)), pipe, png)


def stream(steps, state: RunState, pipe: Pipeline, png: FastPng):
    """The updates of a run: kept frames as PNG files, a progress line at most every PROGRESS_EVERY_S, and an update
    at every step all the same (so that Stop takes effect within one step); the summary last."""
    shown = set(frame_steps(state.total, state.max_frames))
    began = last_note = time.perf_counter()
    first_frame_s = 0.0
    try:
        for step in steps:
            now = time.perf_counter()
            state.reached, state.latest, state.seconds = step.index, step, now - began
            position = position_label(step.index, step.timestep)
            note = f"{say('Step {}/{}', step.index, state.total)} · {position} · {now - began:.1f} s"
            if step.index in shown:
                frame = Frame.of(step)
                state.frames.append(frame)
                first_frame_s = first_frame_s or time.perf_counter() - began
                yield RunUpdate(png(frame.x_t), png(frame.x0_pred), note, state).as_outputs()
            elif now - last_note > PROGRESS_EVERY_S:
                last_note = now
                yield RunUpdate(progress=note).as_outputs()
            else:
                yield RunUpdate().as_outputs()
    except DDPMError as error:
        state.failed = True
        raise gr.Error(str(error)) from None
    except Exception:
        state.failed = True
        raise
    total = time.perf_counter() - began
    notes = f" ⚠️ {' '.join(pipe.notes)}" if pipe.notes else ""
    done = say(
        "Done: {} steps in {} s (first frame after {} s); {} frames kept for the replay.",
        state.total,
        f"{total:.1f}",
        f"{first_frame_s:.2f}",
        len(state.frames),
    )
    done += notes
    yield finish(state, done).as_outputs()


def finish(state: RunState, done: str) -> RunUpdate:
    """The last update of a run that reached its end: the status line, the replay, the final grid, the exports."""
    state.finished, state.latest = True, None
    return RunUpdate(
        progress=done,
        run=state,
        replay=replay_slider(state.frames),
        final=state.frames[-1].x_t,
        downloads=export_run(state.frames),
    )


def play(recording: Recording, png: FastPng):
    """A recorded run shown as ``stream`` shows a live one, a frame every PLAY_FRAME_S, saying in small type where
    and when it was recorded."""
    credit = small_print(say("recorded on {}, {} UTC", recording.machine, recording.when))
    state = RunState(recording.total, len(recording.frames), credit=credit)
    batch_size = int(recording.key["batch_size"])
    for index, recorded in enumerate(recording.frames):
        x_t, x0_pred = recording.images(index)
        x0 = torch.from_numpy(ungrid(x0_pred, batch_size)).permute(0, 3, 1, 2).float() / 127.5 - 1  # (B, C, H, W)
        state.frames.append(Frame(recorded.step, recorded.timestep, x_t, x0_pred, small_x0(x0)))
        state.reached = recorded.step
        note = f"{say('Step {}/{}', recorded.step, state.total)} · {position_label(recorded.step, recorded.timestep)}"
        note += f" · {credit}"
        yield RunUpdate(png(x_t), png(x0_pred), note, state).as_outputs()
        time.sleep(PLAY_FRAME_S)
    kept = len(state.frames)
    done = f"{say('Done: the recorded run ({} steps, {} frames kept for the replay)', state.total, kept)} · {credit}"
    yield finish(state, done).as_outputs()


def stopped(state: RunState | None) -> tuple:
    """After Stop (or any cancel) of a run: its kept frames plus the last step it reached become the replay, the
    final grid and the GIF/MP4/PNG exports, with a status line saying where it stopped. Outputs as ``run``;
    nothing changes when the last run finished, failed, or never showed a frame."""
    if not isinstance(state, RunState) or state.finished or state.failed or not state.frames:
        return RunUpdate().as_outputs()
    summed = dataclasses.replace(state, frames=list(state.frames), latest=None, finished=True)
    latest = state.latest
    if latest is not None and latest.index > summed.frames[-1].step:
        summed.frames.append(Frame.of(latest))
    last = summed.frames[-1]
    note = (
        f"⏹ Stopped at step {last.step} of {summed.total} ({position_label(last.step, last.timestep)}) after "
        f"{summed.seconds:.1f} s. The {len(summed.frames)} frames so far are kept for the replay; the final grid "
        "and the GIF/MP4/PNG downloads show the run up to that step."
    )
    return RunUpdate(
        last.x_t, last.x0_pred, note, summed, replay_slider(summed.frames), last.x_t, export_run(summed.frames)
    ).as_outputs()


def nearest_of_run(show: bool, in_use: str, state: RunState | None, pipelines: PipelineCache) -> tuple:
    """The nearest-training-image view of the last run (``ui.nearest``)."""
    frames = state.frames if isinstance(state, RunState) else []
    return nearest.nearest_view(show, in_use, frames, pipelines=pipelines)


def small_print(text: str) -> str:
    """Markdown for a line in small type (the recording's credit)."""
    return f"<small class='recorded-credit'>{text}</small>"


def position_label(index: int, timestep: int) -> str:
    return "x_T" if index == 0 else (say("final sample") if timestep < 0 else f"t = {timestep}")


def replay_slider(frames: list[Frame]) -> dict:
    return gr.update(minimum=0, maximum=len(frames) - 1, value=len(frames) - 1, interactive=True)


def side_by_side(frame: Frame, gap: int = 4) -> np.ndarray:
    """x_t | x̂₀ as one uint8 picture, (H, W) for a grayscale model (a GIF then needs no colour quantising: 4× faster)
    and (H, W, 3) otherwise, upscaled to at least ``VIDEO_HEIGHT`` px and cropped to even sides."""
    mode = "L" if frame.x_t.mode == "L" else "RGB"
    left, right = np.asarray(frame.x_t.convert(mode)), np.asarray(frame.x0_pred.convert(mode))
    spacer = np.full((left.shape[0], gap, *left.shape[2:]), 255, dtype=np.uint8)
    both = np.concatenate([left, spacer, right], axis=1)
    scale = max(1, -(-VIDEO_HEIGHT // both.shape[0]))
    both = both.repeat(scale, axis=0).repeat(scale, axis=1)
    return both[: both.shape[0] // 2 * 2, : both.shape[1] // 2 * 2]


def export_run(frames: list[Frame], folder: str | Path | None = None) -> list[str]:
    """GIF and MP4 of the run (x_t | x̂₀ side by side) and the final grid as PNG; returns their paths."""
    folder = Path(folder or workspace.new_folder("run-"))
    pictures = [side_by_side(frame) for frame in frames]
    fps = max(4.0, len(frames) / 4)  # a run plays in about four seconds
    gif = write_gif(folder / "reverse-run.gif", pictures, fps)
    mp4 = write_mp4(folder / "reverse-run.mp4", pictures, fps)
    final = folder / "samples.png"
    frames[-1].x_t.save(final, format="PNG")
    return [str(gif), str(mp4), str(final)]


def replay(state: RunState | None, index: int) -> tuple:
    """The kept frame ``index`` of the last run (finished or stopped): x_t, x̂₀ and a readout."""
    frames = state.frames if isinstance(state, RunState) else []
    if not frames:
        raise gr.Error("There is nothing to replay yet: run the sampler first.")
    index = min(max(int(index), 0), len(frames) - 1)
    frame = frames[index]
    readout = say(
        "Replay: frame {}/{} · step {} · {}",
        index + 1,
        len(frames),
        frame.step,
        position_label(frame.step, frame.timestep),
    )
    credit = f" · {state.credit}" if state.credit else ""
    return ReplayView(frame.x_t, frame.x0_pred, readout + credit).as_outputs()


@dataclass(frozen=True)
class StartControls:
    """SDEdit: where a run starts."""

    start: Choice
    t_start: WholeSlider
    upload: ImageInput
    sketch: SketchInput


@dataclass(frozen=True)
class Controls:
    """The left column: the model, the sampling options, the start, Run and Stop."""

    choice: ModelName
    load_btn: gr.Button
    sampler: Choice
    sampler_note: gr.Markdown
    default_why: gr.Markdown  # why the model in use samples as it does by default
    precision: Choice
    steps: WholeSlider
    eta: RealSlider
    variance: Choice
    clip: Flag
    seed: Whole
    batch: WholeSlider
    begin: StartControls
    live: Flag  # shown when the app plays recorded scenes: run live even where a recording matches
    run_btn: gr.Button
    stop_btn: gr.Button
    info: gr.Markdown


@dataclass(frozen=True)
class Display:
    """The right column: the live pictures, the replay slider, the final grid and the downloads."""

    progress: gr.Markdown
    x_t: gr.Image
    x0_pred: gr.Image
    replay: WholeSlider
    final: gr.Image
    downloads: gr.File
    nearest_flag: Flag  # "nearest training image": under each final sample, the closest training image
    nearest: gr.Image
    nearest_note: gr.Markdown


def _start_controls(T: int) -> StartControls:
    with gr.Accordion(t("Start from an image (SDEdit: noise to t, then denoise)"), open=False):
        start = Choice(STARTS, value="noise", label=t("Start from"), elem_id="rev-start")
        t_start = WholeSlider(
            0,
            T - 1,
            value=min(T_START, T - 1),
            step=1,
            label=t("Noise the image to t"),
            info=t(t_start_range(T)),
            elem_id="rev-t-start",
        )
        with gr.Tabs():
            with gr.Tab(t("Upload a start image")):
                upload = ImageInput(
                    type="pil", label=t("Start image"), sources=["upload", "clipboard"], format="png", height=220
                )
                gr.Examples([str(EXAMPLES_DIR / f) for f in START_EXAMPLES], upload)
            with gr.Tab(t("Draw a start digit")):
                brush = gr.Brush(default_size=22, colors=["#000000"], color_mode="fixed")
                sketch = SketchInput(type="pil", label=t("Draw a digit"), canvas_size=(280, 280), brush=brush)
    return StartControls(start, t_start, upload, sketch)


def _controls(first: str, precision_value: str, listed: list[str], recorded: bool) -> Controls:
    with gr.Row():
        choice = ModelName(
            list(dict.fromkeys([first, *listed])),
            value=first,
            allow_custom_value=True,
            label=t("Model (folder or Hub id)"),
            scale=4,
            elem_id="rev-model",
        )
        load_btn = gr.Button(t("Load model"), scale=1, min_width=120, elem_id="rev-load")
    defaults = defaults_of(first)
    T, start = defaults.num_timesteps, defaults.choice.options  # the widgets start where the model samples best
    with gr.Row():
        sampler = Choice(SAMPLERS, value=start.sampler, label=t("Sampler"), elem_id="rev-sampler")
        precision = Choice(PRECISIONS, value=precision_value, label=t("Precision"), elem_id="rev-precision")
    note = gr.Markdown(built(lambda say: sampler_note(start.sampler, say)), elem_id="rev-sampler-note")
    why = gr.Markdown(built(lambda say: default_why_line(defaults.choice.why, say)), elem_id="rev-default-why")
    steps = WholeSlider(
        1,
        T,
        value=len(start.timesteps(T)),
        step=1,
        label=t("Number of steps K"),
        elem_id="rev-steps",
        info=t("K < T walks a respaced chain that keeps the marginals ᾱ."),
    )
    eta = RealSlider(0, 1, value=start.eta, step=0.05, label=t("η (DDIM only: 0 deterministic, 1 = DDPM with β̃)"))
    variance = Choice(VARIANCES, value=start.variance_type, label=t("Variance σ_t² (DDPM)"))
    with gr.Row():
        clip = Flag(start.clip_sample, label=t("Clip x̂₀ to [-1, 1]"))
        seed = Whole(0, label=t("Seed"), precision=0, min_width=100, elem_id="rev-seed")
        batch = WholeSlider(1, MAX_BATCH, value=16, step=1, label=t("Batch (grid)"), elem_id="rev-batch")
    begin = _start_controls(T)
    live = Flag(
        False,
        label=t("Run live (ignore the recorded scenes)"),
        info=t("Runs that a recorded scene made play from the recording, instantly; tick to compute them again."),
        visible=recorded,
        elem_id="rev-live",
    )
    with gr.Row():
        run_btn = gr.Button(t("Run"), variant="primary", elem_id="rev-run")
        stop_btn = gr.Button(t("Stop"), variant="stop", elem_id="rev-stop")
    info = gr.Markdown(t(startup_note(first)), elem_id="rev-info")
    return Controls(
        choice,
        load_btn,
        sampler,
        note,
        why,
        precision,
        steps,
        eta,
        variance,
        clip,
        seed,
        batch,
        begin,
        live,
        run_btn,
        stop_btn,
        info,
    )


def _display(talk: bool) -> Display:
    progress = gr.Markdown(t("Press “Run” to sample."), elem_classes=["readouts"], elem_id="rev-progress")
    picture = {"format": "png", "type": "pil", "elem_classes": ["pixelated"], "interactive": False}
    with gr.Row():
        x_t = gr.Image(label=t("x_t"), height=360 if talk else 300, elem_id="rev-x-t", **picture)
        x0_pred = gr.Image(label=t("Model's x̂₀ at this step"), height=360 if talk else 300, elem_id="rev-x0", **picture)
    replay_slider = WholeSlider(
        0,
        MAX_FRAMES - 1,
        value=0,
        step=1,
        label=t("Replay the last run (frame)"),
        interactive=False,
        elem_id="rev-replay",
    )
    with gr.Row():
        final = gr.Image(label=t("Final samples"), height=260, elem_id="rev-final", **picture)
        downloads = gr.File(
            label=t("Downloads: GIF, MP4 (x_t | x̂₀), PNG grid"),
            file_count="multiple",
            interactive=False,
            elem_id="rev-downloads",
        )
    nearest_flag = Flag(
        False,
        label=t("Show each sample's nearest training image"),
        info=t("Does the model copy its training images? The bundled models ship theirs for this check."),
        elem_id="rev-nearest",
    )
    nearest_note = gr.Markdown("", elem_id="rev-nearest-note")
    nearest_grid = gr.Image(
        label=t("Samples (rows) and their nearest training images (the row under each)"),
        visible=False,
        elem_id="rev-nearest-grid",
        **picture,
    )
    return Display(progress, x_t, x0_pred, replay_slider, final, downloads, nearest_flag, nearest_grid, nearest_note)


def _wire(
    c: Controls,
    d: Display,
    in_use: gr.State,
    last_run: gr.State,
    pipelines: PipelineCache,
    budget: RunBudget,
    commitment: commit.CommitPanel,
    recordings: Recordings | None,
) -> None:
    quiet = {"show_progress": "hidden"}
    heavy = heavy_group(pipelines)
    loaded = c.load_btn.click(
        partial(load_model, pipelines=pipelines),
        [c.choice, c.precision, c.batch, c.steps, in_use, c.sampler],
        [in_use, c.info],
        api_name="load_model",
        **heavy,
    )
    loaded.then(
        partial(model_ranges, pipelines=pipelines),
        [in_use, c.precision, c.begin.t_start, c.steps],
        [c.begin.t_start, c.steps],
        api_name="model_ranges",
        **quiet,
    )
    loaded.then(
        partial(default_why, pipelines=pipelines), [in_use, c.precision], c.default_why, api_name="default_why", **quiet
    )
    c.sampler.change(sampler_note, c.sampler, c.sampler_note, api_name="sampler_note", **quiet)
    gr.on(
        [c.precision.change, c.batch.release, c.steps.release, c.sampler.change],
        partial(estimate, pipelines=pipelines),
        [in_use, c.precision, c.batch, c.steps, c.sampler],
        c.info,
        api_name="estimate",
        trigger_mode="always_last",
        **quiet,
        **heavy,
    )
    # the inputs of ``run``, in its parameter order
    run_inputs = [
        in_use,
        c.sampler,
        c.steps,
        c.eta,
        c.variance,
        c.clip,
        c.seed,
        c.batch,
        c.precision,
        c.begin.start,
        c.begin.upload,
        c.begin.sketch,
        c.begin.t_start,
        c.live,
    ]
    run_outputs = [d.x_t, d.x0_pred, d.progress, last_run, d.replay, d.final, d.downloads]  # RunUpdate's fields
    run_event = c.run_btn.click(
        on_gpu(partial(run, pipelines=pipelines, png=FastPng(), budget=budget, recordings=recordings)),
        run_inputs,
        run_outputs,
        api_name="sample",
        **quiet,
        **heavy,
    )
    c.stop_btn.click(None, None, None, cancels=[run_event], api_name="stop")
    # The browser fires a cancelled event's .failure listeners once its generator is closed: sum up the stopped run.
    summed = run_event.failure(stopped, last_run, run_outputs, api_name="stopped", **quiet)
    commitment.show_after(run_event.success, "commitment_of_run")
    commitment.show_after(summed.then, "commitment_of_stopped_run")
    nearest_io = ([d.nearest_flag, in_use, last_run], [d.nearest, d.nearest_note])
    show_nearest = partial(nearest_of_run, pipelines=pipelines)
    d.nearest_flag.change(show_nearest, *nearest_io, api_name="nearest", **quiet)
    run_event.success(show_nearest, *nearest_io, api_name="nearest_of_run", **quiet)
    summed.then(show_nearest, *nearest_io, api_name="nearest_of_stopped_run", **quiet)
    d.replay.input(
        replay,
        [last_run, d.replay],
        [d.x_t, d.x0_pred, d.progress],
        api_name="replay",
        trigger_mode="always_last",
        **quiet,
    )


@dataclass(frozen=True)
class ReverseTab:
    """What a link or a scene sets on this tab (``ui.presenter``)."""

    controls: Controls
    in_use: gr.State
    panels: gr.Tabs  # Run, When does the picture commit?, Sampler race …
    panel_tabs: dict[str, gr.Tab]  # … by id
    race: race.RacePanel


def build_tab(
    pipelines: PipelineCache,
    talk: bool = False,
    budget: RunBudget = RunBudget(),
    recordings: Recordings | None = None,
    races=None,
) -> ReverseTab:
    """The tab's components and events; call inside ``gr.Tab``. ``recordings``: runs to play instead of computing
    them (``python app.py --scenes``)."""
    first = display_name(pipelines.default_model)
    in_use = gr.State(first)
    last_run = gr.State(None)
    with gr.Tabs() as panels:
        with gr.Tab(t("Run"), id="rev-run-tab") as run_tab:
            with gr.Row(equal_height=False):
                with gr.Column(scale=4, min_width=320):
                    controls = _controls(
                        first,
                        precision_of(pipelines.dtype),
                        pipelines.policy.listed(),
                        recordings is not None or races is not None,
                    )
                with gr.Column(scale=6):
                    display = _display(talk)
        with gr.Tab(t("When does the picture commit?"), id="rev-commit-tab", elem_id="rev-commit-tab") as commit_tab:
            commitment = commit.build_panel(last_run, talk)
        with gr.Tab(t("Sampler race"), id="rev-race-tab", elem_id="rev-race-tab") as race_tab:
            race_panel = race.build_panel(pipelines, in_use, controls.precision, talk, budget, controls.live, races)
    _wire(controls, display, in_use, last_run, pipelines, budget, commitment, recordings)
    tabs = {tab.id: tab for tab in (run_tab, commit_tab, race_tab)}
    return ReverseTab(controls, in_use, panels, tabs, race_panel)
