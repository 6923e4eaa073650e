"""The Reverse sampling tab in headless Debian Chromium: a run that visibly changes, Stop (which keeps the frames so
far), replay, the GIF download.
Screenshots of the tab mid-run and finished go to docs/."""

import pytest

from tests.serving import DOCS, app_page, needs_chromium, src, wait_src_change

pytestmark = [pytest.mark.slow, needs_chromium]


@pytest.fixture(scope="module")
def page(bundled_model_dir, browser):
    with app_page(browser, bundled_model_dir, "Reverse sampling", "#rev-run") as page:
        yield page


def set_steps(page, steps: int) -> None:
    box = page.locator("#rev-steps input[type=number]")
    box.fill(str(steps))
    box.press("Enter")


def test_a_run_streams_and_stop_stops_it(page):
    set_steps(page, 300)
    page.locator("#rev-run").click()
    page.locator("#rev-x-t img").wait_for()
    first = src(page, "#rev-x-t img")
    wait_src_change(page, "#rev-x-t img", first)  # the picture changes while the run goes on
    # at t ≈ 250, where digits emerge from the noise in x_t (about 25 s at one thread): the mid-run screenshot
    step = "(/Step (\\d+)\\//.exec(document.querySelector('#rev-progress').innerText) || [0, 0])[1]"
    page.wait_for_function(f"() => +{step} >= 220", timeout=120_000)
    page.screenshot(path=str(DOCS / "reverse-running.png"), full_page=True)
    page.locator("#rev-stop").click()
    page.locator("#rev-progress", has_text="Stopped at step").wait_for()
    stopped = page.locator("#rev-progress").inner_text()
    assert "of 300" in stopped  # the 300-step run never finished
    page.wait_for_timeout(2000)
    assert page.locator("#rev-progress").inner_text() == stopped  # nothing moves after Stop
    # its frames so far stay usable: the final grid is the last step reached, the exports are there
    page.locator("#rev-final img").wait_for()
    assert src(page, "#rev-final img") != ""
    page.locator("#rev-downloads a[href$='.gif']").first.wait_for()


def test_a_finished_run_replays_and_downloads(page, tmp_path):
    set_steps(page, 50)
    page.locator("#rev-run").click()
    page.locator("#rev-progress", has_text="Done").wait_for(timeout=120_000)
    page.locator("#rev-final img").wait_for()
    page.locator("#rev-downloads a").first.wait_for()
    last = src(page, "#rev-x-t img")
    replay = page.locator("#rev-replay input[type=range]")
    replay.focus()
    page.keyboard.press("Home")
    wait_src_change(page, "#rev-x-t img", last)  # frame 0: back to x_T
    assert "0" in page.locator("#rev-progress").inner_text()
    gif_link = page.locator("#rev-downloads a[href$='.gif']").first
    with page.expect_download() as download:
        gif_link.click()
    saved = tmp_path / "run.gif"
    download.value.save_as(saved)
    from PIL import Image

    with Image.open(saved) as gif:
        assert gif.format == "GIF" and gif.n_frames >= 10
    first_frame = src(page, "#rev-x-t img")
    replay.focus()  # the download took the focus
    page.keyboard.press("End")
    wait_src_change(page, "#rev-x-t img", first_frame)  # back to the last frame: the samples
    page.screenshot(path=str(DOCS / "reverse.png"), full_page=True)


def test_the_emoji_model_by_name_and_each_sample_over_its_nearest_training_image(page):
    """The picker's bundled "emoji" model runs in colour; the nearest-training-image view pairs the final samples
    with their nearest training emoji and counts near-copies (screenshot for the README)."""
    from ui.models import BUNDLED_MODELS

    if not BUNDLED_MODELS["emoji"].is_dir():
        pytest.skip("this copy has no bundled emoji model")
    picker = page.locator("#rev-model input")
    picker.fill("emoji")
    picker.press("Enter")
    page.locator("#rev-load").click()
    page.locator("#rev-info", has_text="emoji").wait_for()
    page.locator("#rev-run").click()
    page.locator("#rev-progress", has_text="Done").wait_for(timeout=120_000)
    page.locator("#rev-nearest input").check()
    page.locator("#rev-nearest-grid img").wait_for()
    note = page.locator("#rev-nearest-note").inner_text()
    assert "near-copies:" in note and "training images" in note
    page.locator("#rev-nearest-grid").scroll_into_view_if_needed()
    page.screenshot(path=str(DOCS / "reverse-emoji-nearest.png"), full_page=True)
