"""Recorded races: a Sampler-race scene run once by ``python -m ddpm record``, every moment the page showed kept on
disk, played back instantly and offline by ``python app.py --scenes FOLDER``.

A race's moments are its ``RaceUpdate``s that change what the page shows (the empty ones, yielded so that Stop takes
effect at every network call, are dropped): the status line, each lane's picture and readout, the distance curve,
the finals and the result table. ``race.json`` holds them with the race's key (``ui.race.race_key``: checkpoint,
contenders, seed, batch), the machine and the date; the pictures (PNG, lossless) sit beside it.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd
from PIL import Image

from ddpm import DDPMError, Pipeline
from ddpm.device import dtype_name
from ddpm.recording import machine_name

from .i18n import localize, localized, say
from .outputs import SKIP
from .pictures import FastPng
from .race import (
    Contender,
    LaneResult,
    LanesView,
    LaneView,
    RaceState,
    RaceUpdate,
    ReferenceKey,
    distance_frame,
    localize_readout,
    race_key,
    race_run,
)

FORMAT = 1
FILE = "race.json"
PLAY_MOMENT_S = 0.05  # a recorded race plays at 20 moments a second


@dataclass(frozen=True)
class Lane:
    """One lane's change at a moment: a picture file (relative to the recording), a cleared picture with a new
    label, and/or a readout; None: unchanged."""

    picture: str | None = None
    clear_label: str | None = None
    readout: str | None = None


@dataclass(frozen=True)
class Moment:
    status: str | None
    lanes: tuple[Lane, ...]
    distances: list | None  # rows (contender, NFE, RMS to reference)
    finals: str | None  # PNG file
    table: dict | None  # pandas "split" orientation
    results: list | None  # LaneResult fields, per lane


def _moment(update: RaceUpdate, folder: Path, index: int) -> Moment | None:
    """What ``update`` shows, its pictures copied into ``folder``; None when it shows nothing new."""
    lanes = []
    for k, view in enumerate(update.lanes.values()):
        picture = clear = readout = None
        if isinstance(view.picture, str):
            picture = f"frames/{index:04d}-{k}.png"
            Path(folder / picture).write_bytes(Path(view.picture).read_bytes())
        elif isinstance(view.picture, dict):  # gr.update(value=None, label=…): the lane starts empty
            clear = str(view.picture.get("label", ""))
        if view.readout is not SKIP:
            readout = view.readout
        lanes.append(Lane(picture, clear, readout))
    finals = None
    if update.finals is not SKIP:
        finals = f"frames/{index:04d}-finals.png"
        update.finals.save(folder / finals, format="PNG")
    moment = Moment(
        None if update.status is SKIP else update.status,
        tuple(lanes),
        None if update.distances is SKIP else update.distances.values.tolist(),
        finals,
        None if update.table is SKIP else update.table.to_dict(orient="split"),
        None if update.state is SKIP else [dataclasses.asdict(r) for r in update.state.results],
    )
    empty = Moment(None, tuple(Lane() for _ in lanes), None, None, None, None)
    return None if moment == empty else moment


@dataclass(frozen=True)
class RaceRecording:
    folder: Path
    name: str  # the scene's name
    key: dict  # ``ui.race.race_key``
    machine: str
    date: str  # ISO 8601, UTC
    seconds: float  # how long the live race took
    moments: tuple[Moment, ...]

    @property
    def credit(self) -> str:
        return say("recorded on {}, {} UTC", self.machine, self.date[:16].replace("T", " "))

    def write(self) -> Path:
        fields = ("name", "key", "machine", "date", "seconds")
        data = {"format": FORMAT, **{name: getattr(self, name) for name in fields}}
        data["moments"] = [dataclasses.asdict(m) for m in self.moments]
        path = self.folder / FILE
        path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, folder: str | Path) -> RaceRecording:
        """The recording in ``folder``; a ``DDPMError`` sentence when it is missing, damaged or of another format."""
        folder = Path(folder)
        try:
            data = json.loads((folder / FILE).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise DDPMError(f"{folder}: race recording format {data.get('format')!r}, this version reads {FORMAT}.")
            moments = tuple(
                Moment(**{**m, "lanes": tuple(Lane(**lane) for lane in m["lanes"])}) for m in data["moments"]
            )
            files = [folder / f for m in moments for f in [m.finals, *(lane.picture for lane in m.lanes)] if f]
            if not moments or not all(f.is_file() for f in files):
                raise DDPMError(f"{folder}: the race recording's pictures are missing.")
            return cls(
                folder, str(data["name"]), dict(data["key"]), str(data["machine"]), str(data["date"]),
                float(data["seconds"]), moments,
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DDPMError(f"{folder}: not a readable race recording ({type(error).__name__}: {error}).") from None

    def play(self, png: FastPng) -> Iterator[RaceUpdate]:
        """The race as ``ui.race.race`` showed it, a moment every PLAY_MOMENT_S, the credit in the status line."""
        credit = f"<small class='recorded-credit'>{self.credit}</small>"
        state = RaceState()
        for index, moment in enumerate(self.moments):
            views = []
            for lane in moment.lanes:
                picture = SKIP
                if lane.picture:
                    with Image.open(self.folder / lane.picture) as image:
                        picture = png(np.asarray(image))
                elif lane.clear_label is not None:
                    picture = gr.update(value=None, label=lane.clear_label)
                views.append(LaneView(picture, SKIP if lane.readout is None else localize_readout(lane.readout)))
            if moment.results is not None:
                state.results = [LaneResult(**r) for r in moment.results]
            state.finished = index == len(self.moments) - 1
            finals = SKIP
            if moment.finals:
                with Image.open(self.folder / moment.finals) as image:
                    finals = image.copy()
            yield RaceUpdate(
                SKIP if moment.status is None else f"{localize(moment.status)} · {credit}",
                LanesView.of(views),
                SKIP if moment.distances is None else distance_frame([tuple(row) for row in moment.distances]),
                finals,
                SKIP if moment.table is None else localized(pd.DataFrame(**moment.table)),
                state,
            )
            time.sleep(PLAY_MOMENT_S)


def record_race(
    pipe: Pipeline, contenders: list[Contender], seed: int, batch_size: int, folder: str | Path, name: str
) -> RaceRecording:
    """Run the race once, as the page runs it, and write its moments and ``race.json`` into ``folder``."""
    folder = Path(folder)
    (folder / "frames").mkdir(parents=True, exist_ok=True)
    key = ReferenceKey("recorded", dtype_name(pipe.dtype), seed, batch_size)
    began = time.perf_counter()
    moments = []
    for update in race_run(pipe, key, contenders, RaceState(), FastPng()):
        moment = _moment(update, folder, len(moments))
        if moment is not None:
            moments.append(moment)
    seconds = round(time.perf_counter() - began, 3)
    date = datetime.now(timezone.utc).isoformat(timespec="seconds")
    recording = RaceRecording(
        folder, name, race_key(pipe, contenders, seed, batch_size), machine_name(), date, seconds, tuple(moments)
    )
    recording.write()
    return recording


@dataclass(frozen=True)
class RaceRecordings:
    """Every race recording below a folder; ``notes`` says which could not be read."""

    recordings: tuple[RaceRecording, ...] = ()
    notes: tuple[str, ...] = ()

    @classmethod
    def scan(cls, root: str | Path) -> RaceRecordings:
        found, notes = [], []
        for path in sorted(Path(root).rglob(FILE)):
            try:
                found.append(RaceRecording.read(path.parent))
            except DDPMError as error:
                notes.append(str(error))
        return cls(tuple(found), tuple(notes))

    def find(self, key: dict) -> RaceRecording | None:
        key = json.loads(json.dumps(key))
        return next((r for r in self.recordings if r.key == key), None)
