"""Presenter mode in headless Debian Chromium: each key does what the "?" overlay says, keys are ignored while typing,
links restore the view (or the nearest valid one, with a note), "Copy link" writes the view, and a recorded scene plays
with no network and the frames it was recorded with. Screenshots of the player and the key overlay go to docs/."""

import io
import re
import time
from urllib.parse import parse_qsl, urlparse

import numpy as np
import pytest
from PIL import Image

from ddpm.__main__ import main as cli
from ddpm.recording import Recordings
from tests.serving import DOCS, TIMEOUT_MS, app_page, needs_chromium, src, wait_src_change

pytestmark = [pytest.mark.slow, needs_chromium]

SCENES = """scenes:
  - {key: 1, name: "Cat at t = 250, cosine", view: {tab: forward, example: cat-chelsea, t: 250, schedule: cosine}}
  - {key: 2, name: "DDIM, 10 steps (recorded)", view: {tab: reverse, sampler: ddim, steps: 10, seed: 0, batch: 4}}
  - {key: 3, name: "A race", view: {tab: race, race: "ddim-5,unipc-5", seed: 2, batch: 2}}
"""


@pytest.fixture(scope="module")
def talk(tmp_path_factory, bundled_model_dir):
    """The scenes above, recorded by `python -m ddpm record` (the reverse one only)."""
    folder = tmp_path_factory.mktemp("talk")
    (folder / "scenes.yaml").write_text(SCENES)
    out = folder / "out"
    began = time.perf_counter()
    assert cli(["record", str(folder / "scenes.yaml"), "--out", str(out), "--model", str(bundled_model_dir)]) == 0
    print(f"recorded in {time.perf_counter() - began:.1f} s")
    return out


@pytest.fixture(scope="module")
def page(browser, bundled_model_dir, talk):
    with app_page(browser, bundled_model_dir, "Forward noising", "#x-t img", "--scenes", str(talk)) as page:
        page.base = page.url.split("?")[0]
        yield page


def open_link(page, query: str = "") -> None:
    page.goto(f"{page.base}?{query}" if query else page.base)
    page.locator("#x-t img, #rev-run").first.wait_for()
    page.wait_for_function("() => window.ddpmPresenter !== undefined")
    page.wait_for_timeout(1500)  # the page load's restore, then the events its new values trigger


def number(page, elem_id: str) -> int:
    return int(float(page.locator(f"#{elem_id} input[type=number]").input_value()))


def checked(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id} input:checked").get_attribute("value")


def wait_number(page, elem_id: str, value: int) -> None:
    page.wait_for_function(
        "([id, v]) => +document.querySelector(`#${id} input[type=number]`)?.value === v", arg=[elem_id, value]
    )


def query_of(url: str) -> dict:
    return dict(parse_qsl(urlparse(url).query))


def player_open(page) -> bool:
    return page.evaluate("() => document.documentElement.classList.contains('ddpm-player-open')")


def picture(page, selector: str) -> np.ndarray:
    """The pixels of the image an <img> shows, fetched as the page fetched them."""
    body = page.request.get(page.locator(f"{selector} img").get_attribute("src")).body()
    return np.asarray(Image.open(io.BytesIO(body)))


def test_arrows_shift_home_and_end_move_t_on_the_forward_tab(page):
    open_link(page, "tab=forward&t=100")
    wait_number(page, "t-slider", 100)
    before = src(page, "#x-t img")
    for key, expected in [("ArrowRight", 101), ("Shift+ArrowRight", 111), ("ArrowLeft", 110), ("Shift+ArrowLeft", 100)]:
        page.keyboard.press(key)
        wait_number(page, "t-slider", expected)
    page.keyboard.press("End")
    wait_number(page, "t-slider", 999)
    wait_src_change(page, "#x-t img", before)  # x_t follows t
    page.wait_for_function("() => document.querySelector('#readouts').innerText.includes('999')")
    page.keyboard.press("Home")
    wait_number(page, "t-slider", 0)


def test_space_plays_t_and_pauses_it(page):
    open_link(page, "tab=forward&t=0")
    page.keyboard.press(" ")
    page.wait_for_function("() => +document.querySelector('#t-slider input[type=number]').value >= 50")
    page.keyboard.press(" ")
    paused = number(page, "t-slider")
    page.wait_for_timeout(800)
    assert 50 <= number(page, "t-slider") == paused < 999


