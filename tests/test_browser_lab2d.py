"""Drive the 2D lab in headless Debian Chromium: scrub t, train, sample and watch the particles move; screenshots."""

import pytest

from tests.serving import DOCS, app_page, needs_chromium, settle, src, wait_src_change

pytestmark = [pytest.mark.slow, needs_chromium]
LONG_MS = 180_000  # training and sampling on a shared 2-core CPU


@pytest.fixture(scope="module", params=["normal", "talk"])
def lab_page(request, bundled_model_dir, browser):
    talk = request.param == "talk"
    extra, width = (["--talk"], 1600) if talk else ([], 1400)
    with app_page(browser, bundled_model_dir, "2D lab", "#lab-view img", *extra, width=width) as page:
        yield page, ("-talk" if talk else "")


def type_number(page, elem_id: str, value: int) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def test_train_sample_and_watch_the_particles_move(lab_page):
    page, suffix = lab_page
    view = src(page, "#lab-view img")
    type_number(page, "lab-t", 25)
    page.wait_for_function("() => document.querySelector('#lab-readout').innerText.includes('t = 25')")
    view = src(page, "#lab-view img")

    type_number(page, "lab-train-steps", 300)
    page.locator("#lab-train").click()
    page.wait_for_function(
        "() => document.querySelector('#lab-train-status').innerText.includes('Trained on')", timeout=LONG_MS
    )
    page.locator("#lab-field").get_by_label("difference ε_θ − ε*").check()
    page.wait_for_function("() => document.querySelector('#lab-readout').innerText.includes('|ε_θ − ε*|')")
    assert src(page, "#lab-view img") != view

    page.locator("#lab-run").click()
    page.locator("#lab-stochastic-paths img").wait_for(timeout=LONG_MS)
    first = src(page, "#lab-stochastic-paths img")
    second = wait_src_change(page, "#lab-stochastic-paths img", first)  # a later frame: the particles moved
    page.wait_for_function(
        "() => document.querySelector('#lab-run-status').innerText.includes('particles')", timeout=LONG_MS
    )
    assert src(page, "#lab-stochastic-paths img") not in (first, second)

    page.locator("#lab-compare").click()
    page.wait_for_function(
        "() => document.querySelector('#lab-numbers').innerText.includes('memorises')", timeout=LONG_MS
    )
    page.locator("#lab-learned-samples img").wait_for()
    settle(page, 1500)
    page.screenshot(path=str(DOCS / f"lab2d{suffix}.png"), full_page=True)
