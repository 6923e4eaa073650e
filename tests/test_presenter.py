"""Presenter mode's Python side: the view a page shows as a link writes it, the key overlay's words, the page script."""

from ui.models import BUNDLED_NAME
from ui.presenter import KEYS, PANELS, current_view, key_help, page_css, page_head
from ui.race import NO_CONTENDER
from ui.scenes import Scene
from ui.view import Contender, ParsedView, View

RACE = ["ddpm", 1000, "dpmpp_2m", 20, NO_CONTENDER, None, NO_CONTENDER, 7]


def shown(main_tab, panel=PANELS["reverse"], lang=""):
    """``current_view`` with the controls a page opens with (the Forward tab's, the Reverse tab's, the race's)."""
    controls = ["Coffee", "cosine", 250, BUNDLED_NAME, "ddim", 10, 3, 16]
    explorer_and_lab = [["cosine", "linear"], "swiss_roll", 120, "learned"]
    return current_view(main_tab, panel, *controls, *explorer_and_lab, *RACE, 5, 4, lang)


def test_the_link_of_a_view_names_the_tab_on_show_and_only_its_controls():
    assert shown("forward") == View(tab="forward", example="Coffee", schedule="cosine", t=250)
    assert shown("reverse") == View(tab="reverse", model=BUNDLED_NAME, sampler="ddim", steps=10, seed=3, batch=16)
    race = (Contender("ddpm", 1000), Contender("dpmpp_2m", 20))  # the empty slots are left out
    assert shown("reverse", PANELS["race"]) == View(tab="race", race=race, seed=5, batch=4)
    assert shown("reverse", PANELS["commit"]) == View(tab="commit")
    assert shown("schedules", lang="ko") == View(tab="schedules", schedules=("cosine", "linear"), lang="ko")
    lab = View(tab="lab2d", data="swiss_roll", t=120, field="learned")
    assert shown("lab2d", lang="fr") == lab  # only a language the page has


def test_the_key_overlay_lists_every_key_and_scene_in_its_language_escaped():
    scenes = [Scene(1, "x <b>bold</b> & t = 250", ParsedView(View(t=250)))]
    html = key_help(scenes)
    assert all(f"<kbd>{keys.replace('&', '&amp;')}</kbd>" in html for keys, _ in KEYS)
    assert "x &lt;b&gt;bold&lt;/b&gt; &amp; t = 250" in html and "<b>" not in html
    shouted = key_help(scenes, say=str.upper)
    assert "FULL-SCREEN PLAYER" in shouted and "SCENES" in shouted
    assert "--scenes FILE" in key_help([])


def test_the_page_gets_the_key_script_and_its_style():
    head = page_head()
    assert head.startswith("<script>") and head.endswith("</script>") and "ddpmPresenter" in head
    assert "image-rendering: pixelated" in page_css()


def test_a_link_s_learned_arrows_need_an_eps_theta_trained_on_its_data_else_the_exact_ones_and_a_note():
    from types import SimpleNamespace

    from ui import lab2d
    from ui.presenter import PageNow, _apply_lab

    page = SimpleNamespace(lab=SimpleNamespace(data="data", t="t", field="field"))
    moons = lab2d.make_cloud("two_moons", 50, 0)
    trained = lab2d.Learned(lab2d.EpsMLP(), moons.key)
    untrained = PageNow("128", "RGB", "linear", 0, None, lab_cloud=moons, lab_learned=None)
    updates, notes = _apply_lab(page, View(tab="lab2d", data="swiss_roll", t=123, field="difference"), untrained)
    assert updates == {"data": "swiss_roll", "field": "exact", "t": 123}
    assert len(notes) == 1 and "difference ε_θ − ε*" in notes[0] and "Train ε_θ" in notes[0]
    now = PageNow("128", "RGB", "linear", 0, None, lab_cloud=moons, lab_learned=trained)
    assert _apply_lab(page, View(tab="lab2d", field="learned"), now) == ({"field": "learned"}, [])
    assert _apply_lab(page, View(tab="lab2d", data="two_moons", field="difference"), now)[0]["field"] == "difference"
    assert _apply_lab(page, View(tab="lab2d", data="ring", field="learned"), now)[0]["field"] == "exact"  # other data
    assert _apply_lab(page, View(tab="lab2d", field="exact"), untrained) == ({"field": "exact"}, [])
