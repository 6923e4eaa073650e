"""Recorded runs: record → read gives the frames of the live run, pixel for pixel; a request finds only its own
recording; the Reverse tab plays it instead of computing; `python -m ddpm record` writes a folder the app reads."""

import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from ddpm import DDPMError, load_pipeline
from ddpm.__main__ import main as cli
from ddpm.images import grid, ungrid
from ddpm.recording import Recording, Recordings, RunRequest, kept_steps, model_fingerprint, record_run
from ui import reverse
from ui.models import PipelineCache
from ui.pictures import FastPng
from ui.recorder import request_of
from ui.scenes import SCENE_FILE, load_scenes
from ui.view import View

STEPS, BATCH = 6, 2


def pixels(image) -> np.ndarray:
    if isinstance(image, str):
        with Image.open(image) as opened:
            return np.asarray(opened).copy()
    return np.asarray(image)


@pytest.fixture(scope="module")
def pipe(tiny_model_dir):
    return load_pipeline(tiny_model_dir, device="cpu")


@pytest.fixture(scope="module")
def request_(pipe):
    return RunRequest(pipe.options(sampler="ddim", num_steps=STEPS, eta=0.0), seed=3, batch_size=BATCH)


def test_a_recording_holds_the_frames_of_the_live_run(pipe, request_, tmp_path):
    recording = record_run(pipe, request_, tmp_path / "scene", "DDIM-6")
    steps, total = request_.denoise(pipe)
    live = [reverse.Frame.of(step) for step in steps if step.index in set(kept_steps(total))]
    again = Recording.read(tmp_path / "scene")
    assert again == recording and again.total == total == STEPS
    assert [(f.step, f.timestep) for f in again.frames] == [(f.step, f.timestep) for f in live]
    for index, frame in enumerate(live):
        x_t, x0_pred = again.images(index)
        assert np.array_equal(pixels(x_t), pixels(frame.x_t)) and np.array_equal(pixels(x0_pred), pixels(frame.x0_pred))
    assert again.machine and again.date.startswith("20") and "recorded on" in again.credit


def test_a_request_finds_only_its_own_recording(pipe, request_, tmp_path):
    record_run(pipe, request_, tmp_path / "a", "a")
    found = Recordings.scan(tmp_path)
    assert found.find(request_.key(pipe)).name == "a"
    other_seed = RunRequest(request_.options, seed=4, batch_size=BATCH)
    other_steps = RunRequest(pipe.options(sampler="ddim", num_steps=STEPS + 1), seed=3, batch_size=BATCH)
    assert found.find(other_seed.key(pipe)) is None and found.find(other_steps.key(pipe)) is None
    key = request_.key(pipe)
    assert json.loads(json.dumps(key)) == key and key["model"] == model_fingerprint(pipe)


def test_the_fingerprint_is_the_weights_not_the_folder_or_the_precision(pipe, tiny_model_dir, tmp_path):
    copy = shutil.copytree(tiny_model_dir, tmp_path / "elsewhere")
    assert model_fingerprint(load_pipeline(copy, device="cpu", dtype="bfloat16")) == model_fingerprint(pipe)
    other = load_pipeline(copy, device="cpu")
    with torch.no_grad():
        next(other.unet.parameters()).add_(1e-3)
    other_copy = load_pipeline(tiny_model_dir, device="cpu")  # a new load: a new fingerprint, computed again
    assert model_fingerprint(other) != model_fingerprint(other_copy)


def test_a_damaged_recording_is_a_sentence_and_scanning_skips_it(pipe, request_, tmp_path):
    recording = record_run(pipe, request_, tmp_path / "broken", "broken")
    recording.frames[1].x_t.unlink()
    with pytest.raises(DDPMError, match="frames are missing"):
        Recording.read(tmp_path / "broken")
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "recording.json").write_text("{not json")
    found = Recordings.scan(tmp_path)
    assert found.recordings == () and len(found.notes) == 2
    with pytest.raises(DDPMError, match="not a folder"):
        Recordings.scan(tmp_path / "nowhere")


