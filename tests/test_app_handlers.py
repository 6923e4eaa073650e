"""The app's handlers as plain functions: shapes, dtypes, value ranges, determinism, messages instead of crashes."""

import io

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image, ImageDraw
from ui.widgets import (
    EXAMPLES,
    FastPng,
    ModelSource,
    histogram_frame,
    labelled_grid,
    load_example,
    png_bytes,
    sketch_to_digit,
)

from ddpm import NoiseSchedule, Pipeline, save_pipeline
from ddpm.diffusion import q_chain
from tests.conftest import TINY_CONFIG, random_unet
from ui import forward, schedules


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model") / "tiny"
    save_pipeline(Pipeline(random_unet(TINY_CONFIG), NoiseSchedule.make("linear", 1000)), folder)
    return str(folder)


@pytest.fixture
def astronaut():
    return forward.make_state(*load_example("Astronaut"), size=64, mode="RGB", seed=0)


@pytest.fixture
def digit():
    return forward.make_state(*load_example("Digit 7 (MNIST)"), size=64, mode="Grayscale", seed=0)


def drawn_seven() -> Image.Image:
    image = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(60, 60), (220, 60), (120, 240)], fill=(0, 0, 0, 255), width=22)
    return image


# ------------------------------------------------------------------------------------------------ forward tab
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_example_loads(name):
    image, is_digit = load_example(name)
    assert image.size[0] >= 28 and is_digit == ("Digit" in name)


@pytest.mark.parametrize(("size", "mode", "channels"), [(64, "RGB", 3), (128, "Grayscale", 1), (256, "RGB", 3)])
def test_state_works_at_the_chosen_resolution(size, mode, channels):
    big = Image.new("RGB", (1500, 900), (200, 30, 30))  # never worked on at its raw size
    state = forward.make_state(big, False, size, mode, seed=3)
    assert state["x0"].shape == state["eps"].shape == (channels, size, size)
    assert state["x0"].dtype == state["eps"].dtype == torch.float32
    assert state["x0"].min() >= -1 and state["x0"].max() <= 1
    assert max(state["source"].size) <= 512


def test_scrubbing_with_a_fixed_eps_is_deterministic(astronaut):
    first = forward.scrub(astronaut, "cosine", 300)
    again = forward.scrub(astronaut, "cosine", 300)
    assert np.array_equal(np.asarray(first[0]), np.asarray(again[0]))
    assert first[1] == again[1]
    other = forward.scrub(astronaut, "cosine", 301)
    assert not np.array_equal(np.asarray(first[0]), np.asarray(other[0]))


def test_the_slider_gets_x_t_as_a_fast_png_file_with_the_same_pixels(astronaut):
    png = FastPng(slots=2)
    paths = [forward.scrub_fast(astronaut, "cosine", t, None, png)[0] for t in (300, 301, 302)]
    assert paths[0] == paths[2] != paths[1]  # a ring of slots, reused
    with Image.open(paths[2]) as image:
        assert image.format == "PNG"
        assert np.array_equal(np.asarray(image), np.asarray(forward.scrub(astronaut, "cosine", 302)[0]))


@pytest.mark.parametrize("shape", [(37, 53), (37, 53, 1), (64, 48, 3)])
def test_png_bytes_is_lossless(shape):
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, shape, dtype=np.uint8)
    smooth = np.broadcast_to(
        np.linspace(0, 255, shape[1]).astype(np.uint8)[None, :, None],
        (shape[0], shape[1], shape[2] if len(shape) == 3 else 1),
    ).reshape(shape)
    for array in (noise, smooth, np.zeros(shape, np.uint8)):
        with Image.open(io.BytesIO(png_bytes(array))) as image:
            assert image.format == "PNG" and image.mode == ("RGB" if shape[-1] == 3 else "L")
            expected = array if len(shape) == 3 and shape[2] == 3 else array.reshape(shape[:2])
            assert np.array_equal(np.asarray(image), expected)
    assert len(png_bytes(smooth)) < len(png_bytes(noise)) / 4  # it does compress what is compressible
    with pytest.raises(ValueError):
        png_bytes(np.zeros((4, 4, 2), np.uint8))


def test_the_slider_gets_the_x0_panel_as_a_file_too(digit, tiny_model_dir):
    models = ModelSource(tiny_model_dir, device="cpu")
    slow = forward.scrub(digit, "linear", 500, models)
    fast = forward.scrub_fast(digit, "linear", 500, models, FastPng())
    assert fast[1] == slow[1] and fast[4] == slow[4]
    for shown, written in [(slow[0], fast[0]), (slow[3], fast[3])]:
        with Image.open(written) as image:
            assert np.array_equal(np.asarray(image), np.asarray(shown))
    pd.testing.assert_frame_equal(fast[2], slow[2])


def test_histogram_counts_agree_with_numpy():
    x = torch.randn(3, 64, 64, generator=torch.Generator().manual_seed(1)) * 1.7
    frame = histogram_frame(x)
    counts, _ = np.histogram(x.numpy().ravel(), bins=61, range=(-4, 4))
    density = frame[frame.series == "pixels of x_t"].density.to_numpy()
    np.testing.assert_allclose(density * x.numel() * 8 / 61, counts, atol=1.01)  # an edge value may change bins


