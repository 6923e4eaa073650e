"""The Forward noising tab as plain functions: its frozen state, the typed views, the events and their outputs."""

import dataclasses

import gradio as gr
import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from ddpm import NoiseSchedule
from ddpm.diffusion import randn
from ddpm.images import from_pil
from ui import forward
from ui.i18n import StudioBlocks
from ui.models import PipelineCache
from ui.pictures import FastPng, noise_image
from ui.theme import PLOT_CLASS, launch_kwargs


@pytest.fixture(scope="module")
def pipelines(tiny_model_dir):
    return PipelineCache(tiny_model_dir, device="cpu")


@pytest.fixture
def astronaut():
    return forward.example_state("Astronaut", size=64, mode="RGB", seed=0)


@pytest.fixture
def digit():
    return forward.example_state("Digit 7 (MNIST)", size=64, mode="Grayscale", seed=0)


def is_skip(value) -> bool:
    return isinstance(value, dict) and value == gr.skip()


def same_pixels(path: str, shown: Image.Image) -> bool:
    with Image.open(path) as image:
        return image.format == "PNG" and np.array_equal(np.asarray(image), np.asarray(shown))


# ------------------------------------------------------------------------------------------------------- state
@pytest.mark.parametrize(("size", "mode", "channels"), [(64, "RGB", 3), (128, "Grayscale", 1), (256, "RGB", 3)])
def test_state_works_at_the_chosen_resolution(size, mode, channels):
    big = Image.new("RGB", (1500, 900), (200, 30, 30))  # never worked on at its raw size
    state = forward.make_state(big, None, size, mode, seed=3)
    assert state.x0.shape == state.eps.shape == (channels, size, size)
    assert state.x0.dtype == state.eps.dtype == torch.float32
    assert state.x0.min() >= -1 and state.x0.max() <= 1
    assert max(state.source.size) <= 512
    assert (state.size, state.mode, state.seed, state.model) == (size, mode, 3, None)


def test_state_is_frozen(astronaut):
    with pytest.raises(dataclasses.FrozenInstanceError):
        astronaut.seed = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        astronaut.eps = torch.zeros_like(astronaut.eps)


def test_reseeded_keeps_the_image_and_draws_eps_from_the_seed(astronaut):
    other = astronaut.reseeded(1)
    assert other is not astronaut and other.seed == 1 and astronaut.seed == 0  # a new state; the old one is kept
    assert other.source is astronaut.source and torch.equal(other.x0, astronaut.x0)
    assert (other.model, other.size, other.mode) == (astronaut.model, astronaut.size, astronaut.mode)
    expected = randn((1, *astronaut.x0.shape), torch.Generator().manual_seed(1))[0]
    assert torch.equal(other.eps, expected) and not torch.equal(other.eps, astronaut.eps)


def test_reseed_changes_eps_and_a_seed_reproduces_it(astronaut):
    other = astronaut.reseeded(1)
    assert not torch.equal(other.eps, astronaut.eps)
    assert torch.equal(other.reseeded(0).eps, astronaut.eps)
    assert torch.equal(other.x0, astronaut.x0)
    assert astronaut.reseeded().seed >= 0  # random seed


def test_model_inputs_are_made_once_per_channels_and_size_and_match_from_pil(digit):
    x0, eps = digit.model_inputs(1, 32)
    again = digit.model_inputs(1, 32)
    assert again[0] is x0 and again[1] is eps  # the same tensors: not remade on every slider tick
    assert x0.shape == eps.shape == (1, 1, 32, 32)
    assert torch.equal(x0, from_pil(digit.source, 32, 1)[None])
    assert torch.equal(eps, randn(x0.shape, torch.Generator().manual_seed(digit.seed)))
    rgb, _ = digit.model_inputs(3, 32)
    assert rgb is not x0 and torch.equal(rgb, from_pil(digit.source, 32, 3)[None])


def test_model_inputs_belong_to_one_state(digit):
    x0, eps = digit.model_inputs(1, 32)
    twin = forward.example_state("Digit 7 (MNIST)", size=64, mode="Grayscale", seed=0)
    twin_x0, twin_eps = twin.model_inputs(1, 32)
    assert twin_x0 is not x0 and torch.equal(twin_x0, x0) and torch.equal(twin_eps, eps)
    reseeded_x0, reseeded_eps = digit.reseeded(5).model_inputs(1, 32)  # a new ε is a new state: inputs remade
    assert reseeded_x0 is not x0 and torch.equal(reseeded_x0, x0)
    assert torch.equal(reseeded_eps, randn(x0.shape, torch.Generator().manual_seed(5)))
    assert digit.model_inputs(1, 32)[1] is eps  # the old state keeps its own


