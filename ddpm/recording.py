"""Recorded reverse runs: a run's kept frames saved once, played back later without the network or the model's time.

A ``RunRequest`` is everything that decides a run's frames (the checkpoint's weights, the sampling options, the
seed, the batch, an SDEdit start image and its t). ``record_run`` runs it and writes the frames the app would keep
(the x_t and x̂₀ grids as PNG, lossless) with ``recording.json``: the request's key, the machine and the date.
``Recordings.scan(folder)`` reads every recording below a folder and ``find(key)`` gives the one a request matches,
so a talk can replay a slow run instantly, offline, frame for frame.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .errors import DDPMError
from .images import grid, to_uint8
from .pipeline import Pipeline
from .sampling import DenoiseStep, SamplingOptions
from .sdedit import sdedit_start

FORMAT = 1  # recording.json's layout version
MAX_FRAMES = 40  # frames kept per run, whatever the number of steps (the Reverse tab keeps as many)
_fingerprints: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # unet → its fingerprint


def kept_steps(num_steps: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """The run indices (0 = x_T … num_steps = final sample) kept: evenly spaced, both ends included."""
    n = min(num_steps + 1, max_frames)
    return [int(i) for i in np.linspace(0, num_steps, n).round()]


def model_fingerprint(pipe: Pipeline) -> str:
    """A short hash of the ε-network's float32 weights and the β table: the same checkpoint gives the same
    fingerprint on every machine, wherever its folder is and whatever precision runs it."""
    unet = pipe.unet
    if unet not in _fingerprints:
        digest = hashlib.sha256()
        for name, tensor in sorted(unet.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
        digest.update(pipe.schedule.betas.numpy().tobytes())
        _fingerprints[unet] = digest.hexdigest()[:16]
    return _fingerprints[unet]


@dataclass(frozen=True)
class RunRequest:
    """A reverse run as asked for: ``start`` (C, H, W) in [-1, 1] at the model's resolution noised to ``t_start``
    (SDEdit), or pure noise when None."""

    options: SamplingOptions
    seed: int
    batch_size: int
    start: torch.Tensor | None = field(default=None, compare=False)
    t_start: int | None = None

    def key(self, pipe: Pipeline) -> dict:
        """What a recording must match, as JSON values."""
        start = None
        if self.start is not None:
            start = hashlib.sha256(to_uint8(self.start[None]).tobytes()).hexdigest()[:16]
        return {
            "model": model_fingerprint(pipe),
            "options": dataclasses.asdict(self.options),
            "seed": self.seed,
            "batch_size": self.batch_size,
            "start": start,
            "t_start": self.t_start if self.start is not None else None,
        }

    def denoise(self, pipe: Pipeline) -> tuple[Iterator[DenoiseStep], int]:
        """The run's steps (``Pipeline.denoise``) and its number of steps K."""
        generator = torch.Generator().manual_seed(self.seed)
        if self.start is None:
            steps = pipe.denoise(self.batch_size, options=self.options, generator=generator)
            return steps, self.options.num_steps or len(self.options.timesteps(pipe.schedule.num_timesteps))
        x0 = self.start.expand(self.batch_size, *self.start.shape)  # (B, C, H, W)
        begin = sdedit_start(pipe.schedule, x0, self.t_start, self.options.num_steps, generator)
        steps = pipe.denoise(options=self.options, generator=generator, x_T=begin.x_t, timesteps=begin.timesteps)
        return steps, len(begin.timesteps)


@dataclass(frozen=True)
class RecordedFrame:
    step: int  # 0 is x_T, the last is the final sample
    timestep: int  # t of x_t; -1 for the final sample
    x_t: Path  # PNG of the batch's grid
    x0_pred: Path  # PNG of the grid of the model's x̂₀


