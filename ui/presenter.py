"""Presenter mode: links that restore a view, scenes on the keys 1–9, "Copy link to this view", the key overlay and
the full-screen player.

The keys themselves are JavaScript (``ui/static/presenter.js``, loaded through ``launch(head=...)``, Gradio's own
hook: Gradio has no hotkeys of its own): they move the page's sliders and press its buttons, and open the player,
which mirrors the pictures of the tab on show. Everything a link or a scene sets goes through one Python function,
``apply``: a ``ParsedView`` (``ui.view``) in, the controls' new values out; the page load runs it on the address's
query, a scene key on its scene.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

import gradio as gr

from . import forward, lab2d
from .bundled_examples import load_example
from .i18n import built, localize, say, t
from .inputs import OptionalWhole
from .lab2d import LabTab
from .models import PipelineCache
from .race import NO_CONTENDER, RacePanel
from .reverse import ReverseTab
from .scenes import Scene
from .schedules import Parameters
from .view import TABS, Contender, ParsedView, View, link_models, parse_view, short_names

STATIC = Path(__file__).resolve().parent / "static"
PANELS = {"reverse": "rev-run-tab", "commit": "rev-commit-tab", "race": "rev-race-tab"}  # the Reverse tab's own tabs
KEYS = [  # (keys, what they do): the "?" overlay
    ("Space", "play / pause: the run or its replay (Reverse), t (Forward, 2D lab), the race"),
    ("R", "run again (Reverse, race, 2D lab)"),
    ("← →", "one step of t (Forward, 2D lab) or one frame of the replay (Reverse)"),
    ("Shift + ← →", "ten steps or frames"),
    ("Home End", "first / last t or frame"),
    ("F", "full-screen player; Esc leaves it"),
    ("L", "light or dark stage in the player"),
    ("1 – 9", "jump to a scene"),
    ("?", "this list"),
]


def page_head() -> str:
    """The ``<script>`` for ``launch(head=...)``."""
    return f"<script>{(STATIC / 'presenter.js').read_text(encoding='utf-8')}</script>"


def page_css() -> str:
    return (STATIC / "presenter.css").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Page:
    """The components a view sets, from each tab."""

    tabs: gr.Tabs  # the app's tabs …
    tab: dict[str, gr.Tab]  # … by id: forward, reverse, schedules, lab2d
    forward: forward.ForwardTab
    reverse: ReverseTab
    schedules: Parameters
    lab: LabTab
    pipelines: PipelineCache

    @property
    def race(self) -> RacePanel:
        return self.reverse.race

    def models(self) -> dict[str, str]:
        """The names a link may give the models this page lists."""
        return link_models(self.pipelines.policy.listed())


@dataclass(frozen=True)
class Presenter:
    """The presenter's own components (created by ``build``)."""

    note: gr.Markdown  # one line: how a link or a scene was read
    keys: gr.HTML  # the "?" overlay
    link: gr.Textbox  # the last copied link
    copy: gr.Button
    help_button: gr.Button
    applied: gr.Textbox  # hidden: the query of the view just applied, for the script (address bar, player)
    scene_key: OptionalWhole  # hidden: the scene key the script asks for
    scene_go: gr.Button  # hidden: pressed by the script
    lang: gr.Textbox  # hidden: the page's ?lang=, for the copied link
    main_tab: gr.State
    panel: gr.State


CLOSING = "Keys do nothing while you type in a field. ? or Esc closes this."


def key_help(scenes: list[Scene], say: Callable[[str], str] = str) -> str:
    """The "?" overlay: the keys, then the scenes; its words through ``say`` (``ui.i18n.built`` gives one per
    language)."""
    rows = "".join(f"<tr><td><kbd>{escape(k)}</kbd></td><td>{escape(say(w))}</td></tr>" for k, w in KEYS)
    items = (
        "".join(f"<li><kbd>{scene.key}</kbd> {escape(scene.name)}</li>" for scene in scenes)
        or f"<li>{escape(say('No scenes: start the app with --scenes FILE.'))}</li>"
    )
    return (
        f"<div class='ddpm-card' role='dialog' aria-label='{escape(say('Keys'))}'>"
        f"<h2>{escape(say('Keys'))}</h2><table>{rows}</table>"
        f"<h3>{escape(say('Scenes'))}</h3><ul class='ddpm-scenes'>{items}</ul>"
        f"<p class='ddpm-small'>{escape(say(CLOSING))}</p>"
        "</div>"
    )