def test_keys_are_ignored_while_typing_in_a_field(page):
    open_link(page, "tab=forward&t=300")
    wait_number(page, "t-slider", 300)
    box = page.locator("#t-slider input[type=number]")  # a number field
    box.focus()
    for key in ["ArrowRight", "Shift+ArrowRight", "Home", "End", "f", "?", " "]:
        box.press(key)
    page.wait_for_timeout(1000)
    assert not player_open(page)
    assert not page.evaluate("() => document.documentElement.classList.contains('ddpm-help-open')")
    assert number(page, "t-slider") == 300
    page.locator("#readouts").click()  # out of the field, the keys work again
    page.keyboard.press("ArrowRight")
    wait_number(page, "t-slider", 301)

    open_link(page, "tab=reverse")
    field = page.locator("#rev-model input")  # a text field: the model's name
    field.click()
    for key in ["3", "f", "r", " "]:
        field.press(key)
    page.wait_for_timeout(1500)
    assert page.locator("#rev-run").is_visible() and not page.locator("#race-start").is_visible()  # no scene 3
    assert not player_open(page) and "3fr " in field.input_value()
    assert page.locator("#rev-progress").inner_text().startswith("Press")  # R did not run


def test_the_key_overlay_lists_the_keys_and_the_scenes(page):
    open_link(page, "tab=forward")
    page.keyboard.press("?")
    overlay = page.locator("#key-help .ddpm-card")
    overlay.wait_for(state="visible")
    text = overlay.inner_text()
    for words in ["Space", "Shift", "Home", "Esc", "Cat at t = 250, cosine", "DDIM, 10 steps (recorded)", "A race"]:
        assert words in text
    page.screenshot(path=str(DOCS / "presenter-keys.png"))
    page.keyboard.press("Escape")
    overlay.wait_for(state="hidden")
    page.locator("#show-keys").click()  # the same overlay for the mouse
    overlay.wait_for(state="visible")
    page.keyboard.press("?")
    overlay.wait_for(state="hidden")


def test_a_scene_key_jumps_to_its_view(page):
    open_link(page, "tab=forward&t=10&schedule=linear&example=astronaut")
    page.keyboard.press("1")
    wait_number(page, "t-slider", 250)
    page.wait_for_function("() => document.querySelector('#link-note').innerText.includes('Scene 1')")
    assert checked(page, "fwd-schedule") == "cosine"
    assert page.get_by_label("Cat (Chelsea)").is_checked()
    assert query_of(page.url) == {"tab": "forward", "t": "250", "schedule": "cosine", "example": "cat-chelsea"}
    page.keyboard.press("3")  # the race: its contenders set, nothing run
    page.locator("#race-start").wait_for(state="visible")
    assert page.locator("#race-steps-1 input").input_value() == "5"
    assert "UniPC" in page.locator("#race-sampler-2 input").input_value()
    assert "no contender" in page.locator("#race-sampler-3 input").input_value()
    assert number(page, "race-batch") == 2
    status = page.locator("#race-status").inner_text()
    page.keyboard.press("r")  # R starts the race on show
    page.wait_for_function("(before) => document.querySelector('#race-status').innerText !== before", arg=status)
    page.locator("#race-status", has_text="recorded on").wait_for()  # the recorded race plays, no network call
    page.locator("#race-finals img").wait_for()


def test_arrows_move_the_2d_lab_s_t(page):
    open_link(page, "tab=lab2d")
    page.locator("#lab-t").wait_for(state="visible")
    first = number(page, "lab-t")
    page.keyboard.press("ArrowRight")
    wait_number(page, "lab-t", first + 1)
    page.keyboard.press("Shift+ArrowLeft")
    wait_number(page, "lab-t", first - 9)


def test_a_link_restores_the_2d_lab_and_the_schedule_explorer(page):
    open_link(page, "tab=lab2d&data=swiss_roll&t=123&field=difference")
    page.locator("#lab-t").wait_for(state="visible")
    wait_number(page, "lab-t", 123)
    assert page.locator("#lab-data input").input_value().lower().replace(" ", "_") in ("swiss_roll", "스위스_롤")
    # the difference field needs an ε_θ this fresh session has not trained: the exact arrows, and the note says why
    page.wait_for_function("() => document.querySelector('#link-note').innerText.includes('Train ε_θ')")
    assert checked(page, "lab-field") == "exact"
    open_link(page, "tab=lab2d&data=ring&field=exact&t=7")
    wait_number(page, "lab-t", 7)
    assert checked(page, "lab-field") == "exact" and page.locator("#link-note").inner_text().strip() == ""
    open_link(page, "tab=schedules&schedules=linear,cosine")
    page.locator("#kinds").wait_for(state="visible")
    page.wait_for_function("() => document.querySelectorAll('#kinds input:checked').length === 2")
    shown = page.eval_on_selector_all("#kinds input:checked", "es => es.map(e => e.closest('label').innerText.trim())")
    assert sorted(shown) == ["cosine", "linear"]


