"""A view of the app as a link names it: ``?tab=forward&example=cat&t=250&schedule=cosine``.

``View`` is a typed value (None: "as the page opens"); ``parse_view`` reads a link's query into the nearest valid
view and a note for each parameter it had to change or drop (never an error: a stale link in a talk still opens);
``View.query`` writes the link back. Pure Python: the page wiring lives in ``ui.presenter``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import get_args
from urllib.parse import urlencode

from ddpm.lab2d.data import DATASET_NAMES
from ddpm.options import SamplerName
from ddpm.schedule import SCHEDULE_KINDS

from .bundled_examples import EXAMPLES
from .models import BUNDLED_NAME, OLDER_NAMES

TABS = ("forward", "reverse", "race", "commit", "schedules", "lab2d")  # the Reverse tab's race and commit panels too
SAMPLERS = get_args(SamplerName)
LANGUAGES = ("en", "ko")
MAX_SEED = 2**32 - 1
T_MAX = 999  # t and t0 index a 1000-step chain (the bundled model's and the Forward tab's)
MAX_STEPS, MAX_BATCH = 1000, 64
MAX_CONTENDERS = 4
LAB_FIELDS = ("exact", "learned", "difference")  # the 2D lab's arrows: −ε*, −ε_θ, ε_θ − ε*
SAMPLER_ALIASES = {"dpmsolver": "dpmpp_2m", "dpmsolver2m": "dpmpp_2m", "dpmsolversde": "dpmpp_2m_sde", "uni": "unipc"}


def link_models(listed: Sequence[str]) -> dict[str, str]:
    """The names a link may give the models a page lists: each one's own, ``bundled`` for the default bundled
    model, and the older name links made before the bundled models had names."""
    return {"bundled": BUNDLED_NAME, **OLDER_NAMES, **{name: name for name in listed}}


def short_names(models: Mapping[str, str]) -> dict[str, str]:
    """Model → the shortest name a link may write for it."""
    shortest: dict[str, str] = {}
    for name, model in models.items():
        if model not in shortest or len(name) < len(shortest[model]):
            shortest[model] = name
    return shortest


def slug(text: str) -> str:
    """``"Cat (Chelsea)"`` → ``"cat-chelsea"``: what a link writes for a name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass(frozen=True)
class Contender:
    sampler: str
    steps: int

    def __str__(self) -> str:
        return f"{self.sampler}-{self.steps}"


@dataclass(frozen=True)
class View:
    """What a link sets; None leaves that control as the page opens."""

    tab: str | None = None
    model: str | None = None  # Reverse tab: one of the models the page lists
    sampler: str | None = None
    steps: int | None = None
    seed: int | None = None
    batch: int | None = None
    t: int | None = None  # Forward tab's t (the 2D lab's when the tab is lab2d)
    schedule: str | None = None  # Forward tab's noise schedule
    example: str | None = None  # Forward tab's image (a bundled example's name)
    start: str | None = None  # Reverse tab: SDEdit from this bundled example …
    t0: int | None = None  # … noised to this t
    race: tuple[Contender, ...] | None = None  # the Sampler race's contenders
    schedules: tuple[str, ...] | None = None  # the Schedule explorer's schedules
    data: str | None = None  # the 2D lab's data set …
    field: str | None = None  # … and its arrows (LAB_FIELDS)
    lang: str | None = None
    player: bool | None = None  # open the full-screen player

    def query(self, models: Mapping[str, str] | None = None) -> str:
        """The link's query string (``?`` not included), parameters in field order; names as slugs. ``models``
        maps a model's name to the short name a link writes (default: the name itself)."""
        pairs = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name in ("example", "start"):
                value = slug(value)
            elif f.name == "model":
                value = (models or {}).get(value, value)
            elif f.name in ("race", "schedules"):
                value = ",".join(map(str, value))
            elif f.name == "player":
                value = int(value)
            pairs.append((f.name, value))
        return urlencode(pairs)

    def merged(self, other: View) -> View:
        """This view with ``other``'s set fields on top."""
        return replace(self, **{f.name: v for f in fields(other) if (v := getattr(other, f.name)) is not None})


@dataclass(frozen=True)
class ParsedView:
    view: View
    notes: tuple[str, ...] = ()  # one per parameter changed or dropped

    @property
    def note(self) -> str:
        """One line for the page: empty when the link was read as written."""
        return "" if not self.notes else "Link: " + "; ".join(self.notes) + "."


