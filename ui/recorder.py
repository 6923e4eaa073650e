"""Recording a talk's scenes: each Reverse-tab run and each Sampler race run once, as the tab would run it, what
it showed kept on disk.

``request_of`` turns a scene's view into the ``RunRequest`` the Reverse tab sends for it (the widgets' defaults for
what the view leaves out); ``record_scenes`` records every such scene into a folder, with the scene list beside
them, for ``python app.py --scenes FOLDER``: runs by ``ddpm.recording``, races by ``ui.race_recording``. Scenes of
other tabs are instant already and are not recorded. ``python -m ddpm record`` runs it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from ddpm import Pipeline
from ddpm.images import from_pil
from ddpm.recording import Recording, RunRequest, record_run

from .bundled_examples import load_example
from .race import RACE_BATCH, Contender
from .race_recording import RaceRecording, record_race
from .scenes import SCENE_FILE, Scene, scene_file
from .view import View, slug

DEFAULT_SEED, DEFAULT_BATCH, DEFAULT_T0 = 0, 16, 500  # the Reverse tab's widgets as the page opens


def example_start(name: str, pipe: Pipeline):
    """A bundled example at the model's resolution and channels, (C, H, W) in [-1, 1], as the Reverse tab's run
    makes it of the same file uploaded (the examples are smaller than the upload limit, so no shrinking)."""
    C, H, _ = pipe.image_shape
    return from_pil(load_example(name).open(), H, channels=C)


def request_of(view: View, pipe: Pipeline) -> RunRequest:
    """The run the Reverse tab asks for after ``view`` is applied and Run pressed: η, variance and clipping as its
    widgets open (the checkpoint's defaults), steps as the view says or the default's."""
    defaults = pipe.default_options
    T = pipe.schedule.num_timesteps
    options = pipe.options(
        sampler=view.sampler or defaults.sampler,
        num_steps=min(view.steps or len(defaults.timesteps(T)), T),
        eta=defaults.eta,
        variance_type=defaults.variance_type,
        clip_sample=defaults.clip_sample,
    )
    seed = DEFAULT_SEED if view.seed is None else view.seed
    batch = view.batch or DEFAULT_BATCH
    if view.start is None:
        return RunRequest(options, seed, batch)
    t0 = min(DEFAULT_T0 if view.t0 is None else view.t0, T - 1)
    return RunRequest(options, seed, batch, example_start(view.start, pipe), t0)


def records(scene: Scene) -> bool:
    """Whether ``python -m ddpm record`` records this scene: a Reverse-tab run, or a race."""
    return scene.view.tab == "reverse" or (scene.view.tab == "race" and scene.view.race is not None)


def record_race_scene(scene: Scene, pipe: Pipeline, folder: Path) -> RaceRecording:
    """The race a scene names, with the panel's seed and batch where the view leaves them out."""
    view = scene.view
    contenders = [Contender(c.sampler, min(c.steps, pipe.schedule.num_timesteps)) for c in view.race]
    seed = DEFAULT_SEED if view.seed is None else view.seed
    return record_race(pipe, contenders, seed, view.batch or RACE_BATCH, folder, scene.name)


def record_scenes(
    scenes: list[Scene],
    source: str | Path,
    out: str | Path,
    load: Callable[[str | None], Pipeline],
    say: Callable[[str], None] = print,
) -> list[Recording | RaceRecording]:
    """Record each Reverse-tab scene into ``out/<key>-<name>/`` (``load(model)`` gives its pipeline) and copy the
    scene list beside them as ``out/scenes.yaml``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(scene_file(source), out / SCENE_FILE)
    done = []
    for scene in scenes:
        if not records(scene):
            say(f"{scene.key} {scene.name}: {scene.view.tab or 'forward'} tab, runs live (not recorded)")
            continue
        pipe = load(scene.view.model)
        folder = out / f"{scene.key}-{slug(scene.name)}"
        if scene.view.tab == "race":
            race = record_race_scene(scene, pipe, folder)
            say(f"{scene.key} {scene.name}: a race, {len(race.moments)} moments in {race.seconds:.1f} s → {folder}")
            done.append(race)
            continue
        recording = record_run(pipe, request_of(scene.view, pipe), folder, scene.name)
        say(f"{scene.key} {scene.name}: {len(recording.frames)} frames in {recording.seconds:.1f} s → {folder}")
        done.append(recording)
    return done
