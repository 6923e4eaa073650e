"""The Schedule explorer tab: ``explore`` as a plain function, its event, the respaced chain, plots and legends."""

import dataclasses

import gradio as gr
import numpy as np
import pandas as pd
import pytest

from ddpm import NoiseSchedule
from ui import schedules
from ui.i18n import StudioBlocks
from ui.theme import PLOT_CLASS, launch_kwargs


def is_skip(value) -> bool:
    return isinstance(value, dict) and value == gr.skip()


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


def test_exploration_is_frozen_and_its_outputs_follow_its_fields():
    result = schedules.explore(["linear"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.message = "changed"
    outputs = result.as_outputs()
    assert len(outputs) == len(dataclasses.fields(schedules.Exploration)) == 11
    assert outputs[0] == result.message and outputs[-1] == result.csv_path
    assert not any(is_skip(value) for value in outputs)


def test_explore_event_gives_explores_outputs():
    outputs = schedules.explore_event(["linear", "cosine"], 500, 1e-4, 0.02, 0.008, 10, "trailing", "Coffee")
    result = schedules.explore(["linear", "cosine"], 500, 1e-4, 0.02, 0.008, 10, "trailing", "Coffee")
    assert len(outputs) == 11 and outputs[0] == result.message
    pd.testing.assert_frame_equal(outputs[7], result.key_numbers)
    pd.testing.assert_frame_equal(outputs[9], result.respaced)
    assert np.array_equal(np.asarray(outputs[8]), np.asarray(result.strip))


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
        ({"num_steps": 0}, "steps K must be a whole number from 1"),
    ],
)
def test_bad_parameters_give_a_message_and_leave_the_plots(args, words):
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
    assert event[0].startswith("⚠️") and words in event[0]
    assert len(event) == len(schedules.explore(["linear"]).as_outputs())
    assert all(is_skip(value) for value in event[1:])  # the plots, tables and CSV stay as they were


def test_schedule_legend_follows_the_chosen_schedules():
    legend = schedules.explore(["sigmoid", "cosine"]).legend
    assert legend.count('class="legend-key"') == 2 and "linear" not in legend and schedules.COLORS["cosine"] in legend


@pytest.mark.parametrize("talk", [False, True])
def test_schedule_plots_carry_one_legend_and_the_plot_class(talk):
    with StudioBlocks() as demo:
        schedules.build_tab(talk=talk)
    plots = [b for b in demo.blocks.values() if isinstance(b, gr.LinePlot)]
    assert len(plots) == 5  # β, ᾱ, the √ terms, log-SNR, the posterior variance
    for plot in plots:
        assert PLOT_CLASS in plot.elem_classes and plot.colors_in_legend == []  # Vega's legend is off
    legends = {b.elem_id: b.value for b in demo.blocks.values() if isinstance(b, gr.HTML)}
    assert "cosine" in demo.shown(legends["schedule-legend"])
    assert "코사인" in demo.shown(legends["schedule-legend"], "ko")


def test_talk_mode_enlarges_the_plot_fonts_only_in_talk_mode():
    css = launch_kwargs(talk=True)["css"]
    assert f".{PLOT_CLASS} {{ --text-sm: 20px; --text-md: 26px; }}" in css  # what Vega reads for axes and titles
    assert PLOT_CLASS not in launch_kwargs(talk=False)["css"]


def test_plot_series_are_named_in_the_pages_language_and_keep_their_colours():
    from ui import i18n

    token = i18n.use_lang("ko")
    try:
        korean = schedules.explore(["linear", "cosine"]).sqrt_terms
    finally:
        i18n.reset_lang(token)
    assert set(korean.series) == {"선형 √ᾱ", "선형 √(1−ᾱ)", "코사인 √ᾱ", "코사인 √(1−ᾱ)"}
    colours = schedules.in_every_language(schedules.PAIR_COLORS)
    assert colours["코사인 √ᾱ"] == colours["cosine √ᾱ"] == schedules.COLORS["cosine"]
    assert set(korean.series) <= set(colours)
