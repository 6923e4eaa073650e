"""The Reverse sampling tab's handlers as plain functions: frames, determinism, stopping, exports, model switching."""

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from ddpm import NoiseSchedule, Pipeline, save_pipeline
from ddpm.images import grid
from tests.conftest import TINY_CONFIG, random_unet
from ui import reverse
from ui.widgets import FastPng, ModelSource

STEPS, BATCH = 12, 4


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model") / "tiny"
    save_pipeline(Pipeline(random_unet(TINY_CONFIG), NoiseSchedule.make("linear", 1000)), folder)
    return str(folder)


@pytest.fixture(scope="module")
def models(tiny_model_dir):
    return ModelSource(tiny_model_dir, device="cpu")


def stream(models, sampler="ddim", steps=STEPS, seed=0, **kwargs):
    return reverse.run(models.model, sampler, steps, 0.0, "fixed_small", True, seed, BATCH, "exact", **kwargs,
                       models=models, png=FastPng())


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
    *_, note, frames, slider, final, files = outputs[-1]
    assert "Done" in note and len(frames) == len(shown) and slider["maximum"] == len(frames) - 1
    expected = np.asarray(grid(models.load(models.model, "float32").sample(BATCH, sampler, STEPS, seed=7)))
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
    assert len(outputs[-1][3]) == len(reverse.frame_steps(STEPS))


def test_exports_are_a_gif_an_mp4_and_a_png_of_the_run(models, tmp_path):
    frames = list(stream(models))[-1][3]
    gif, mp4, png = reverse.export_run(frames, tmp_path)
    picture = reverse.side_by_side(frames[0])
    assert picture.shape[0] >= reverse.VIDEO_HEIGHT and picture.shape[0] % 2 == 0 == picture.shape[1] % 2
    gif_frames = imageio.mimread(gif)
    assert len(gif_frames) == len(frames) and gif_frames[0].shape[:2] == picture.shape[:2]
    video = imageio.get_reader(mp4)
    mp4_frames = list(video.iter_data())  # the reader's len() is inf
    video.close()
    assert len(mp4_frames) == len(frames) and mp4_frames[0].shape == picture.shape
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size == frames[-1].x_t.size


def test_replay_shows_the_kept_frames(models):
    frames = list(stream(models))[-1][3]
    x_t, x0_hat, note = reverse.replay(frames, 0)
    assert x_t is frames[0].x_t and "x_T" in note
    assert reverse.replay(frames, 99)[0] is frames[-1].x_t
    with pytest.raises(reverse.gr.Error, match="nothing to replay"):
        reverse.replay([], 0)


def test_sdedit_starts_from_the_noised_image_at_t(models):
    image = Image.new("L", (64, 64), 0)
    image.paste(255, (24, 8, 40, 56))  # a bright bar
    outputs = list(stream(models, steps=10, start="image", upload=image, t_start=300))
    frames = outputs[-1][3]
    assert frames[0].timestep == 300 and len(frames) == 11
    assert reverse.sdedit_timesteps(300, 10).tolist()[-1] == 0
    x_T = np.asarray(frames[0].x_t, dtype=float)
    assert x_T[:, 12:20].mean() > x_T[:, 2:8].mean() + 40  # still the bar: noised to t = 300, not to T
    with pytest.raises(reverse.gr.Error, match="Upload or draw"):
        list(stream(models, start="image"))


def test_unknown_hub_id_keeps_the_current_model(models):
    current, message = reverse.load_model("google/no-such-ddpm", "exact", BATCH, STEPS, models.model, models)
    assert current == models.model
    assert message.startswith("⚠️") and "offline" in message and "Still using" in message


def test_loading_a_model_shows_its_size_and_an_estimate(models):
    current, info = reverse.load_model(models.model, "fast", BATCH, STEPS, "elsewhere", models)
    assert current == models.model
    assert "1×32×32" in info and "bfloat16" in info and "estimate" in info.lower()
    assert models.load(models.model, "bfloat16") is models.load(models.model, "bfloat16")


def test_bad_requests_are_sentences(models):
    with pytest.raises(reverse.gr.Error, match="between 1 and 1000"):
        list(stream(models, steps=5000))
    with pytest.raises(reverse.gr.Error, match="η"):
        list(reverse.run(models.model, "ddim", 5, 3.0, "fixed_small", True, 0, 1, "exact", models=models,
                         png=FastPng()))
    with pytest.raises(reverse.gr.Error, match="no model folder"):
        list(reverse.run("./missing", "ddim", 5, 0.0, "fixed_small", True, 0, 1, "exact", models=models,
                         png=FastPng()))


def test_missing_bundled_model_is_said_in_one_sentence(monkeypatch, tmp_path):
    monkeypatch.setattr(reverse, "DEFAULT_MODEL", tmp_path / "ddpm-mnist")
    assert "not in this copy yet" in reverse.startup_note(str(tmp_path / "ddpm-mnist"))