PLAYER = """
<div class="ddpm-stage" data-stage="dark">
  <div class="ddpm-player-top"><span class="ddpm-player-title"></span>
    <button type="button" class="ddpm-player-light" title="L">◐</button>
    <button type="button" class="ddpm-player-close" title="Esc">✕</button></div>
  <div class="ddpm-player-pictures">
    <figure><img class="ddpm-player-left" alt=""><figcaption class="ddpm-player-left-label">x_t</figcaption></figure>
    <figure><img class="ddpm-player-right" alt=""><figcaption class="ddpm-player-right-label">x̂₀</figcaption></figure>
  </div>
  <div class="ddpm-player-readout"><span class="ddpm-player-step"></span><span class="ddpm-player-t"></span></div>
  <div class="ddpm-player-bar"><div class="ddpm-player-fill"></div></div>
  <div class="ddpm-player-credit"></div>
</div>
"""


def build(scenes: list[Scene]) -> Presenter:
    """The presenter's components (a row under the header, the overlays); ``wire`` connects them once the tabs are
    built."""
    with gr.Row(elem_id="presenter-bar", equal_height=True):
        copy = gr.Button(t("Copy link to this view"), size="sm", scale=0, min_width=220, elem_id="copy-link")
        link = gr.Textbox(
            label=t("Link to this view"),
            show_label=False,
            interactive=False,
            scale=3,
            elem_id="view-link",
            container=False,
        )
        help_button = gr.Button(t("? keys"), size="sm", scale=0, min_width=100, elem_id="show-keys")
    note = gr.Markdown("", elem_id="link-note")
    keys = gr.HTML(built(lambda say: key_help(scenes, say)), elem_id="key-help")
    gr.HTML(PLAYER, elem_id="player")
    hidden = {"visible": False}
    presenter = Presenter(
        note,
        keys,
        link,
        copy,
        help_button,
        gr.Textbox(**hidden),
        # checked: an API caller may send anything
        OptionalWhole(None, label=t("Scene key"), minimum=0, maximum=9, **hidden),
        gr.Button("scene", elem_id="scene-go", elem_classes=["ddpm-hidden"]),
        gr.Textbox(**hidden),
        gr.State("forward"),
        gr.State(PANELS["reverse"]),
    )
    return presenter


# ------------------------------------------------------------------------------------------------------ applying
def _forward_outputs(page: Page) -> list:
    f = page.forward
    return [f.state, *f.views.all(), f.source.example, f.source.kind, f.source.t]


def _reverse_outputs(page: Page) -> list:
    c = page.reverse.controls
    start = [c.begin.start, c.begin.upload, c.begin.t_start]
    return [c.choice, page.reverse.in_use, c.sampler, c.steps, c.seed, c.batch, *start]


def _race_outputs(page: Page) -> list:
    slots = [component for slot in page.race.slots for component in (slot.sampler, slot.steps)]
    return [*slots, page.race.seed, page.race.batch]


def outputs(page: Page, presenter: Presenter) -> list:
    """Every component ``apply`` may set."""
    own = [presenter.note, presenter.applied, presenter.main_tab, presenter.panel]
    return [
        page.tabs,
        page.reverse.panels,
        *own,
        *_forward_outputs(page),
        *_reverse_outputs(page),
        *_race_outputs(page),
        page.schedules.kinds,
        page.lab.data,
        page.lab.t,
        page.lab.field,
    ]


@dataclass(frozen=True)
class PageNow:
    """What the page shows when a link or scene arrives, that applying it depends on: the Forward tab's size, mode,
    schedule, t and state (an example the view loads is shown with them), the 2D lab's data and its ε_θ."""

    size: str
    mode: str
    kind: str
    t: int
    state: object
    lab_cloud: object  # ui.lab2d.Cloud
    lab_learned: object  # ui.lab2d.Learned or None


