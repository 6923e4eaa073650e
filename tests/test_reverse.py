"""The Reverse sampling tab's handlers as plain functions: frames, determinism, stopping, exports, model switching."""

from pathlib import Path

import gradio as gr
import imageio.v2 as imageio
import numpy as np
import pytest
import torch
from PIL import Image

from ddpm import NoiseSchedule, Pipeline, load_pipeline, save_pipeline
from ddpm.device import dtype_name, fast_dtype, pick_precision
from ddpm.images import grid, to_uint8
from ddpm.sampling import SamplingOptions
from ui import models as ui_models
from ui import reverse
from ui.models import PipelineCache
from ui.pictures import FastPng

STEPS, BATCH = 12, 4


@pytest.fixture(scope="module")
def short_model_dir(tmp_path_factory, tiny_model_dir):
    """A model trained with T = 100 timesteps (not the usual 1000)."""
    folder = tmp_path_factory.mktemp("model") / "short"
    pipe = load_pipeline(tiny_model_dir)
    save_pipeline(Pipeline(pipe.unet, NoiseSchedule.make("linear", 100)), folder)
    return str(folder)


@pytest.fixture(scope="module")
def models(tiny_model_dir):
    return PipelineCache(tiny_model_dir, device="cpu")


def stream(models, sampler="ddim", steps=STEPS, seed=0, *, model=None, batch_size=BATCH, eta=0.0, **widgets):
    """The Run handler with the tab's defaults, any widget given by its parameter name."""
    return reverse.run(
        in_use=model or models.default_model,
        sampler=sampler,
        num_steps=steps,
        eta=eta,
        variance="fixed_small",
        clip=True,
        seed=seed,
        batch_size=batch_size,
        precision="exact",
        **widgets,
        pipelines=models,
        png=FastPng(),
    )


def is_skip(value) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


@pytest.mark.parametrize(("steps", "expected"), [(1, [0, 1]), (12, list(range(13))), (1000, None)])
def test_frame_steps_are_bounded_and_keep_both_ends(steps, expected):
    chosen = reverse.frame_steps(steps)
    assert chosen[0] == 0 and chosen[-1] == steps and chosen == sorted(set(chosen))
    assert len(chosen) <= reverse.MAX_FRAMES
    if expected is not None:
        assert chosen == expected


@pytest.mark.parametrize("sampler", ["ddpm", "ddim"])
def test_stream_yields_every_step_the_promised_frames_and_the_seeded_sample(models, sampler):
    outputs = list(stream(models, sampler, seed=7))
    assert len(outputs) == STEPS + 2  # one per step, x_T and the final sample included, then the summary
    shown = [out for out in outputs if not is_skip(out[0])]
    assert len(shown) == len(reverse.frame_steps(STEPS))
    with Image.open(shown[0][0]) as first:
        assert first.format == "PNG"
    *_, note, run, slider, final, files = outputs[-1]
    frames = run.frames
    assert "Done" in note and run.finished and len(frames) == len(shown) and slider["maximum"] == len(frames) - 1
    expected = np.asarray(grid(models.load(models.default_model, "float32").sample(BATCH, sampler, STEPS, seed=7)))
    assert np.array_equal(np.asarray(final), expected)
    assert np.array_equal(np.asarray(frames[-1].x_t), expected)
    with Image.open(shown[-1][0]) as last:
        assert np.array_equal(np.asarray(last), expected)


def test_same_seed_same_images_other_seed_other_images(models):
    a, b, c = (list(stream(models, seed=s))[-1][5] for s in (3, 3, 4))
    assert np.array_equal(np.asarray(a), np.asarray(b)) and not np.array_equal(np.asarray(a), np.asarray(c))


def test_closing_the_stream_early_stops_it_and_breaks_nothing(models):
    run = stream(models, steps=200)
    for _ in range(3):
        next(run)
    run.close()  # what a cancelled event does to the generator
    assert list(run) == []
    outputs = list(stream(models))  # the next run is complete
    assert len(outputs[-1][3].frames) == len(reverse.frame_steps(STEPS))


