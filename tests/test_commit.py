"""The Reverse tab's "When does the picture commit?" view: the data of a real run, the judge's probabilities, picking
an image on the grid, and the bounded x̂₀ a run keeps."""

import numpy as np
import pytest
import torch

from ddpm.images import grid
from ui import commit, reverse
from ui.models import PipelineCache
from ui.pictures import FastPng

STEPS, BATCH = 12, 4


@pytest.fixture(scope="module")
def last_run(tiny_model_dir):
    models = PipelineCache(tiny_model_dir, device="cpu")
    widgets = ("ddim", STEPS, 0.0, "fixed_small", True, 1, BATCH, "exact")
    outputs = reverse.run(models.default_model, *widgets, pipelines=models, png=FastPng())
    return list(outputs)[-1][3]


def test_commitment_is_steps_by_images_ends_at_zero_and_reads_probabilities(last_run):
    data = commit.commitment(last_run.frames, commit.DigitJudge())
    F = len(reverse.frame_steps(STEPS))
    assert data.distance.shape == (F, BATCH) and list(data.steps) == reverse.frame_steps(STEPS)
    assert np.all(data.distance[-1] == 0) and np.all(data.distance[0] > 0.1)  # x̂₀ of x_T is far from the end
    assert data.timesteps[0] == 11 * (1000 // 12) and data.timesteps[-1] == -1  # leading spacing, then the end
    assert data.probabilities.shape == (F, BATCH, 10)
    assert np.allclose(data.probabilities.sum(axis=2), 1.0) and (data.probabilities >= 0).all()


def test_the_distance_is_the_rms_of_the_kept_x0_from_the_final_sample(last_run):
    data = commit.commitment(last_run.frames, None)
    middle = len(last_run.frames) // 2
    x0, final = last_run.frames[middle].x0_small.float(), last_run.frames[-1].x0_small.float()
    expected = ((x0 - final) ** 2).mean(dim=(1, 2, 3)).sqrt().numpy()
    assert np.allclose(data.distance[middle], expected) and data.probabilities is None and data.judge_note


def test_settling_points_are_the_first_steps_that_hold_to_the_end():
    probabilities = np.zeros((5, 1, 10))
    for f, digit in enumerate([3, 7, 1, 7, 7]):
        probabilities[f, 0, digit] = 1.0
    distance = np.array([[0.9], [0.05], [0.3], [0.08], [0.0]])
    data = commit.Commitment(np.arange(5), np.array([999, 700, 400, 100, -1]), distance, probabilities)
    assert data.decided_at(0) == 3 and data.committed_at(0) == 3
    assert "has read a 7 since step 3 (t = 100)" in commit.summary(data, 0)


def test_the_view_shows_the_picked_image_and_says_when_there_is_no_run(last_run):
    note, image, picture, distance, classes, strip = commit.commit_view(last_run, 99, commit.DigitJudge())
    assert image["value"] == BATCH - 1 and image["maximum"] == BATCH - 1 and f"Image {BATCH - 1}" in note
    assert picture is last_run.frames[-1].x_t
    assert set(distance["series"]) == {"batch median", "batch min", "batch max", "picked image"}
    assert sorted(set(classes["digit"])) == [str(d) for d in range(10)] and len(classes) == 10 * len(last_run.frames)
    assert strip.width > strip.height  # a row of x̂₀ with captions
    for nothing in (None, reverse.RunState(total=3)):
        assert commit.commit_view(nothing, 0, commit.DigitJudge())[0] == commit.NO_RUN


@pytest.mark.parametrize("batch_size", [1, 4, 7, 16])
def test_a_click_on_the_grid_picks_the_image_under_it(batch_size):
    picture = grid(np.zeros((batch_size, 32, 32, 1), dtype=np.uint8))
    nrow = int(np.ceil(np.sqrt(batch_size)))
    for index in range(batch_size):
        row, column = divmod(index, nrow)
        x, y = 2 + column * 34 + 16, 2 + row * 34 + 16  # the middle of image ``index``
        assert commit.image_at(x, y, batch_size, picture.width) == index


def test_a_run_keeps_a_small_float16_x0_for_the_view():
    x0 = torch.rand(3, 3, 256, 256) * 2 - 1
    small = commit.small_x0(x0)
    assert small.shape == (3, 3, 32, 32) and small.dtype == torch.float16
    assert torch.allclose(small.float(), torch.nn.functional.avg_pool2d(x0, 8), atol=1e-3)
    digit = torch.rand(2, 1, 32, 32)
    assert torch.equal(commit.small_x0(digit).float(), digit.half().float())  # a 32×32 model's x̂₀ at full size