def apply(page: Page, presenter: Presenter, parsed: ParsedView, current: PageNow, title: str = "") -> dict:
    """The new values of the components ``parsed.view`` sets (a dict: the others stay as they are), given what the
    page shows ``current``ly."""
    view = parsed.view
    updates: dict = {}
    if view.tab is not None:
        main = view.tab if view.tab in ("forward", "schedules", "lab2d") else "reverse"
        updates[page.tabs] = gr.Tabs(selected=main)
        updates[presenter.main_tab] = main
        if main == "reverse":
            updates[page.reverse.panels] = gr.Tabs(selected=PANELS[view.tab])
            updates[presenter.panel] = PANELS[view.tab]
    updates |= _apply_forward(page, view, current)
    updates |= _apply_race(page, view) if view.tab == "race" else _apply_reverse(page, view)
    lab_updates, lab_notes = _apply_lab(page, view, current)
    updates |= lab_updates
    if view.schedules is not None:
        updates[page.schedules.kinds] = list(view.schedules)
    notes = [localize(note) for note in [*parsed.notes, *lab_notes]]
    line = "; ".join(filter(None, [title, *notes]))
    updates[presenter.note] = say("Link: {}.", line) if notes else line
    updates[presenter.applied] = view.query(short_names(page.models()))
    return updates


def _apply_forward(page: Page, view: View, current: PageNow) -> dict:
    source, updates = page.forward.source, {}
    kind = view.schedule or current.kind
    t_value = current.t if view.t is None else view.t
    if view.example is not None:  # the new state and all its views at once, so that the events the new values
        # trigger (example, schedule, t) all see the new state, in whatever order they finish
        shown = forward.load_example_image(
            view.example, current.size, current.mode, kind, t_value, current.state, page.pipelines
        )
        updates |= dict(zip([page.forward.state, *page.forward.views.all()], shown, strict=True))
        updates[source.example] = view.example
    if view.schedule is not None:
        updates[source.kind] = view.schedule
    if view.t is not None and view.tab != "lab2d":
        updates[source.t] = view.t
    return updates


def _apply_lab(page: Page, view: View, current: PageNow) -> tuple[dict, list[str]]:
    """The 2D lab's data set and arrows, and its t when the link's tab is the lab; and a note when the arrows asked
    for need an ε_θ this session has not trained on that data (the exact field is shown instead)."""
    updates, notes = {}, []
    if view.data is not None:
        updates[page.lab.data] = view.data
    if view.field is not None:
        field = view.field
        if field != "exact" and not lab2d.model_fits(current.lab_learned, current.lab_cloud, view.data):
            label = lab2d.field_label(field)
            notes.append(f"the 2D lab's “{label}” arrows need ε_θ trained on this data (“Train ε_θ”): exact shown")
            field = "exact"
        updates[page.lab.field] = field
    if view.t is not None and view.tab == "lab2d":
        updates[page.lab.t] = view.t
    return updates, notes


def _apply_reverse(page: Page, view: View) -> dict:
    c, updates = page.reverse.controls, {}
    if view.model is not None:
        updates[c.choice] = view.model
        updates[page.reverse.in_use] = view.model
    for component, value in ((c.sampler, view.sampler), (c.steps, view.steps), (c.seed, view.seed)):
        if value is not None:
            updates[component] = value
    if view.batch is not None:
        updates[c.batch] = view.batch
    if view.tab == "reverse":  # a run the link names starts where it says: from noise unless it names a start
        updates[c.begin.start] = "noise" if view.start is None else "image"
        if view.start is not None:
            updates[c.begin.upload] = str(load_example(view.start).path)
    if view.t0 is not None:
        updates[c.begin.t_start] = view.t0
    return updates


def _apply_race(page: Page, view: View) -> dict:
    race, updates = page.race, {}
    if view.race is not None:
        slots = list(view.race) + [None] * (len(race.slots) - len(view.race))
        for slot, contender in zip(race.slots, slots, strict=True):
            updates[slot.sampler] = NO_CONTENDER if contender is None else contender.sampler
            updates[slot.steps] = None if contender is None else contender.steps
    if view.seed is not None:
        updates[race.seed] = view.seed
    if view.batch is not None:
        updates[race.batch] = view.batch
    return updates


