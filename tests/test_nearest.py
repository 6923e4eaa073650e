"""The nearest-training-image check: the shipped training sets, ``TrainingSet`` and the Reverse tab's view."""

import numpy as np
import pytest
import torch

from ddpm.images import grid, to_uint8
from ddpm.memorisation import NEAR_COPY_QUANTILE, TRAINING_SET_FILE, TrainingSet, nearest, pixel_space
from ui import models as ui_models
from ui import reverse
from ui.models import PipelineCache
from ui.nearest import nearest_view, paired_grid


def run_of(samples: np.ndarray) -> reverse.RunState:
    """A finished run whose final grid holds ``samples`` (uint8 (B, H, W, C))."""
    B = len(samples)
    x0 = torch.zeros(B, samples.shape[-1], *samples.shape[1:3], dtype=torch.float16)
    final = reverse.Frame(5, -1, grid(samples), grid(samples), x0)
    return reverse.RunState(total=5, frames=[final], reached=5, finished=True)


def test_a_training_set_keeps_its_images_and_its_leave_one_out_threshold(tmp_path):
    g = torch.Generator().manual_seed(0)
    images = torch.rand(400, 3, 8, 8, generator=g) * 2 - 1
    shipped = TrainingSet.of(images, num_real=200)
    shipped.save(tmp_path)
    loaded = TrainingSet.load(tmp_path / TRAINING_SET_FILE)
    assert np.array_equal(loaded.images, to_uint8(images)) and loaded.images.shape == (400, 8, 8, 3)
    bank = pixel_space(loaded.unit())
    leave_one_out = nearest(bank, bank, exclude_self=True).distance
    # the threshold is a low quantile of the training images' distances to their nearest other one
    assert np.quantile(leave_one_out, NEAR_COPY_QUANTILE / 4) < loaded.threshold < np.median(leave_one_out)
    found = loaded.nearest_to(loaded.images[[7, 300]])
    assert list(found.index) == [7, 300] and np.allclose(found.distance, 0)


def test_the_bundled_digit_model_ships_its_5000_training_digits():
    shipped = TrainingSet.load(ui_models.BUNDLED_MODEL / TRAINING_SET_FILE)
    assert shipped.images.shape == (5000, 32, 32, 1) and shipped.images.dtype == np.uint8
    assert 0.01 < shipped.threshold < 0.2  # RMS in [0, 1]: near-copies are far closer than typical digits


def test_the_view_pairs_copied_samples_with_their_sources_and_counts_them_as_copies():
    pipelines = PipelineCache(device="cpu")
    shipped = TrainingSet.load(ui_models.BUNDLED_MODEL / TRAINING_SET_FILE)
    copied = shipped.images[[11, 2024, 4999, 5]]
    fresh = 255 - copied  # inverted digits: far from every training digit
    picture, note = nearest_view(True, "digits", run_of(np.concatenate([copied, fresh])).frames, pipelines=pipelines)
    assert picture["visible"] is True
    assert "near-copies: 4 of 8" in note and "5000 training images" in note
    shown = np.asarray(picture["value"])
    assert shown.shape == np.asarray(paired_grid(np.concatenate([copied, fresh]), copied.repeat(2, 0))).shape
    # first row: the samples; the row under it: their nearest training images, which for copies are themselves
    # (each row is a grid of its own: 2 px of padding above and below)
    assert np.array_equal(shown[2:34, 2:34], copied[0, ..., 0])
    assert np.array_equal(shown[38:70, 2:34], copied[0, ..., 0])
    assert np.array_equal(shown[38:70, 36:68], copied[1, ..., 0])  # 3 per row (8 samples)


def test_the_view_hides_when_off_and_says_why_when_it_cannot_check(tiny_model_dir):
    pipelines = PipelineCache(device="cpu")
    picture, note = nearest_view(False, "digits", [], pipelines=pipelines)
    assert picture["visible"] is False and note == ""
    picture, note = nearest_view(True, "digits", [], pipelines=pipelines)
    assert picture["visible"] is False and "Run the model first" in note
    sample = np.zeros((2, 16, 16, 3), dtype=np.uint8)
    picture, note = nearest_view(True, tiny_model_dir, run_of(sample).frames, pipelines=pipelines)
    assert picture["visible"] is False and "ships no training set" in note
    picture, note = nearest_view(True, "digits", run_of(sample).frames, pipelines=pipelines)
    assert picture["visible"] is False and "not shaped like the training images" in note


def test_the_reverse_tab_shows_the_view_after_a_run(bundled_model_dir):
    pipelines = PipelineCache(device="cpu")
    updates = list(
        reverse.run(
            "digits", "ddim", 3, 0.0, "fixed_small", True, 0, 4, "exact", pipelines=pipelines, png=reverse.FastPng()
        )
    )
    state = updates[-1][3]
    picture, note = reverse.nearest_of_run(True, "digits", state, pipelines)
    assert picture["visible"] is True and "of 4" in note
    assert reverse.nearest_of_run(True, "digits", None, pipelines)[0]["visible"] is False


@pytest.mark.parametrize("name", ["digits", "checkpoints/ddpm-mnist (bundled)", str(ui_models.BUNDLED_MODEL)])
def test_bundled_models_are_named_digits_and_emoji_and_listed_first(name):
    assert ui_models.display_name(name) == "digits"
    assert ui_models.model_location(name) == str(ui_models.BUNDLED_MODEL)
    listed = ui_models.ModelPolicy().listed()
    assert listed[0] == "digits" and listed.index("google/ddpm-cifar10-32") > 0
    if ui_models.BUNDLED_MODELS["emoji"].is_dir():
        assert listed[1] == "emoji"


def test_the_cli_knows_the_bundled_models_by_name(capsys):
    from ddpm.__main__ import main as cli

    assert cli(["info", "digits"]) == 0
    assert "32" in capsys.readouterr().out
