"""The Reverse tab's sampler race as plain generators: the same x_T everywhere, columns that advance together, finals
that are each sampler's own run, the distance to the reference, Stop, and the quality plots' data."""

import re

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from ddpm.diffusion import randn
from ddpm.images import grid, to_uint8
from ui import race
from ui.models import PipelineCache
from ui.pictures import FastPng

BATCH, SEED = 2, 3
CONTENDERS = [("ddim", 4), ("dpmpp_2m", 5), ("unipc", 3), ("ddpm", 6)]


QUICK_REFERENCE = race.Contender("unipc", 20)  # for the tiny random model: these tests check the plumbing


@pytest.fixture(scope="module", autouse=True)
def quick_reference():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(race, "REFERENCE", QUICK_REFERENCE)
        yield


@pytest.fixture(scope="module")
def models(tiny_model_dir):
    return PipelineCache(tiny_model_dir, device="cpu")


def run_race(models, contenders=CONTENDERS, state=None, seed=SEED, batch_size=BATCH):
    slots = [value for pair in contenders for value in pair]
    slots += [race.NO_CONTENDER, None] * (race.MAX_CONTENDERS - len(contenders))
    return race.race(models.default_model, "exact", batch_size, seed, *slots, state, pipelines=models, png=FastPng())


def is_skip(value) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


def picture_frames(outputs) -> list[list[np.ndarray]]:
    """The pictures of every update that shows all four columns' pictures."""
    frames = []
    for out in outputs:
        pictures = out[1:9:2]
        if all(isinstance(p, str) for p in pictures):
            frames.append([np.asarray(Image.open(p)) for p in pictures])
    return frames


def nfe_readouts(out) -> list[tuple[int, int]]:
    return [tuple(map(int, re.search(r"NFE (\d+)/(\d+)", text).groups())) for text in out[2:9:2]]


@pytest.fixture(scope="module")
def finished(models):
    return list(run_race(models))


def test_every_column_starts_from_the_same_x_T(finished):
    first = picture_frames(finished)[0]
    assert all(np.array_equal(first[0], other) for other in first[1:])
    x_T = randn((BATCH, 1, 32, 32), torch.Generator().manual_seed(SEED))
    top = np.asarray(grid(to_uint8(x_T)))
    assert np.array_equal(first[0][: top.shape[0]], top)  # x_t on top is the seed's x_T


def test_each_final_is_that_samplers_own_seeded_run(models, finished):
    pipe = models.load(models.default_model, "float32")
    last = picture_frames(finished)[-1]
    for (sampler, steps), picture in zip(CONTENDERS, last, strict=True):
        options = race.race_options(pipe, race.Contender(sampler, steps))
        assert options.spacing == "trailing" and not options.clip_sample
        expected = np.asarray(grid(pipe.sample(BATCH, options=options, seed=SEED)))
        assert np.array_equal(picture[: expected.shape[0]], expected), sampler


def test_counters_count_network_calls_and_columns_advance_together(models, finished):
    state = finished[-1][-1]
    assert state.finished and [(r.nfe, r.total) for r in state.results] == [(k, k) for _, k in CONTENDERS]
    shown = [out for out in finished[1:] if isinstance(out[2], str) and "NFE" in out[2]]
    assert len(shown) <= race.RACE_FRAMES + 1
    for out in shown:
        fractions = [nfe / total for nfe, total in nfe_readouts(out)]
        assert max(fractions) - min(fractions) <= 1 / 3 + 1e-9  # within one step of the shortest run (3 steps)
    assert "Done" in finished[-1][0]
    table = finished[-1][-2]
    assert list(table["NFE"]) == [k for _, k in CONTENDERS] and list(table["steps"]) == [k for _, k in CONTENDERS]
    assert table["RMS distance to reference"].iloc[-1] == "stochastic"  # DDPM is not a function of x_T
    assert finished[-1][-3].height > (len(CONTENDERS) + 1) * 96  # a row per contender, and the reference


def test_the_reference_is_reused_for_the_same_model_seed_and_batch(models, finished, monkeypatch):
    pipe = models.load(models.default_model, "float32")
    calls = []
    eps = pipe.eps
    monkeypatch.setattr(pipe, "eps", lambda x, t: calls.append(1) or eps(x, t))
    state = finished[-1][-1]
    list(run_race(models, state=state))
    assert len(calls) == sum(k for _, k in CONTENDERS)  # no reference run
    calls.clear()
    list(run_race(models, state=state, seed=SEED + 1))
    assert len(calls) == sum(k for _, k in CONTENDERS) + race.REFERENCE.num_steps  # another x_T: solved again


