"""Recorded races: `python -m ddpm record` records a race scene; the race panel plays it, moment for moment, with
the live race's pictures and numbers, instead of running it; a different race (or "run live") runs live."""

import numpy as np
import pytest
from PIL import Image

from ddpm import DDPMError
from ddpm.__main__ import main as cli
from ui import race
from ui.models import PipelineCache
from ui.pictures import FastPng
from ui.race_recording import FILE, RaceRecording, RaceRecordings

SCENES = (
    "scenes:\n"
    "  - {name: a race, view: {tab: race, race: 'ddim-3,unipc-4', seed: 2, batch: 2}}\n"
    "  - {name: forward, view: {tab: forward}}\n"
)


def race_of(models: PipelineCache, races=None, live=False, seed=2):
    updates = race.race(
        models.default_model, "exact", 2, seed, "ddim", 3, "unipc", 4, race.NO_CONTENDER, None,
        race.NO_CONTENDER, None, None, live, pipelines=models, png=FastPng(), recordings=races,
    )  # fmt: skip
    return list(updates)


def picture(value) -> np.ndarray:
    with Image.open(value) as image:
        return np.asarray(image).copy()


@pytest.fixture(scope="module")
def recorded(tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("talk") / "out"
    scenes = out.parent / "talk.yaml"
    scenes.write_text(SCENES)
    assert cli(["record", str(scenes), "--out", str(out), "--model", tiny_model_dir]) == 0
    return out


def test_the_record_command_records_the_race_scene(recorded, capsys):
    (found,) = RaceRecordings.scan(recorded).recordings
    assert found.name == "a race" and found.key["contenders"] == [["ddim", 3], ["unipc", 4]]
    assert found.key["seed"] == 2 and found.key["batch_size"] == 2 and len(found.moments) > 3
    assert RaceRecording.read(found.folder) == found


def test_a_recorded_race_plays_with_the_live_race_s_pictures_and_numbers(tiny_model_dir, recorded):
    models = PipelineCache(tiny_model_dir, device="cpu")
    races = RaceRecordings.scan(recorded)
    played, live = race_of(models, races), race_of(models, races, live=True)
    other = race_of(models, races, seed=3)
    status = lambda updates: updates[-1][0]  # noqa: E731
    assert "recorded on" in status(played) and "recorded on" not in status(live) + status(other)
    # the last update: each lane's picture (x_t over x̂₀) and readout, the finals, the result table, the state
    for lane in range(2):
        assert np.array_equal(picture(played[-1][1 + 2 * lane]), picture(live[-1][1 + 2 * lane]))
        assert played[-1][2 + 2 * lane].split(" · ")[:2] == live[-1][2 + 2 * lane].split(" · ")[:2]  # label, NFE
    assert np.array_equal(np.asarray(played[-1][10]), np.asarray(live[-1][10]))  # the finals
    assert played[-1][11].drop(columns="seconds").equals(live[-1][11].drop(columns="seconds"))
    state = played[-1][12]
    assert state.finished and [r.nfe for r in state.results] == [3, 4]
    assert race.race_stopped(state) == race.race_stopped(live[-1][12])  # a finished race: nothing to say


def test_a_damaged_race_recording_is_one_sentence(recorded, tmp_path):
    (found,) = RaceRecordings.scan(recorded).recordings
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / FILE).write_text("{not json")
    with pytest.raises(DDPMError, match="not a readable race recording"):
        RaceRecording.read(tmp_path / "bad")
    assert len(RaceRecordings.scan(tmp_path).notes) == 1 and found.credit.startswith("recorded on")


def test_a_race_recorded_in_english_plays_in_the_page_s_language(tiny_model_dir, recorded):
    from ui.i18n import reset_lang, use_lang

    models = PipelineCache(tiny_model_dir, device="cpu")
    races = RaceRecordings.scan(recorded)
    token = use_lang("ko")
    try:
        played, live = race_of(models, races), race_of(models, races, live=True)
    finally:
        reset_lang(token)
    for lane in range(2):  # each lane's readout as the live Korean race writes it, bar the seconds it took
        words = lambda text: [p for p in text.split(" · ") if not p.endswith(" s")]  # noqa: E731
        assert words(played[-1][2 + 2 * lane]) == words(live[-1][2 + 2 * lane])
        assert "RMS to ref" not in played[-1][2 + 2 * lane]
    assert list(played[-1][11].columns) == list(live[-1][11].columns)  # the table's column names, in Korean
    assert "sampler" not in played[-1][11].columns and "seconds" not in played[-1][11].columns