def test_a_link_restores_the_reverse_tab_s_controls(page):
    open_link(page, "tab=reverse&sampler=unipc&steps=7&seed=3&batch=5")
    page.locator("#rev-run").wait_for(state="visible")
    wait_number(page, "rev-steps", 7)
    assert checked(page, "rev-sampler") == "unipc"
    assert page.locator("#rev-seed input").input_value() == "3" and number(page, "rev-batch") == 5
    page.get_by_text("Start from an image (SDEdit").click()  # the accordion renders its controls when opened
    assert checked(page, "rev-start") == "noise"
    assert page.locator("#link-note").inner_text().strip() == ""


def test_a_broken_link_opens_the_nearest_view_with_a_one_line_note(page):
    open_link(page, "tab=forwrd&t=5000&sampler=euler&example=dog&zoom=2")
    wait_number(page, "t-slider", 999)
    note = page.locator("#link-note").inner_text()
    for words in ["tab “forwrd” read as “forward”", "t 5000 → 999", "unknown sampler “euler”", "unknown example “dog”"]:
        assert words in note
    assert "zoom" in note and len(note.strip().splitlines()) == 1
    assert page.locator(".toast-body").count() == 0  # no error
    assert query_of(page.url) == {"tab": "forward", "t": "999"}  # the address now says what is shown


def test_copy_link_writes_this_view_and_the_link_opens_it(page):
    open_link(page, "tab=forward&example=coffee&t=400&schedule=sigmoid")
    wait_number(page, "t-slider", 400)
    page.keyboard.press("Shift+ArrowRight")
    wait_number(page, "t-slider", 410)
    page.locator("#copy-link").click()
    page.wait_for_function("() => (document.querySelector('#view-link textarea')?.value || '').includes('t=')")
    link = page.locator("#view-link textarea").input_value()
    assert query_of(link) == {"tab": "forward", "example": "coffee", "schedule": "sigmoid", "t": "410"}
    open_link(page, "tab=forward&t=5")
    page.goto(link)
    wait_number(page, "t-slider", 410)
    assert checked(page, "fwd-schedule") == "sigmoid" and page.get_by_label("Coffee").is_checked()