def current_view(
    main_tab, panel, example, kind, t_value, model, sampler, steps, seed, batch, kinds, data, lab_t, field, *race_lang
) -> View:
    """The view on show, as a link writes it: the tab and the controls of that tab."""
    *race_values, race_seed, race_batch, lang = race_lang
    tab = main_tab if main_tab != "reverse" else next((k for k, v in PANELS.items() if v == panel), "reverse")
    lang = lang if lang in ("en", "ko") else None
    if tab == "forward":
        return View(tab=tab, example=example, schedule=kind, t=int(t_value), lang=lang)
    if tab == "reverse":
        return View(
            tab=tab, model=model, sampler=sampler, steps=int(steps), seed=int(seed), batch=int(batch), lang=lang
        )
    if tab == "race":
        pairs = zip(race_values[::2], race_values[1::2], strict=True)
        race = tuple(Contender(s, int(k)) for s, k in pairs if s != NO_CONTENDER and k)
        return View(tab=tab, race=race or None, seed=int(race_seed), batch=int(race_batch), lang=lang)
    if tab == "schedules":
        return View(tab=tab, schedules=tuple(kinds) or None, lang=lang)
    if tab == "lab2d":  # a drawing cannot travel in a link: the lab then opens on its default data
        return View(tab=tab, data=None if data == "drawing" else data, t=int(lab_t), field=field, lang=lang)
    return View(tab=tab if tab in TABS else None, lang=lang)


# ------------------------------------------------------------------------------------------------------ events
def wire(demo: gr.Blocks, page: Page, presenter: Presenter, scene_list: list[Scene]) -> None:
    """The presenter's events: the page load restores the address's view, the scene keys, "Copy link"."""
    scenes = {scene.key: scene for scene in scene_list}
    source = page.forward.source
    now = [source.size, source.mode, source.kind, source.t, page.forward.state, page.lab.cloud, page.lab.learned]
    targets = outputs(page, presenter)
    quiet = {"show_progress": "hidden"}
    tell_script = {"fn": None, "inputs": presenter.applied, "js": "(q) => window.ddpmPresenter.applied(q)"}

    def restore(size, mode, kind, t_value, state, lab_cloud, lab_learned, request: gr.Request) -> dict:
        query = dict(request.query_params) if request is not None else {}
        if not query:
            return {}
        current = PageNow(size, mode, kind, t_value, state, lab_cloud, lab_learned)
        return apply(page, presenter, parse_view(query, page.models()), current)

    def scene(key, size, mode, kind, t_value, state, lab_cloud, lab_learned) -> dict:
        chosen = scenes.get(key)
        if chosen is None:
            return {presenter.note: say("No scene on key {}.", key)}
        title = say("Scene {}: {}", chosen.key, chosen.name)
        current = PageNow(size, mode, kind, t_value, state, lab_cloud, lab_learned)
        return apply(page, presenter, chosen.parsed, current, title)

    demo.load(restore, now, targets, api_name="restore_view", **quiet).then(**tell_script)
    scene_key = "(k, ...rest) => [window.ddpmPresenter.sceneKey, ...rest]"  # the key the script was pressed
    presenter.scene_go.click(scene, [presenter.scene_key, *now], targets, api_name="scene", js=scene_key, **quiet).then(
        **tell_script
    )
    # which tab is on show, for "Copy link to this view"
    for tab_id, tab in page.tab.items():
        tab.select(lambda tab_id=tab_id: tab_id, None, presenter.main_tab, api_visibility="private", **quiet)
    for tab_id, tab in page.reverse.panel_tabs.items():
        tab.select(lambda tab_id=tab_id: tab_id, None, presenter.panel, api_visibility="private", **quiet)
    c, race = page.reverse.controls, page.race
    link_inputs = [
        presenter.main_tab, presenter.panel, source.example, source.kind, source.t, page.reverse.in_use,
        c.sampler, c.steps, c.seed, c.batch, page.schedules.kinds, page.lab.data, page.lab.t, page.lab.field,
        *[component for slot in race.slots for component in (slot.sampler, slot.steps)], race.seed, race.batch,
        presenter.lang,
    ]  # fmt: skip
    shorts = short_names(page.models())
    presenter.copy.click(
        lambda *values: current_view(*values).query(shorts),
        link_inputs,
        presenter.link,
        api_name="link_to_view",
        js="(...a) => { a[a.length - 1] = new URLSearchParams(location.search).get('lang') || ''; return a; }",
        **quiet,
    ).then(None, presenter.link, presenter.link, js="(q) => window.ddpmPresenter.copied(q)")
    presenter.help_button.click(None, js="() => window.ddpmPresenter.toggleHelp()")