def test_x_t_follows_the_closed_form_along_one_path(astronaut):
    s = NoiseSchedule.make("linear", 1000)
    for t in (0, 500, 999):
        expected = s.sqrt_alpha_bars[t] * astronaut.x0 + s.sqrt_one_minus_alpha_bars[t] * astronaut.eps
        torch.testing.assert_close(astronaut.x_t("linear", t), expected.float())
    near_clean = astronaut.x_t("linear", 0)
    assert (near_clean - astronaut.x0).abs().mean() < 0.02


def test_example_state_knows_digits_and_refuses_unknown_names():
    assert forward.example_state("Digit 3 (MNIST)", 64, "RGB").model == "digits"
    assert forward.example_state("Rocket (emoji)", 64, "RGB").model == "emoji"
    assert forward.example_state("Coffee", 64, "RGB").model is None
    with pytest.raises(gr.Error, match="no bundled example called 'Dog'"):
        forward.example_state("Dog", 64, "RGB")


def test_a_sketch_becomes_a_digit_state(drawn_seven):
    state = forward.state_from_sketch({"composite": drawn_seven, "layers": [], "background": None}, 64, "RGB")
    assert state.model == "digits" and state.x0.shape == (3, 64, 64)
    assert forward.state_from_sketch({"composite": None}, 64, "RGB") is None


# ------------------------------------------------------------------------------------------------------ scrub
def test_scrubbing_with_a_fixed_eps_is_deterministic(astronaut):
    first = forward.scrub(astronaut, "cosine", 300)
    again = forward.scrub(astronaut, "cosine", 300)
    assert np.array_equal(np.asarray(first.x_t), np.asarray(again.x_t))
    assert first.readouts == again.readouts
    other = forward.scrub(astronaut, "cosine", 301)
    assert not np.array_equal(np.asarray(first.x_t), np.asarray(other.x_t))


def test_scrub_outputs(astronaut):
    view = forward.scrub(astronaut, "linear", 250)
    assert view.x_t.size == (64, 64) and view.x_t.mode == "RGB"
    s = NoiseSchedule.make("linear", 1000)
    numbers = view.readouts
    assert f"{s.sqrt_alpha_bars[250].item():.4f}" in numbers and "x_{250}" in numbers and "dB" in numbers
    assert set(view.histogram.columns) == {"value", "density", "series"}
    assert view.x0_hat is None and "digit" in view.x0_note  # a photo is not the default model's domain


def test_grayscale_outputs_are_single_channel(digit):
    image = forward.scrub(digit, "sigmoid", 10).x_t
    assert image.mode == "L" and image.size == (64, 64)


def test_the_slider_gets_x_t_as_a_fast_png_file_with_the_same_pixels(astronaut):
    png = FastPng(slots=2)
    paths = [forward.scrub(astronaut, "cosine", t, png=png).x_t for t in (300, 301, 302)]
    assert paths[0] == paths[2] != paths[1]  # a ring of slots, reused
    assert same_pixels(paths[2], forward.scrub(astronaut, "cosine", 302).x_t)


def test_the_slider_gets_the_x0_panel_as_a_file_too(digit, pipelines):
    slow = forward.scrub(digit, "linear", 500, pipelines)
    fast = forward.scrub(digit, "linear", 500, pipelines, FastPng())
    assert fast.readouts == slow.readouts and fast.x0_note == slow.x0_note
    assert isinstance(slow.x0_hat, Image.Image)
    for shown, written in [(slow.x_t, fast.x_t), (slow.x0_hat, fast.x0_hat)]:
        assert same_pixels(written, shown)
    pd.testing.assert_frame_equal(fast.histogram, slow.histogram)


def test_scrub_event_is_the_fast_scrub_view_in_field_order(digit, pipelines):
    view = forward.scrub(digit, "linear", 500, pipelines)
    x_t, numbers, histogram, x0_hat, note = forward.scrub_event(digit, "linear", 500, pipelines, FastPng())
    assert same_pixels(x_t, view.x_t) and same_pixels(x0_hat, view.x0_hat)
    assert numbers == view.readouts and note == view.x0_note
    pd.testing.assert_frame_equal(histogram, view.histogram)


def test_x0_prediction_for_a_digit(digit, pipelines):
    view = forward.scrub(digit, "linear", 500, pipelines)
    assert isinstance(view.x0_hat, Image.Image) and "32×32" in view.x0_note


