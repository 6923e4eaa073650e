"""Scenes: named views for the keys 1–9, read from a small YAML or JSON file (``scenes/default.yaml`` ships).

    scenes:
      - key: 1                      # optional: the scene's place in the list otherwise
        name: Cat at t = 250, cosine
        view: {tab: forward, example: cat-chelsea, t: 250, schedule: cosine}   # a link's parameters

A scene's view is read like a link (``ui.view.parse_view``): a stale parameter becomes the nearest valid one and a
note. A file that is not a list of scenes is one ``DDPMError`` sentence. Pure Python, like ``ui.view``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from ddpm import DDPMError

from .view import ParsedView, View, parse_view

SCENES_DIR = Path(__file__).resolve().parent.parent / "scenes"
DEFAULT_SCENES = SCENES_DIR / "default.yaml"
SCENE_FILE = "scenes.yaml"  # the scene list inside a folder of recorded scenes (``python -m ddpm record … --out``)
KEYS = range(1, 10)


@dataclass(frozen=True)
class Scene:
    key: int  # 1–9
    name: str
    parsed: ParsedView

    @property
    def view(self) -> View:
        return self.parsed.view


def scene_file(path: str | Path) -> Path:
    """The scene list a ``--scenes`` argument names: the file itself, or a folder's ``scenes.yaml``."""
    path = Path(path).expanduser()
    return path / SCENE_FILE if path.is_dir() else path


def _read(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except OSError as error:
        raise DDPMError(f"Cannot read the scene list {path}: {error.strerror or error}.") from None
    except (ValueError, yaml.YAMLError) as error:
        raise DDPMError(f"The scene list {path} is not valid {path.suffix[1:].upper() or 'YAML'}: {error}") from None


def load_scenes(path: str | Path = DEFAULT_SCENES, models: dict[str, str] | None = None) -> list[Scene]:
    """The scenes of a YAML/JSON file (or a folder's ``scenes.yaml``), keys 1–9 each at most once."""
    path = scene_file(path)
    data = _read(path)
    entries = data.get("scenes") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise DDPMError(f"{path}: expected a list of scenes under “scenes:”.")
    if len(entries) > len(KEYS):
        raise DDPMError(f"{path}: at most {len(KEYS)} scenes (keys 1–9); found {len(entries)}.")
    scenes: dict[int, Scene] = {}
    for place, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise DDPMError(f"{path}: scene {place} needs a name (and a view).")
        key, view = entry.get("key", place), entry.get("view") or {}
        if not isinstance(key, int) or isinstance(key, bool) or key not in KEYS or key in scenes:
            raise DDPMError(f"{path}: scene “{entry['name']}” has key {key!r}: each key is 1–9, used once.")
        if not isinstance(view, dict):
            raise DDPMError(f"{path}: the view of scene “{entry['name']}” must be a mapping of link parameters.")
        query = {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in view.items()}
        scenes[key] = Scene(key, entry["name"].strip(), parse_view(query, models))
    return sorted(scenes.values(), key=lambda scene: scene.key)