@dataclass(frozen=True)
class Recording:
    folder: Path
    name: str  # the scene's name
    key: dict  # ``RunRequest.key``
    total: int  # K
    frames: tuple[RecordedFrame, ...]
    machine: str
    date: str  # ISO 8601, UTC
    seconds: float  # how long the live run took

    @property
    def when(self) -> str:
        """The date and time of the recording, to the minute: ``2026-12-02 15:48`` (UTC)."""
        return self.date[:16].replace("T", " ")

    @property
    def credit(self) -> str:
        return f"recorded on {self.machine}, {self.when} UTC"

    def write(self) -> Path:
        data = {
            "format": FORMAT,
            "name": self.name,
            "key": self.key,
            "total": self.total,
            "machine": self.machine,
            "date": self.date,
            "seconds": self.seconds,
            "frames": [
                {
                    "step": f.step,
                    "timestep": f.timestep,
                    "x_t": f.x_t.relative_to(self.folder).as_posix(),
                    "x0_pred": f.x0_pred.relative_to(self.folder).as_posix(),
                }
                for f in self.frames
            ],
        }
        path = self.folder / "recording.json"
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, folder: str | Path) -> Recording:
        """The recording in ``folder``; a ``DDPMError`` sentence when it is missing, damaged or of another format."""
        folder = Path(folder)
        try:
            data = json.loads((folder / "recording.json").read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise DDPMError(f"{folder}: recording format {data.get('format')!r}, this version reads {FORMAT}.")
            frames = tuple(
                RecordedFrame(int(f["step"]), int(f["timestep"]), folder / f["x_t"], folder / f["x0_pred"])
                for f in data["frames"]
            )
            missing = [p for f in frames for p in (f.x_t, f.x0_pred) if not p.is_file()]
            if missing or not frames:
                raise DDPMError(f"{folder}: the recording's frames are missing ({len(missing)} files).")
            return cls(
                folder, str(data["name"]), dict(data["key"]), int(data["total"]), frames, str(data["machine"]),
                str(data["date"]), float(data["seconds"]),
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DDPMError(f"{folder}: not a readable recording ({type(error).__name__}: {error}).") from None

    def images(self, index: int) -> tuple[Image.Image, Image.Image]:
        """Frame ``index``'s x_t and x̂₀ grids, as the live run showed them."""
        frame = self.frames[index]
        with Image.open(frame.x_t) as x_t, Image.open(frame.x0_pred) as x0_pred:
            return x_t.copy(), x0_pred.copy()


def machine_name() -> str:
    """The machine in a few words: the GPU if one ran, else the CPU's model and its cores."""
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu} ({os.cpu_count()} cores)"


def record_run(
    pipe: Pipeline, request: RunRequest, folder: str | Path, name: str, max_frames: int = MAX_FRAMES
) -> Recording:
    """Run ``request`` once and write its kept frames and ``recording.json`` into ``folder``."""
    folder = Path(folder)
    (folder / "frames").mkdir(parents=True, exist_ok=True)
    steps, total = request.denoise(pipe)
    kept = set(kept_steps(total, max_frames))
    frames = []
    began = time.perf_counter()
    for step in steps:
        if step.index in kept:
            pictures = []
            for part, x in (("x_t", step.x_t), ("x0", step.x0_pred)):
                path = folder / "frames" / f"{step.index:04d}-{part}.png"
                grid(to_uint8(x)).save(path, format="PNG")
                pictures.append(path)
            frames.append(RecordedFrame(step.index, step.timestep, *pictures))
    seconds = round(time.perf_counter() - began, 3)
    date = datetime.now(timezone.utc).isoformat(timespec="seconds")
    recording = Recording(folder, name, request.key(pipe), total, tuple(frames), machine_name(), date, seconds)
    recording.write()
    return recording


@dataclass(frozen=True)
class Recordings:
    """Every recording below a folder; ``notes`` says which folders could not be read."""

    recordings: tuple[Recording, ...] = ()
    notes: tuple[str, ...] = ()

    @classmethod
    def scan(cls, root: str | Path) -> Recordings:
        root = Path(root)
        if not root.is_dir():
            raise DDPMError(f"{root} is not a folder of recorded scenes.")
        found, notes = [], []
        for path in sorted(root.rglob("recording.json")):
            try:
                found.append(Recording.read(path.parent))
            except DDPMError as error:
                notes.append(str(error))
        return cls(tuple(found), tuple(notes))

    def find(self, key: dict) -> Recording | None:
        """The recording of exactly this request, if there is one."""
        key = json.loads(json.dumps(key))  # the JSON form the recordings were written in
        return next((r for r in self.recordings if r.key == key), None)