def check_exports(files, frames) -> None:
    """GIF (a grayscale run's frames stored exactly), MP4 (lossy, close) and PNG (the final grid) of ``frames``."""
    gif, mp4, png = files
    assert [Path(f).suffix for f in files] == [".gif", ".mp4", ".png"]
    pictures = [reverse.side_by_side(frame) for frame in frames]
    assert pictures[0].ndim == 2  # a grayscale model's run stays grayscale
    gif_frames = imageio.mimread(gif)
    assert len(gif_frames) == len(frames)
    for got, picture in zip(gif_frames, pictures, strict=True):
        assert np.array_equal(np.asarray(Image.fromarray(got).convert("L")), picture)
    video = imageio.get_reader(mp4)
    mp4_frames = list(video.iter_data())  # the reader's len() is inf
    video.close()
    assert len(mp4_frames) == len(frames) and mp4_frames[0].shape[:2] == pictures[0].shape[:2]
    assert np.abs(mp4_frames[-1][..., 0].astype(int) - pictures[-1]).mean() < 8
    with Image.open(png) as image:
        assert image.format == "PNG" and np.array_equal(np.asarray(image), np.asarray(frames[-1].x_t))


def test_a_stopped_run_keeps_its_frames_for_the_replay_and_the_exports(models):
    run = stream(models, steps=200, seed=2)
    outputs = [next(run) for _ in range(8)]  # steps 0…7; frame_steps(200) keeps 0 and 5 of them
    run.close()  # Stop: Gradio cancels the event and closes the generator
    states = [out[3] for out in outputs if not is_skip(out[3])]
    assert states, "the stream must hand its frames so far to the session state"
    x_t, x0_hat, note, summed, slider, final, files = reverse.stopped(states[-1])  # the Stop follow-up
    frames = summed.frames
    assert "Stopped at step 7 of 200" in note
    assert [frame.step for frame in frames] == [0, 5, 7]  # the kept frames, then the last step reached
    assert slider["minimum"] == 0 and slider["maximum"] == len(frames) - 1 == slider["value"] and slider["interactive"]
    pipe = models.load(models.default_model, "float32")
    reached = [step for step in pipe.denoise(BATCH, "ddim", 200, seed=2) if step.index == 7][0]
    expected = np.asarray(grid(to_uint8(reached.x_t)))
    assert np.array_equal(np.asarray(final), expected) and np.array_equal(np.asarray(x_t), expected)
    assert reverse.replay(summed, 99)[0] is frames[-1].x_t and "step 7" in reverse.replay(summed, 99)[2]
    assert "x_T" in reverse.replay(summed, 0)[2]
    check_exports(files, frames)
    # summed up once; a finished run, a run that failed or no run at all is left as it is
    assert all(is_skip(value) for value in reverse.stopped(summed))
    assert all(is_skip(value) for value in reverse.stopped(list(stream(models))[-1][3]))
    assert all(is_skip(value) for value in reverse.stopped(reverse.RunState(total=5)))
    assert all(is_skip(value) for value in reverse.stopped(None))


def test_a_run_stopped_on_a_kept_frame_ends_there(models):
    run = stream(models, steps=200)
    for _ in range(6):  # steps 0…5: 5 is a kept frame
        *_, state, _, _, _ = next(run)
    run.close()
    *_, note, summed, slider, final, files = reverse.stopped(state)
    frames = summed.frames
    assert "Stopped at step 5 of 200" in note and [frame.step for frame in frames] == [0, 5]
    check_exports(files, frames)