def test_more_steps_of_an_ode_solver_end_nearer_the_reference(bundled_model_dir, monkeypatch):
    monkeypatch.setattr(race, "REFERENCE", race.Contender("unipc", 100))  # the app's: accurate, on a trained model
    models = PipelineCache(str(bundled_model_dir), device="cpu")
    state = list(run_race(models, [("unipc", 5), ("unipc", 20)]))[-1][-1]
    coarse, fine = (r.distance for r in state.results)
    assert 0 < fine < coarse / 2


def test_stop_closes_every_column(models, monkeypatch):
    pipe = models.load(models.default_model, "float32")
    runs = []
    denoise = pipe.denoise

    def recorded(*args, **kwargs):
        runs.append(denoise(*args, **kwargs))
        return runs[-1]

    monkeypatch.setattr(pipe, "denoise", recorded)
    stream = run_race(models, [("ddim", 200), ("unipc", 200), ("ddpm", 300)])
    outputs = [next(stream) for _ in range(1 + race.REFERENCE.num_steps + 1 + 30)]  # start, reference, 30 calls
    stream.close()  # what Stop does to the event's generator
    assert len(runs) == 4  # the reference and three columns
    assert all(run.gi_frame is None for run in runs)  # every run is closed: no column takes another step
    state = [out[-1] for out in outputs if isinstance(out[-1], race.RaceState)][-1]
    note = race.race_stopped(state)
    assert note.startswith("⏹ Stopped:") and "DDIM-200 at NFE" in note and "/300" in note
    assert is_skip(race.race_stopped(race.RaceState(finished=True)))
    assert "reference" in race.race_stopped(race.RaceState())


def test_bad_races_are_sentences(models):
    with pytest.raises(gr.Error, match="2 to 4 contenders; 1 chosen"):
        list(run_race(models, [("ddim", 4)]))
    with pytest.raises(gr.Error, match=r"contender 2 \(this model has T = 1000\) must be a whole number from 1"):
        list(run_race(models, [("ddim", 4), ("unipc", 5000)]))
    with pytest.raises(gr.Error, match="batch size"):
        list(run_race(models, batch_size=99))


def test_measured_quality_reads_the_csv_and_says_when_it_is_missing(tmp_path):
    missing = race.measured_quality(tmp_path / "quality.csv")
    assert missing.table.empty and "not there yet" in missing.caption
    path = tmp_path / "quality.csv"
    path.write_text(
        "sampler,steps,nfe,eta,spacing,dtype,n,confidence,coverage,max_min,kl,fd,seconds_per_16\n"
        "real,,,,,,400,0.99,1.0,1.2,0.01,0.5,\n"
        "ddim,10,10,0.0,leading,float32,400,0.9,1.0,1.5,0.02,8.0,0.5\n"
        "ddim,100,100,0.0,leading,float32,400,0.95,1.0,1.4,0.02,2.0,5.0\n"
        "unipc,10,10,0.0,leading,float32,400,0.93,1.0,1.4,0.02,4.0,0.5\n"
    )
    curves = race.measured_quality(path)
    floor = curves.table[curves.table["sampler"] == "real digits (floor)"]
    assert list(floor["FD"]) == [0.5, 0.5] and list(floor["NFE"]) == [10, 100]  # a flat line across the plot
    ddim = curves.table[curves.table["sampler"] == "DDIM"]
    assert list(ddim["NFE"]) == [10, 100] and np.allclose(ddim["log₁₀ FD"], np.log10([8.0, 2.0]))
    path.write_text("sampler,nfe\nddim,ten\n")
    assert "could not be read" in race.measured_quality(path).caption


def test_published_figures_keep_their_sources():
    curves = race.published_fid()
    ddim = curves.table[curves.table["method"] == "DDIM η = 0"]
    assert list(ddim["NFE"]) == [10, 20, 50, 100, 1000] and list(ddim["FID"]) == [13.36, 6.84, 4.67, 4.16, 4.04]
    sigma_hat = curves.table[curves.table["method"] == "DDPM σ̂ (σ² = β)"]
    assert list(sigma_hat["FID"]) == [367.43, 133.37, 32.72, 9.99, 3.17]
    assert "not measured here" in curves.caption and "DDIM, Table 1" in curves.caption


def test_the_panel_wires_the_race_its_stop_and_the_summary(tiny_model_dir):
    import app

    demo = app.build_demo(model=tiny_model_dir, device="cpu")
    fns = {fn.api_name: (index, fn) for index, fn in demo.fns.items()}
    run_race_fn, stopped = fns["race"][1], fns["race_stopped"][1]
    assert run_race_fn.concurrency_id == fns["sample"][1].concurrency_id == "heavy"
    assert stopped.trigger_after == fns["race"][0] and stopped.trigger_only_on_failure
    assert len(run_race_fn.outputs) == len(race.RaceUpdate().as_outputs())