def run_tab(models: PipelineCache, seed: int, recordings=None, live=False, **start):
    """The Reverse tab's Run handler with the widgets a scene leaves at their defaults; its last update."""
    defaults = models.load(models.default_model).default_options
    updates = reverse.run(
        models.default_model, "ddim", STEPS, defaults.eta, defaults.variance_type, defaults.clip_sample, seed, BATCH,
        "exact", live=live, **start, pipelines=models, png=FastPng(), recordings=recordings,
    )  # fmt: skip
    return list(updates)


def test_the_app_plays_a_matching_recording_frame_for_frame_and_computes_the_rest(tiny_model_dir, tmp_path):
    models = PipelineCache(tiny_model_dir, device="cpu")
    pipe = models.load(models.default_model)
    view = View(tab="reverse", sampler="ddim", steps=STEPS, seed=5, batch=BATCH)
    record_run(pipe, request_of(view, pipe), tmp_path / "scene", "scene")
    recordings = Recordings.scan(tmp_path)
    played = run_tab(models, 5, recordings)
    live = run_tab(models, 5, recordings, live=True)
    other = run_tab(models, 6, recordings)
    assert "recorded on" in played[-1][2] and "recorded on" not in live[-1][2] + other[-1][2]
    played_frames, live_frames = played[-1][3].frames, live[-1][3].frames
    assert len(played_frames) == len(live_frames) == STEPS + 1
    for a, b in zip(played_frames, live_frames, strict=True):
        assert (a.step, a.timestep) == (b.step, b.timestep)
        assert np.array_equal(pixels(a.x_t), pixels(b.x_t)) and np.array_equal(pixels(a.x0_pred), pixels(b.x0_pred))
        # "When does the picture commit?" reads the small x̂₀: from the recorded grid, to within its 8 bits
        assert torch.allclose(a.x0_small.float(), b.x0_small.float().clamp(-1, 1), atol=1 / 255 + 2e-3)
    assert np.array_equal(pixels(played[-1][5]), pixels(live[-1][5]))  # the final grid


@pytest.mark.parametrize(("count", "channels"), [(1, 1), (4, 3), (5, 1), (16, 1)])
def test_ungrid_gives_back_the_images_of_a_grid(count, channels):
    images = np.random.default_rng(count).integers(0, 256, (count, 7, 5, channels), dtype=np.uint8)
    assert np.array_equal(ungrid(grid(images), count), images)


def test_an_sdedit_scene_matches_the_same_example_uploaded(tiny_model_dir, tmp_path):
    models = PipelineCache(tiny_model_dir, device="cpu")
    pipe = models.load(models.default_model)
    view = View(tab="reverse", sampler="ddim", steps=STEPS, seed=1, batch=BATCH, start="Digit 3 (MNIST)", t0=400)
    record_run(pipe, request_of(view, pipe), tmp_path / "sdedit", "sdedit")
    from ui.bundled_examples import load_example

    upload = load_example("Digit 3 (MNIST)").open()
    played = run_tab(models, 1, Recordings.scan(tmp_path), start="image", upload=upload, t_start=400)
    assert "recorded on" in played[-1][2]


def test_the_record_command_writes_a_folder_the_app_reads(tiny_model_dir, tmp_path, capsys):
    scenes = tmp_path / "talk.yaml"
    scenes.write_text(
        "scenes:\n"
        "  - {name: cat, view: {tab: forward, example: cat-chelsea}}\n"
        f"  - {{name: ddim, view: {{tab: reverse, sampler: ddim, steps: {STEPS}, batch: {BATCH}}}}}\n"
    )
    assert cli(["record", str(scenes), "--out", str(tmp_path / "out"), "--model", tiny_model_dir]) == 0
    said = capsys.readouterr().out
    assert "cat: forward tab, runs live" in said and "recorded 1 scene(s)" in said
    assert [s.name for s in load_scenes(tmp_path / "out")] == ["cat", "ddim"]
    assert (tmp_path / "out" / SCENE_FILE).read_text() == scenes.read_text()
    (recording,) = Recordings.scan(tmp_path / "out").recordings
    assert recording.name == "ddim" and len(recording.frames) == STEPS + 1
    assert cli(["record", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "x")]) == 2
