"""Scene lists: the shipped one, YAML and JSON, keys 1–9, stale views kept with notes, broken files refused."""

import json

import pytest

from ddpm import DDPMError
from ui.scenes import DEFAULT_SCENES, SCENE_FILE, load_scenes
from ui.view import Contender, View


def test_the_shipped_scenes_load_cleanly_and_name_real_views():
    scenes = load_scenes(DEFAULT_SCENES)
    assert [scene.key for scene in scenes] == list(range(1, len(scenes) + 1)) and 3 <= len(scenes) <= 9
    assert all(scene.parsed.notes == () for scene in scenes), [scene.parsed.notes for scene in scenes]
    by_name = {scene.name: scene.view for scene in scenes}
    assert by_name["Cat at t = 250, cosine schedule"] == View(
        tab="forward", example="Cat (Chelsea)", t=250, schedule="cosine"
    )
    assert by_name["DDPM-1000 vs DPM-Solver-20 race"].race == (Contender("ddpm", 1000), Contender("dpmpp_2m", 20))
    sdedit = next(view for name, view in by_name.items() if name.startswith("SDEdit"))
    assert sdedit.tab == "reverse" and sdedit.start == "Digit 3 (MNIST)"


def test_json_keys_in_any_order_and_a_folder_s_scene_file(tmp_path):
    data = [{"key": 9, "name": "last", "view": {"tab": "schedules"}}, {"key": 2, "name": "t", "view": {"t": 5}}]
    (tmp_path / "talk.json").write_text(json.dumps(data))
    scenes = load_scenes(tmp_path / "talk.json")
    assert [(s.key, s.name, s.view) for s in scenes] == [(2, "t", View(t=5)), (9, "last", View(tab="schedules"))]
    (tmp_path / SCENE_FILE).write_text("scenes:\n  - name: first\n    view: {player: true}\n")
    assert load_scenes(tmp_path)[0].key == 1 and load_scenes(tmp_path)[0].view == View(player=True)


def test_a_stale_view_in_a_scene_keeps_its_note(tmp_path):
    (tmp_path / "old.yaml").write_text("scenes:\n  - name: old\n    view: {tab: forward, t: 4000, sampler: plms}\n")
    (scene,) = load_scenes(tmp_path / "old.yaml")
    assert scene.view == View(tab="forward", t=999) and len(scene.parsed.notes) == 2


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("scenes: 3", "expected a list of scenes"),
        ("scenes:\n  - view: {t: 1}", "needs a name"),
        ("scenes:\n  - {name: a, key: 0}", "key 0"),
        ("scenes:\n  - {name: a, key: 1}\n  - {name: b, key: 1}", "key 1"),
        ("scenes:\n  - {name: a, key: true}", "key True"),
        ("scenes:\n  - {name: a, view: [1, 2]}", "must be a mapping"),
        ("scenes: [" + ", ".join(f"{{name: s{i}}}" for i in range(10)) + "]", "at most 9 scenes"),
        ("scenes:\n  - {name: a\n", "not valid YAML"),
    ],
)
def test_a_broken_scene_file_is_one_sentence(tmp_path, text, says):
    path = tmp_path / "talk.yaml"
    path.write_text(text)
    with pytest.raises(DDPMError, match=says.replace("(", r"\(")):
        load_scenes(path)


def test_a_missing_scene_file_is_one_sentence(tmp_path):
    with pytest.raises(DDPMError, match="Cannot read the scene list"):
        load_scenes(tmp_path / "nowhere.yaml")