def test_grid_captions_are_legible():
    tiles = [Image.new("RGB", (8, 8))] * 2
    assert labelled_grid([tiles], ["a", "b"], cell=112).height >= 112 + 4 + 18 + 10  # a ≥ 18 px caption band


def test_x_t_follows_the_closed_form_along_one_path(astronaut):
    s = NoiseSchedule.make("linear", 1000)
    for t in (0, 500, 999):
        expected = s.sqrt_alpha_bars[t] * astronaut["x0"] + s.sqrt_one_minus_alpha_bars[t] * astronaut["eps"]
        torch.testing.assert_close(forward.x_t_of(astronaut, "linear", t), expected.float())
    near_clean = forward.x_t_of(astronaut, "linear", 0)
    assert (near_clean - astronaut["x0"]).abs().mean() < 0.02


def test_scrub_outputs(astronaut):
    image, numbers, hist, x0_hat, note = forward.scrub(astronaut, "linear", 250)
    assert image.size == (64, 64) and image.mode == "RGB"
    s = NoiseSchedule.make("linear", 1000)
    assert f"{s.sqrt_alpha_bars[250].item():.4f}" in numbers and "x_{250}" in numbers and "dB" in numbers
    assert set(hist.columns) == {"value", "density", "series"}
    assert x0_hat is None and "digit" in note  # a photo is not the default model's domain


def test_grayscale_outputs_are_single_channel(digit):
    image = forward.scrub(digit, "sigmoid", 10)[0]
    assert image.mode == "L" and image.size == (64, 64)


def test_histogram_of_pure_noise_matches_the_normal_density():
    frame = histogram_frame(torch.randn(3, 256, 256, generator=torch.Generator().manual_seed(0)))
    pixels = frame[frame.series == "pixels of x_t"].density.to_numpy()
    normal = frame[frame.series == "N(0, 1)"].density.to_numpy()
    assert np.abs(pixels - normal).max() < 0.02


def test_reseed_changes_eps_and_a_seed_reproduces_it(astronaut):
    other = forward.reseed(astronaut, 1)
    assert not torch.equal(other["eps"], astronaut["eps"])
    assert torch.equal(forward.reseed(other, 0)["eps"], astronaut["eps"])
    assert torch.equal(other["x0"], astronaut["x0"])
    assert forward.reseed(astronaut)["seed"] >= 0  # random seed


def test_chain_and_closed_form_agree_in_distribution(astronaut):
    chain, closed, stats = forward.chain_vs_closed(astronaut, "linear", 400, seed=1)
    assert chain.size == closed.size == (64, 64)
    residual_std = stats[stats.statistic.str.startswith("std of (")].iloc[0]
    assert abs(residual_std.iloc[1] - 1) < 0.05 and abs(residual_std.iloc[2] - 1) < 0.05
    assert abs(stats.iloc[1, 1] - stats.iloc[1, 3]) < 0.05  # pixel spread: chain vs theory


def test_q_chain_matches_q_sample_moments():
    s = NoiseSchedule.make("cosine", 50)
    x0 = torch.full((4000, 1, 1, 1), 0.7)
    x_t = q_chain(s, x0, 30, torch.Generator().manual_seed(0))
    assert abs(x_t.mean().item() - s.sqrt_alpha_bars[30].item() * 0.7) < 0.05
    assert abs(x_t.std().item() - s.sqrt_one_minus_alpha_bars[30].item()) < 0.05


def test_filmstrip_has_one_tile_per_timestep(astronaut):
    strip = forward.filmstrip(astronaut, "quadratic")
    assert strip.width > strip.height * (len(forward.FILMSTRIP_TIMESTEPS) - 1)


def test_bad_t_is_a_message_not_a_crash(astronaut):
    import gradio as gr

    with pytest.raises(gr.Error, match="between 0 and 999"):
        forward.scrub(astronaut, "linear", 1000)
    with pytest.raises(gr.Error, match="Unknown schedule"):
        forward.scrub(astronaut, "wavy", 3)
    with pytest.raises(gr.Error, match="no image"):
        forward.make_state(None, False)


def test_sketch_becomes_a_centred_white_on_black_digit():
    assert sketch_to_digit(Image.new("RGBA", (280, 280), (0, 0, 0, 0))) is None
    digit = np.asarray(sketch_to_digit(drawn_seven(), size=28))
    assert digit.shape == (28, 28) and digit[:3].max() == 0 and digit.max() > 200
    ys, xs = np.nonzero(digit > 40)
    assert abs(ys.mean() - 13.5) < 4 and abs(xs.mean() - 13.5) < 4
    state = forward.state_from_sketch({"composite": drawn_seven(), "layers": [], "background": None}, 64, "RGB")
    assert state["digit"] and state["x0"].shape == (3, 64, 64)
    assert forward.state_from_sketch({"composite": None}, 64, "RGB") is None