def test_t_and_steps_sliders_follow_the_models_T(models, short_model_dir):
    assert reverse.defaults_of(short_model_dir).num_timesteps == 100
    assert reverse.defaults_of(models.default_model).num_timesteps == 1000
    assert reverse.defaults_of("google/ddpm-cifar10-32").num_timesteps == 1000  # not fetched while the page is built
    current, _ = reverse.load_model(short_model_dir, "exact", BATCH, STEPS, models.default_model, pipelines=models)
    assert current == short_model_dir
    t_update, steps_update = reverse.model_ranges(current, "exact", 500, 1000, models)
    assert t_update["maximum"] == 99 and t_update["value"] == 99 and "T = 100" in t_update["info"]
    assert steps_update["maximum"] == 100 and steps_update["value"] == 100  # K ≤ T
    t_back, steps_back = reverse.model_ranges(models.default_model, "exact", 99, 50, models)
    assert t_back["maximum"] == 999 and t_back["value"] == 99
    assert steps_back["maximum"] == 1000 and steps_back["value"] == 50
    assert all(is_skip(u) for u in reverse.model_ranges("./missing", "exact", 500, 50, models))  # sliders kept


def test_sdedit_t_beyond_the_model_is_refused_in_a_sentence(models, short_model_dir):
    image = Image.new("L", (32, 32), 0)
    sdedit = {"model": short_model_dir, "steps": 10, "batch_size": 1, "start": "image", "upload": image}
    for t in (100, 500, -1, 2.5, None):
        with pytest.raises(gr.Error, match=r"this model has T = 100\) must be a whole number from 0 to 99"):
            list(stream(models, t_start=t, **sdedit))
    frames = list(stream(models, t_start=99.0, **sdedit))[-1][3].frames
    assert frames[0].timestep == 99


def test_the_tab_wires_the_t_range_and_the_stop_summary(short_model_dir):
    with gr.Blocks() as demo:
        reverse.build_tab(PipelineCache(short_model_dir, device="cpu"))
    by_id = {getattr(b, "elem_id", None): b for b in demo.blocks.values()}
    slider, steps = by_id["rev-t-start"], by_id["rev-steps"]
    assert slider.maximum == 99 and steps.maximum == 100  # from the starting model's scheduler config
    fns = {fn.api_name: (index, fn) for index, fn in demo.fns.items()}
    ranges, stop_summary = fns["model_ranges"][1], fns["stopped"][1]
    assert ranges.trigger_after == fns["load_model"][0] and ranges.outputs == [slider, steps]
    assert stop_summary.trigger_after == fns["sample"][0] and stop_summary.trigger_only_on_failure
    assert stop_summary.outputs == fns["sample"][1].outputs


def test_exports_are_a_gif_an_mp4_and_a_png_of_the_run(models, tmp_path):
    frames = list(stream(models))[-1][3].frames
    files = reverse.export_run(frames, tmp_path)
    picture = reverse.side_by_side(frames[0])
    assert picture.shape[0] >= reverse.VIDEO_HEIGHT and picture.shape[0] % 2 == 0 == picture.shape[1] % 2
    check_exports(files, frames)


def test_a_colour_models_exports_are_colour(tmp_path):
    rng = np.random.default_rng(0)
    frames = [
        reverse.Frame(
            i, 10 - i, *(Image.fromarray(rng.integers(0, 256, (34, 34, 3), dtype=np.uint8)) for _ in range(2))
        )
        for i in range(3)
    ]
    gif, mp4, png = reverse.export_run(frames, tmp_path)
    picture = reverse.side_by_side(frames[0])
    assert picture.shape == (8 * 34, 8 * (34 + 4 + 34), 3)  # x_t | gap | x̂₀, upscaled 8× to reach 256 px
    gif_frames = imageio.mimread(gif)
    assert len(gif_frames) == 3 and gif_frames[0].shape[:2] == picture.shape[:2]
    assert (gif_frames[0][..., 0] != gif_frames[0][..., 1]).any()  # not flattened to gray
    video = imageio.get_reader(mp4)
    assert next(iter(video.iter_data())).shape == picture.shape
    video.close()