def test_x0_prediction_panel_without_a_digit_or_a_model(astronaut, digit, pipelines):
    photo = forward.x0_prediction(astronaut, 500, None, None)
    assert photo == forward.X0Panel(None, forward.NO_MODEL_KNOWS_IT)
    nothing = forward.x0_prediction(digit, 500, "digits", None, "it is still downloading")
    assert nothing.picture is None and "it is still downloading" in nothing.caption
    panel = forward.x0_prediction(digit, 500, "digits", pipelines.load())
    assert isinstance(panel.picture, Image.Image) and "t = 500" in panel.caption  # T = 1000 here as in the tab


def test_missing_model_gives_a_note(digit, tmp_path):
    missing = PipelineCache(str(tmp_path / "not-trained-yet"), device="cpu")
    view = forward.scrub(digit, "linear", 500, missing)
    assert view.x0_hat is None and "no model folder" in view.x0_note.lower()


def test_bad_t_is_a_message_not_a_crash(astronaut):
    with pytest.raises(gr.Error, match="whole number from 0 to 999"):
        forward.scrub(astronaut, "linear", 1000)
    with pytest.raises(gr.Error, match="Unknown schedule"):
        forward.scrub(astronaut, "wavy", 3)
    with pytest.raises(gr.Error, match="no image"):
        forward.make_state(None, None)


# -------------------------------------------------------------------------------------------------- histogram
def test_histogram_counts_agree_with_numpy():
    x = torch.randn(3, 64, 64, generator=torch.Generator().manual_seed(1)) * 1.7
    frame = forward.histogram_frame(x)
    counts, _ = np.histogram(x.numpy().ravel(), bins=61, range=(-4, 4))
    density = frame[frame.series == "pixels of x_t"].density.to_numpy()
    np.testing.assert_allclose(density * x.numel() * 8 / 61, counts, atol=1.01)  # an edge value may change bins


def test_histogram_of_pure_noise_matches_the_normal_density():
    frame = forward.histogram_frame(torch.randn(3, 256, 256, generator=torch.Generator().manual_seed(0)))
    pixels = frame[frame.series == "pixels of x_t"].density.to_numpy()
    normal = frame[frame.series == "N(0, 1)"].density.to_numpy()
    assert np.abs(pixels - normal).max() < 0.02


# ------------------------------------------------------------------------------------------ filmstrip and chain
def test_filmstrip_has_one_tile_per_timestep(astronaut):
    strip = forward.filmstrip(astronaut, "quadratic")
    assert strip.width > strip.height * (len(forward.FILMSTRIP_TIMESTEPS) - 1)


def test_chain_and_closed_form_agree_in_distribution(astronaut):
    view = forward.chain_vs_closed(astronaut, "linear", 400, seed=1)
    assert view.chain.size == view.closed.size == (64, 64)
    stats = view.statistics.set_index("statistic")
    chain, closed = "chain (401 steps)", "closed form (1 step)"
    assert list(stats.columns) == [chain, closed, "theory"]
    residual_std = stats.loc["std of (x_t − √ᾱ_t x₀)/√(1−ᾱ_t)"]
    assert abs(residual_std[chain] - 1) < 0.05 and abs(residual_std[closed] - 1) < 0.05
    assert abs(stats.loc["std of x_t", chain] - stats.loc["std of x_t", "theory"]) < 0.05  # pixel spread


def test_chain_event_and_clear_chain_give_the_three_chain_outputs(astronaut):
    chain, closed, stats = forward.chain_event(astronaut, "linear", 400, 1)
    view = forward.chain_vs_closed(astronaut, "linear", 400, seed=1)
    assert np.array_equal(np.asarray(chain), np.asarray(view.chain)) and chain.size == closed.size
    pd.testing.assert_frame_equal(stats, view.statistics)
    chain, closed, stats = forward.clear_chain()
    assert chain is None and closed is None and "Run the chain to t" in stats.statistic[0]


# ------------------------------------------------------------------------------------------------------ events
def test_an_empty_forward_view_leaves_every_output_as_it_is():
    outputs = forward.ForwardView().as_outputs()
    assert len(outputs) == 7 and all(is_skip(value) for value in outputs)  # ε, filmstrip and ScrubView's five


def test_empty_sketch_keeps_what_is_shown(astronaut):
    out = forward.load_sketch({"composite": Image.new("RGBA", (50, 50))}, 64, "RGB", "linear", 5, astronaut)
    assert out[0] is astronaut and len(out) == 8 and all(is_skip(value) for value in out[1:])