def test_empty_sketch_keeps_what_is_shown(astronaut):
    out = forward.load_sketch({"composite": Image.new("RGBA", (50, 50))}, 64, "RGB", "linear", 5, astronaut)
    assert out[0] is astronaut and len(out) == 8


def test_x0_prediction_for_a_digit(digit, tiny_model_dir):
    models = ModelSource(tiny_model_dir, device="cpu")
    *_, x0_hat, note = forward.scrub(digit, "linear", 500, models)
    assert isinstance(x0_hat, Image.Image) and "32×32" in note
    assert models.get() is models.get()  # cached per (model, device, dtype)


def test_missing_model_gives_a_note(digit, tmp_path):
    models = ModelSource(str(tmp_path / "not-trained-yet"), device="cpu")
    *_, x0_hat, note = forward.scrub(digit, "linear", 500, models)
    assert x0_hat is None and "no model folder" in note.lower()


# -------------------------------------------------------------------------------------------- schedule explorer
def test_explore_defaults():
    result = schedules.explore(["linear", "cosine"], T=1000)
    assert isinstance(result, schedules.Exploration)
    numbers = result.key_numbers.set_index("schedule")
    assert numbers.loc["linear", "ᾱ at T−1"] == pytest.approx(4.036e-5, rel=1e-3)
    assert numbers.loc["cosine", "t where SNR = 1"] > numbers.loc["linear", "t where SNR = 1"]
    assert set(result.beta.series) == {"linear", "cosine"}
    assert result.beta.groupby("series").size().max() <= schedules.MAX_POINTS
    assert result.strip.height > 2 * 64
    table = pd.read_csv(result.csv_path)
    assert len(table) == 2000 and {"beta", "alpha_bar", "log_snr", "posterior_variance"} <= set(table.columns)


def test_respaced_chain_keeps_the_marginals():
    result = schedules.explore(["linear"], T=1000, num_steps=10, spacing="leading")
    chain = result.respaced
    assert chain.t_k.tolist() == list(range(0, 1000, 100))
    s = NoiseSchedule.make("linear", 1000)
    prod = np.cumprod(1 - chain["β'_k"].to_numpy())
    np.testing.assert_allclose(prod, s.alpha_bars[chain.t_k.tolist()].numpy(), rtol=1e-5)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"beta_start": 0.02, "beta_end": 0.01}, "β_start < β_end"),
        ({"beta_end": 1.5}, "β_end"),
        ({"T": 1}, "T must be"),
        ({"T": None}, "Fill in"),
        ({"kinds": []}, "at least one schedule"),
        ({"num_steps": 0}, "at least one step"),
    ],
)
def test_bad_parameters_give_a_message(args, words):
    kwargs = {"kinds": ["linear", "quadratic"], **args}
    result = schedules.explore(**kwargs)
    assert isinstance(result, str) and words in result
    event = schedules.explore_event(
        kwargs["kinds"],
        kwargs.get("T", 1000),
        kwargs.get("beta_start", 1e-4),
        kwargs.get("beta_end", 0.02),
        0.008,
        kwargs.get("num_steps", 5),
        "leading",
        "Astronaut",
    )
    assert event[0].startswith("⚠️") and len(event) == len(schedules.explore(["linear"]).as_tuple())


def test_t_at_snr():
    s = NoiseSchedule.make("linear", 1000)
    t = s.t_at_snr(1.0)
    assert s.snr[t] <= 1 < s.snr[t - 1]
    assert s.t_at_snr(1e-12) is None


# ------------------------------------------------------------------------------------------------ look and layout
def test_plots_carry_their_own_legend_and_the_talk_font_hook(tiny_model_dir):
    import gradio as gr

    import app
    from ui.theme import PLOT_CLASS, launch_kwargs

    for talk in (False, True):
        demo = app.build_demo(model=tiny_model_dir, device="cpu", talk=talk)
        plots = [b for b in demo.blocks.values() if isinstance(b, gr.LinePlot)]
        assert len(plots) == 6  # the histogram and five schedule plots
        for plot in plots:
            assert PLOT_CLASS in plot.elem_classes and plot.colors_in_legend == []  # Vega's legend is off
        legends = {b.elem_id: b.value for b in demo.blocks.values() if isinstance(b, gr.HTML)}
        assert "pixels of x_t" in legends["histogram-legend"] and "cosine" in legends["schedule-legend"]
    css = launch_kwargs(talk=True)["css"]
    assert f".{PLOT_CLASS} {{ --text-sm: 20px; --text-md: 26px; }}" in css  # what Vega reads for axes and titles
    assert ".tab-like-container { height: 48px" in css and "min-height: 0 !important" in css  # slider's ↺ button
    assert PLOT_CLASS not in launch_kwargs(talk=False)["css"]


def test_schedule_legend_follows_the_chosen_schedules():
    legend = schedules.explore(["sigmoid", "cosine"]).legend
    assert legend.count('class="legend-key"') == 2 and "linear" not in legend and schedules.COLORS["cosine"] in legend