def test_replay_shows_the_kept_frames(models):
    run = list(stream(models))[-1][3]
    frames = run.frames
    x_t, x0_hat, note = reverse.replay(run, 0)
    assert x_t is frames[0].x_t and x0_hat is frames[0].x0_pred and "x_T" in note
    assert reverse.replay(run, 99)[0] is frames[-1].x_t
    for nothing in (None, reverse.RunState(total=3)):
        with pytest.raises(reverse.gr.Error, match="nothing to replay"):
            reverse.replay(nothing, 0)


def test_sdedit_starts_from_the_noised_image_at_t(models):
    image = Image.new("L", (64, 64), 0)
    image.paste(255, (24, 8, 40, 56))  # a bright bar
    outputs = list(stream(models, steps=10, start="image", upload=image, t_start=300))
    frames = outputs[-1][3].frames
    assert frames[0].timestep == 300 and len(frames) == 11
    x_T = np.asarray(frames[0].x_t, dtype=float)
    assert x_T[:, 12:20].mean() > x_T[:, 2:8].mean() + 40  # still the bar: noised to t = 300, not to T
    with pytest.raises(reverse.gr.Error, match="Upload or draw"):
        list(stream(models, start="image"))


def test_sdedit_from_a_colour_example_keeps_its_colours_with_a_colour_model(models, tiny_colour_model_dir):
    rocket = Image.open(reverse.EXAMPLES_DIR / reverse.START_EXAMPLES[1])
    outputs = list(stream(models, model=tiny_colour_model_dir, steps=5, start="image", upload=rocket, t_start=100))
    start = np.asarray(outputs[-1][3].frames[0].x_t, dtype=float)  # the rocket noised to t = 100, 32×32 in colour
    assert start.ndim == 3 and start.shape[-1] == 3
    channel_means = start[2:34, 2:34].reshape(-1, 3).mean(0)
    expected = np.asarray(rocket.convert("RGB").resize((32, 32)), dtype=float).reshape(-1, 3).mean(0)
    assert np.abs(channel_means - expected).max() < 25  # the colours survive the noise at t = 100


def test_unknown_hub_id_keeps_the_current_model(models):
    current, message = reverse.load_model(
        "google/no-such-ddpm", "exact", BATCH, STEPS, models.default_model, pipelines=models
    )
    assert current == models.default_model
    assert message.startswith("⚠️") and "offline" in message and "Still using" in message


def test_loading_a_model_shows_its_size_and_an_estimate(models):
    current, info = reverse.load_model(
        models.default_model, "fast", BATCH, STEPS, "elsewhere", "unipc", pipelines=models
    )
    assert current == models.default_model
    cpu = torch.device("cpu")
    fast = dtype_name(pick_precision(fast_dtype(cpu), cpu).dtype)  # bf16 where the CPU computes it natively, else fp32
    assert "1×32×32" in info and fast in info and "estimate" in info.lower()
    assert f"for {STEPS} network calls (NFE: {STEPS} steps of UniPC)" in info
    assert models.load(models.default_model, "bfloat16") is models.load(models.default_model, "bfloat16")


def test_the_default_line_follows_the_model_loaded(models, tmp_path):
    from ddpm.defaults import DefaultChoice, write_choice
    from ui.i18n import reset_lang, use_lang

    emoji = load_pipeline(models.default_model)
    folder = tmp_path / "measured"
    save_pipeline(emoji, folder)
    why = "Measured on this checkpoint: ddpm-50 scores FD 71.61, the best in the table; real emoji score 7.34."
    write_choice(folder, DefaultChoice(emoji.default_options, why), emoji.scheduler_options)
    current, _ = reverse.load_model(str(folder), "exact", BATCH, STEPS, models.default_model, pipelines=models)
    assert reverse.default_why(current, "exact", pipelines=models) == f"Default for this model: {why}"
    token = use_lang("ko")
    try:
        assert reverse.default_why(current, "exact", pipelines=models).startswith("이 모델의 기본 설정: ")
    finally:
        reset_lang(token)
    unmeasured = reverse.default_why(models.default_model, "exact", pipelines=models)  # the published rule, said so
    assert "No measurement ships with this checkpoint" in unmeasured and why not in unmeasured
    assert reverse.default_why("./missing", "exact", pipelines=models) is reverse.SKIP  # the line stays