def test_load_events_give_the_state_then_every_view(astronaut, drawn_seven):
    upload = Image.new("RGB", (300, 200), (10, 200, 90))
    events = [
        forward.load_upload(upload, 64, "RGB", "linear", 250, astronaut),
        forward.load_example_image("Coffee", 64, "RGB", "linear", 250, astronaut),
        forward.load_sketch({"composite": drawn_seven}, 64, "RGB", "linear", 250, astronaut),
        forward.change_resolution(64, "RGB", "linear", 250, astronaut),
    ]
    for state, *outputs in events:
        assert isinstance(state, forward.ForwardState) and state.seed == astronaut.seed  # the seed carries over
        expected = forward.all_views(state, "linear", 250).as_outputs()
        assert len(outputs) == len(expected) == 7 and not any(is_skip(value) for value in outputs)
        assert np.array_equal(np.asarray(outputs[2]), np.asarray(expected[2]))  # x_t
        assert outputs[3] == expected[3]  # the readouts
    assert events[2][0].model == "digits" and events[0][0].model is None


def test_change_resolution_keeps_the_image_and_seed(astronaut):
    state, eps, _, x_t, *_ = forward.change_resolution(128, "Grayscale", "linear", 250, astronaut)
    assert state.source is astronaut.source and state.seed == astronaut.seed
    assert state.x0.shape == (1, 128, 128) and x_t.size == (128, 128) and x_t.mode == "L" and eps.size == (128, 128)


def test_new_noise_event_reseeds(astronaut):
    state, eps, *_ = forward.new_noise("linear", 250, astronaut, seed=7)
    assert state.seed == 7 and torch.equal(state.eps, astronaut.reseeded(7).eps)
    assert np.array_equal(np.asarray(eps), np.asarray(noise_image(state.eps)))


def test_set_schedule_is_every_view_of_the_same_state(astronaut):
    outputs = forward.set_schedule(astronaut, "sigmoid", 100)
    assert len(outputs) == 7 and "x_{100}" in outputs[3]


# ---------------------------------------------------------------------------------------------- look and layout
@pytest.mark.parametrize("talk", [False, True])
def test_the_histogram_carries_its_own_legend_and_the_plot_class(tiny_model_dir, talk):
    with StudioBlocks() as demo:
        forward.build_tab(PipelineCache(tiny_model_dir, device="cpu"), talk=talk)
    plots = [b for b in demo.blocks.values() if isinstance(b, gr.LinePlot)]
    assert len(plots) == 1  # the histogram
    assert PLOT_CLASS in plots[0].elem_classes and plots[0].colors_in_legend == []  # Vega's legend is off
    legends = {b.elem_id: b.value for b in demo.blocks.values() if isinstance(b, gr.HTML)}
    assert "pixels of x_t" in demo.shown(legends["histogram-legend"])
    assert "x_t의 픽셀" in demo.shown(legends["histogram-legend"], "ko")


def test_talk_mode_keeps_the_sliders_reset_button_unsquashed():
    css = launch_kwargs(talk=True)["css"]
    assert ".tab-like-container { height: 48px" in css and "min-height: 0 !important" in css  # slider's ↺ button


def test_each_image_asks_the_model_that_knows_it(astronaut, digit, pipelines):
    rocket = forward.example_state("Rocket (emoji)", size=64, mode="RGB", seed=0)
    bundled, emoji_app = PipelineCache(device="cpu"), PipelineCache("emoji", device="cpu")
    assert [forward.model_to_ask(s, bundled) for s in (astronaut, digit, rocket)] == [None, "digits", "emoji"]
    assert [forward.model_to_ask(s, emoji_app) for s in (astronaut, digit, rocket)] == ["emoji", "digits", "emoji"]
    own = pipelines.default_model  # the app runs a model of its own (--model): digits and uploads go to it
    assert [forward.model_to_ask(s, pipelines) for s in (astronaut, digit, rocket)] == [own, own, "emoji"]
    assert forward.model_to_ask(digit, None) is None


def test_a_colour_upload_gets_a_colour_x0_from_a_colour_model(astronaut, tiny_colour_model_dir):
    view = forward.scrub(astronaut, "linear", 300, PipelineCache(tiny_colour_model_dir, device="cpu"))
    assert isinstance(view.x0_hat, Image.Image) and view.x0_hat.mode == "RGB"
    tiles = np.asarray(view.x0_hat).astype(int)
    assert np.abs(tiles[..., 0] - tiles[..., 2]).max() > 0  # not a gray picture in RGB clothes


def test_the_histograms_series_are_named_in_the_pages_language():
    from ui import i18n

    token = i18n.use_lang("ko")
    try:
        korean = set(forward.histogram_frame(torch.randn(500)).series)
    finally:
        i18n.reset_lang(token)
    assert korean == {"x_t의 픽셀", "N(0, 1)"} and set(forward.histogram_frame(torch.randn(5)).series) == {
        "pixels of x_t",
        "N(0, 1)",
    }