def test_a_recorded_scene_plays_offline_with_its_recorded_frames(page, talk):
    (recording,) = Recordings.scan(talk).recordings
    outside = []

    def only_this_machine(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    page.route("**/*", only_this_machine)
    try:
        open_link(page)
        page.keyboard.press("2")
        page.locator("#rev-run").wait_for(state="visible")
        wait_number(page, "rev-steps", 10)
        began = time.perf_counter()
        page.keyboard.press(" ")  # the scene's run: played from the recording
        page.locator("#rev-progress", has_text="Done").wait_for(timeout=TIMEOUT_MS)
        print(f"recorded scene played in {time.perf_counter() - began:.1f} s")
        assert "recorded on" in page.locator("#rev-progress").inner_text()
        assert re.search(r"recorded on .+, 20\d\d-\d\d-\d\d", page.locator("#rev-progress small").inner_text())
        assert np.array_equal(picture(page, "#rev-final"), np.asarray(recording.images(-1)[0]))
        # the replay steps through the recorded frames: Home is x_T, → the next kept frame
        page.keyboard.press("Home")
        page.locator("#rev-progress", has_text="frame 1/11").wait_for()
        x_t, x0_pred = recording.images(0)
        assert np.array_equal(picture(page, "#rev-x-t"), np.asarray(x_t))
        assert np.array_equal(picture(page, "#rev-x0"), np.asarray(x0_pred))
        page.keyboard.press("ArrowRight")
        page.locator("#rev-progress", has_text="frame 2/11").wait_for()
        assert np.array_equal(picture(page, "#rev-x-t"), np.asarray(recording.images(1)[0]))
        page.keyboard.press("Shift+ArrowRight")
        page.locator("#rev-progress", has_text="frame 11/11").wait_for()
        page.keyboard.press("ArrowLeft")
        page.locator("#rev-progress", has_text="frame 10/11").wait_for()
    finally:
        page.unroute("**/*")
    assert not [url for url in outside if "huggingface" in url]  # nothing asked the Hub


def test_space_runs_the_linked_run_and_pauses_it_while_it_streams(page):
    open_link(page, "tab=reverse&sampler=ddpm&steps=300&batch=2&seed=9")  # no recording: it runs live
    page.locator("#rev-run").wait_for(state="visible")
    wait_number(page, "rev-steps", 300)
    page.keyboard.press(" ")
    page.wait_for_function("() => /Step ([2-9]|\\d\\d+)\\//.test(document.querySelector('#rev-progress').innerText)")
    page.keyboard.press(" ")  # pause = Stop: a stream cannot be resumed, its frames so far stay for the replay
    page.locator("#rev-progress", has_text="Stopped at step").wait_for()
    assert "of 300" in page.locator("#rev-progress").inner_text()
    page.keyboard.press(" ")  # then Space plays the replay of what was kept
    page.locator("#rev-progress", has_text="Replay").wait_for()


def test_the_player_opens_follows_the_keys_and_closes(page):
    open_link(page)
    page.keyboard.press("2")
    page.locator("#rev-run").wait_for(state="visible")
    page.keyboard.press(" ")
    page.locator("#rev-progress", has_text="Done").wait_for(timeout=TIMEOUT_MS)
    page.keyboard.press("f")
    player = page.locator("#player .ddpm-stage")
    player.wait_for(state="visible")
    assert player_open(page)
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.locator("#player .ddpm-player-step", has_text="frame 4/11").wait_for()
    assert page.locator("#player .ddpm-player-t").inner_text().startswith("t = ")
    left = page.locator("#player .ddpm-player-left")
    page.wait_for_function(
        "() => document.querySelector('#player .ddpm-player-left').src === document.querySelector('#rev-x-t img').src"
    )
    assert page.evaluate("(e) => getComputedStyle(e).imageRendering", left.element_handle()) == "pixelated"
    box = left.bounding_box()
    assert box["width"] > 500 and box["height"] > 500  # large: the 106 px grid upscaled
    assert "recorded on" in page.locator("#player .ddpm-player-credit").inner_text()
    fill = page.evaluate("() => parseFloat(document.querySelector('#player .ddpm-player-fill').style.width)")
    assert 30 <= fill <= 40  # frame 4 of 11
    page.wait_for_timeout(500)
    page.screenshot(path=str(DOCS / "presenter-player.png"))
    page.keyboard.press("l")
    assert player.get_attribute("data-stage") == "light"
    page.screenshot(path=str(DOCS / "presenter-player-light.png"))
    page.keyboard.press("l")
    page.keyboard.press("Escape")
    player.wait_for(state="hidden")
    page.keyboard.press("f")
    player.wait_for(state="visible")
    page.locator("#player .ddpm-player-close").click()  # the mouse closes it too
    player.wait_for(state="hidden")
    page.goto(f"{page.base}?tab=forward&example=digit-7-mnist&t=400&player=1")  # a link can open it
    player.wait_for(state="visible")
    page.locator("#player .ddpm-player-t", has_text="t = 400").wait_for()
    page.keyboard.press("ArrowRight")
    page.locator("#player .ddpm-player-t", has_text="t = 401").wait_for()
    page.keyboard.press("Escape")
    player.wait_for(state="hidden")


def test_the_player_in_talk_mode_fills_a_projector_screen(browser, bundled_model_dir, talk):
    """``--talk`` on a 1920×1080 projector: the recorded scene in the player, screenshot for the README."""
    with app_page(
        browser,
        bundled_model_dir,
        "Forward noising",
        "#x-t img",
        "--talk",
        "--scenes",
        str(talk),
        width=1920,
        height=1080,
    ) as page:
        page.wait_for_function("() => window.ddpmPresenter !== undefined")
        page.keyboard.press("2")
        page.locator("#rev-run").wait_for(state="visible")
        page.keyboard.press(" ")
        page.locator("#rev-progress", has_text="Done").wait_for(timeout=TIMEOUT_MS)
        page.keyboard.press("f")
        player = page.locator("#player .ddpm-stage")
        player.wait_for(state="visible")
        page.keyboard.press("End")
        box = page.locator("#player .ddpm-player-left").bounding_box()
        assert box["width"] > 600 and box["height"] > 600  # on a 1920×1080 screen
        assert "recorded on" in page.locator("#player .ddpm-player-credit").inner_text()
        page.wait_for_timeout(500)
        page.screenshot(path=str(DOCS / "presenter-player-talk.png"))