def test_bad_requests_are_sentences(models):
    with pytest.raises(reverse.gr.Error, match=r"T = 1000\) must be a whole number from 1 to 1000"):
        list(stream(models, steps=5000))
    with pytest.raises(reverse.gr.Error, match="η"):
        list(stream(models, steps=5, eta=3.0, batch_size=1))
    with pytest.raises(reverse.gr.Error, match="no model folder"):
        list(stream(models, steps=5, model="./missing", batch_size=1))


def test_missing_bundled_model_is_said_in_one_sentence(monkeypatch, tmp_path):
    monkeypatch.setitem(ui_models.BUNDLED_MODELS, "digits", tmp_path / "ddpm-mnist")
    note = reverse.startup_note(ui_models.BUNDLED_NAME)
    assert "not in this copy yet" in note and str(tmp_path) not in note


def test_the_bundled_model_is_named_never_by_its_server_path():
    pipelines = PipelineCache(device="cpu")
    assert pipelines.default_model == str(ui_models.BUNDLED_MODEL)
    assert "Model `digits`" in reverse.startup_note(ui_models.display_name(pipelines.default_model))
    with gr.Blocks() as demo:
        reverse.build_tab(pipelines)
    by_id = {getattr(b, "elem_id", None): b for b in demo.blocks.values()}
    choices = [value for _, value in by_id["rev-model"].choices]
    assert choices[0] == by_id["rev-model"].value == "digits"
    assert not any(str(ui_models.BUNDLED_MODEL) in str(choice) for choice in choices)
    assert by_id["rev-precision"].value == "exact"


def test_the_precision_radio_starts_from_the_apps_dtype(tiny_model_dir):
    with gr.Blocks() as demo:
        reverse.build_tab(PipelineCache(tiny_model_dir, device="cpu", dtype="bfloat16"))
    assert {getattr(b, "elem_id", None): b for b in demo.blocks.values()}["rev-precision"].value == "fast"


def test_the_run_uses_the_checkpoints_defaults_under_the_widgets_choices(models, tmp_path):
    """Spacing and clip range come from the checkpoint (its scheduler config for a sampler other than its default);
    sampler, steps, η, variance and clipping from the widgets."""
    pipe = models.load(models.default_model, "float32")
    options = reverse.run_options(pipe, "ddim", 7.0, 0.25, "fixed_large", False)
    assert options == SamplingOptions(
        sampler="ddim",
        num_steps=7,
        eta=0.25,
        variance_type="fixed_large",
        clip_sample=False,
        clip_range=pipe.scheduler_options.clip_range,
        spacing=pipe.scheduler_options.spacing,
    )
    with pytest.raises(gr.Error, match="Unknown sampler 'euler'"):
        reverse.run_options(pipe, "euler", 7, 0.0, "fixed_small", True)


@pytest.mark.parametrize("sampler", ["ddpm", "ddim", "dpmpp_2m", "dpmpp_2m_sde", "unipc"])
def test_the_estimate_counts_the_network_calls_a_run_makes(models, sampler, monkeypatch):
    pipe = models.load(models.default_model, "float32")
    calls = []
    eps = pipe.eps
    monkeypatch.setattr(pipe, "eps", lambda x, t: calls.append(1) or eps(x, t))
    list(stream(models, sampler, steps=7, batch_size=1))
    assert len(calls) == reverse.network_calls(pipe, sampler, 7) == 7


def test_each_sampler_choice_says_what_it_does():
    assert [value for _, value in reverse.SAMPLERS] == ["ddpm", "ddim", "dpmpp_2m", "dpmpp_2m_sde", "unipc"]
    notes = {value: reverse.sampler_note(value) for _, value in reverse.SAMPLERS}
    assert len(set(notes.values())) == 5 and all("one network call (NFE) per step" in n for n in notes.values())
    assert "deterministic" in notes["unipc"] and "stochastic" in notes["dpmpp_2m_sde"]