class _Reader:
    """Reads one query parameter after another into typed values, noting what it had to change."""

    def __init__(self, query: Mapping[str, str | Sequence[str]]):
        self.query = {k: (v[-1] if isinstance(v, (list, tuple)) else v) for k, v in query.items()}
        self.notes: list[str] = []

    def text(self, name: str) -> str | None:
        value = self.query.get(name)
        return None if value is None or not str(value).strip() else str(value).strip()

    def choice(self, name: str, choices: Sequence[str], aliases: Mapping[str, str] | None = None) -> str | None:
        """The choice a value names: exactly, by its slug or an alias, else the closest one (noted), else None."""
        value = self.text(name)
        if value is None:
            return None
        squashed = {_squash(c): c for c in choices} | {_squash(k): v for k, v in (aliases or {}).items()}
        if _squash(value) in squashed:
            return squashed[_squash(value)]
        near = [c for key, c in squashed.items() if key.startswith(_squash(value)) and _squash(value)]
        near = near or [squashed[k] for k in difflib.get_close_matches(_squash(value), list(squashed), 1, 0.6)]
        if near:
            self.notes.append(f"{name} “{value}” read as “{near[0]}”")
            return near[0]
        self.notes.append(f"unknown {name} “{value}” ignored")
        return None

    def whole(self, name: str, low: int, high: int) -> int | None:
        """A whole number in [low, high]: clamped (noted) when outside, None (noted) when not a number."""
        value = self.text(name)
        if value is None:
            return None
        try:
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
        except ValueError:
            self.notes.append(f"{name} “{value}” is not a number: ignored")
            return None
        whole = min(max(round(number), low), high)
        if whole != number:
            self.notes.append(f"{name} {value} → {whole} (allowed: {low}…{high})")
        return whole

    def flag(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        self.notes.append(f"{name} “{value}” is not 1 or 0: ignored")
        return None

    def choices(self, name: str, choices: Sequence[str]) -> tuple[str, ...] | None:
        """A comma-separated list of choices (``cosine,linear``), each read as ``choice`` reads one; at least one."""
        value = self.text(name)
        if value is None:
            return None
        found = []
        for part in value.split(",")[: len(choices) + 1]:
            sub = _Reader({name: part})
            found.append(sub.choice(name, choices))
            self.notes += sub.notes
        kept = tuple(dict.fromkeys(c for c in found if c is not None))
        return kept or None

    def contenders(self, name: str) -> tuple[Contender, ...] | None:
        """``ddpm-1000,dpmpp_2m-20``: 2 to 4 sampler-steps pairs; bad pairs dropped (noted)."""
        value = self.text(name)
        if value is None:
            return None
        found = []
        for part in value.split(",")[: MAX_CONTENDERS + 1]:
            sampler, _, steps = part.strip().rpartition("-")
            sub = _Reader({"sampler": sampler, "steps": steps})
            pair = sub.choice("sampler", SAMPLERS, SAMPLER_ALIASES), sub.whole("steps", 1, MAX_STEPS)
            self.notes += [f"race: {note}" for note in sub.notes]
            if None not in pair:
                found.append(Contender(*pair))
        if len(found) > MAX_CONTENDERS:
            self.notes.append(f"race: at most {MAX_CONTENDERS} contenders, the first {MAX_CONTENDERS} kept")
            found = found[:MAX_CONTENDERS]
        if len(found) < 2:
            self.notes.append("race: a race needs 2 to 4 contenders “sampler-steps”: ignored")
            return None
        return tuple(found)


def parse_view(query: Mapping[str, str | Sequence[str]], models: Mapping[str, str] | None = None) -> ParsedView:
    """The nearest valid view to a link's query parameters. ``models`` maps the names a link may use for a model
    (its own name or a short one) to the model; any other model is dropped with a note."""
    reader = _Reader(query)
    examples = {slug(name): name for name in EXAMPLES}
    known = {f.name for f in fields(View)}
    view = View(
        tab=reader.choice("tab", TABS),
        model=reader.choice("model", list(dict.fromkeys((models or {}).values())), models or {}),
        sampler=reader.choice("sampler", SAMPLERS, SAMPLER_ALIASES),
        steps=reader.whole("steps", 1, MAX_STEPS),
        seed=reader.whole("seed", 0, MAX_SEED),
        batch=reader.whole("batch", 1, MAX_BATCH),
        t=reader.whole("t", 0, T_MAX),
        schedule=reader.choice("schedule", SCHEDULE_KINDS),
        example=reader.choice("example", list(EXAMPLES), examples),
        start=reader.choice("start", list(EXAMPLES), examples),
        t0=reader.whole("t0", 0, T_MAX),
        race=reader.contenders("race"),
        schedules=reader.choices("schedules", SCHEDULE_KINDS),
        data=reader.choice("data", DATASET_NAMES),
        field=reader.choice("field", LAB_FIELDS),
        lang=reader.choice("lang", LANGUAGES),
        player=reader.flag("player"),
    )
    unknown = sorted(set(reader.query) - known - {"__theme"})  # Gradio's own ?__theme=dark stays Gradio's
    if unknown:
        reader.notes.append(f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} ignored")
    return ParsedView(view, tuple(reader.notes))
