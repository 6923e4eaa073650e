"""The 2D lab tab's handlers, called as Gradio calls them."""

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from ddpm.lab2d.fit import TrainConfig
from ui import lab2d
from ui.pictures import FastPng
from ui.plane import Style


@pytest.fixture(scope="module")
def png():
    return FastPng()


@pytest.fixture(scope="module")
def cloud():
    return lab2d.make_cloud("two_moons", 200, 0)


def picture(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_the_view_moves_with_t_and_says_what_it_shows(cloud, png):
    early, text = lab2d.show(cloud, None, 10, "exact", Style(), png)
    late, _ = lab2d.show(cloud, None, 800, "exact", Style(), png)
    assert "t = 10" in text and "two moons" in text
    assert not np.array_equal(picture(early), picture(late))


def test_learned_fields_need_a_network_trained_on_this_cloud(cloud, png):
    with pytest.raises(gr.Error, match="Train the network first"):
        lab2d.show(cloud, None, 10, "learned", Style(), png)
    other = lab2d.Learned(lab2d.EpsMLP(), "ring · 200 points · seed 0")
    with pytest.raises(gr.Error, match="trained on ring"):
        lab2d.show(cloud, other, 10, "difference", Style(), png)
    with pytest.raises(gr.Error, match="Pick a dataset"):
        lab2d.show(None, None, 10, "exact", Style(), png)


def test_a_drawing_becomes_the_data(png):
    with pytest.raises(gr.Error, match="Draw a shape"):
        lab2d.load_data("drawing", 100, 0, 10, "exact", None, Style(), png, sketch=None)
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).ellipse((40, 40, 240, 240), outline=(0, 0, 0, 255), width=16)  # a drawn circle
    cloud, kind, _, text = lab2d.load_data("drawing", 300, 0, 10, "learned", None, Style(), png, sketch=canvas)
    radii = cloud.points.norm(dim=1)
    assert kind == "exact" and "your drawing" in text  # no network for this data yet: the exact field
    assert radii.min() > 0.75 and radii.max() < 0.96  # on the ring of ink, its box scaled to span ±0.95


def test_sampling_streams_bounded_frames_in_which_particles_move(cloud, png):
    frames = list(lab2d.sample(cloud, None, "ddpm", "dpmpp_2m", 60, "ideal", 50, 0, Style(), png))
    assert 2 < len(frames) <= lab2d.MAX_FRAMES + 1
    first, last = frames[0], frames[-1]
    assert not np.array_equal(picture(first[0]), picture(last[0]))
    assert not np.array_equal(picture(first[1]), picture(last[1]))
    run, replay = last[3], last[4]
    assert isinstance(run, lab2d.Run) and replay["maximum"] == 60
    assert torch.equal(run.stochastic.points[0], run.ode.points[0])  # the same x_T for both
    assert "DDPM" in last[2] and "DPM-Solver++(2M)" in last[2]
    left, right, status = lab2d.replay(cloud, run, 30, Style(), png)
    assert "step 30" in status and not np.array_equal(picture(left), picture(last[0]))
    with pytest.raises(gr.Error, match="Train the network first"):
        next(lab2d.sample(cloud, None, "ddpm", "ddim", 10, "learned", 10, 0, Style(), png))


def test_training_streams_the_loss_then_both_denoisers_are_compared(cloud, png, monkeypatch):
    monkeypatch.setattr(lab2d, "TrainConfig", lambda steps, seed: TrainConfig(steps=steps, report_every=50, seed=seed))
    updates = list(lab2d.train(cloud, 300, 0))
    losses, status, learned, errors = updates[-1]
    assert len(updates) == 6 and list(losses["step"]) == [50, 100, 150, 200, 250, 300]
    assert learned.key == cloud.key and "Trained on two moons" in status
    assert set(errors.columns) == {"t", "mean |ε_θ − ε*|"} and len(errors) == 25
    lab2d.show(cloud, learned, 100, "difference", Style(), png)  # the error field draws once a network exists
    ideal, learned_png, numbers = lab2d.compare(cloud, learned, "ddpm", 100, 0, Style(), png)
    row = numbers.split("|---|---|---|---|\n")[1].splitlines()[0]
    ideal_d, learned_d, fresh_d, noise_d = (float(cell.strip(" *")) for cell in row.strip("|").split("|"))
    assert ideal_d < 0.01 < fresh_d  # the ideal denoiser memorises; fresh points of the same law do not sit on it
    assert learned_d < 0.5 * noise_d


def test_every_event_of_the_tab_has_an_api_name():
    from app import build_demo

    demo = build_demo()
    names = {d.get("api_name") for d in demo.config["dependencies"]}
    for name in (
        "lab_data",
        "lab_drawing",
        "lab_view",
        "lab_sample",
        "lab_replay",
        "lab_train",
        "lab_stop",
        "lab_compare",
    ):
        assert name in names
    heavy = {d["api_name"]: d.get("concurrency_id") for d in demo.config["dependencies"]}
    assert heavy["lab_train"] == heavy["lab_sample"] == heavy["lab_compare"] == heavy["sample"]
