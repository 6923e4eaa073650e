"""Drive the app like a person in headless Debian Chromium; save screenshots of each tab to docs/.

Needs /usr/bin/chromium (`.ci/run` installs it) and the `playwright` package; we never run `playwright install`.
"""

import pytest

from tests.serving import DOCS, TIMEOUT_MS, launch, needs_chromium, settle, src, wait_src_change

pytestmark = [pytest.mark.slow, needs_chromium]


@pytest.fixture(scope="module", params=["normal", "talk"])
def app_page(request, bundled_model_dir, browser):
    talk = request.param == "talk"
    process, url = launch(bundled_model_dir, *(["--talk"] if talk else []))
    page = browser.new_page(viewport={"width": 1600 if talk else 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.locator("#x-t img").wait_for()
    page.locator("#readouts .katex").first.wait_for()
    yield page, ("-talk" if talk else "")
    page.close()
    process.terminate()
    process.wait(timeout=20)


def test_forward_tab(app_page, tmp_path):
    page, suffix = app_page
    assert "DDPM Studio" in page.title()
    assert page.locator("#ddpm-header .katex").count() >= 3  # the equations are typeset
    assert "device: cpu" in page.locator("#footer").inner_text()

    # upload an image
    photo = tmp_path / "stripes.png"
    from PIL import Image

    Image.new("RGB", (640, 480), (240, 200, 40)).save(photo)
    page.get_by_role("tab", name="Upload").click()
    before = src(page, "#x-t img")
    page.locator("#upload input[type=file]").set_input_files(str(photo))
    before = wait_src_change(page, "#x-t img", before)
    page.get_by_role("tab", name="Examples").click()
    page.get_by_label("Cat (Chelsea)").check()
    before = wait_src_change(page, "#x-t img", before)

    # move t by keyboard
    slider = page.locator("#t-slider input[type=range]")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    after_keys = wait_src_change(page, "#x-t img", before)
    page.wait_for_function("() => document.querySelector('#readouts').innerText.includes('255')")

    # move t by dragging the slider
    box = slider.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.26, box["y"] + box["height"] / 2)
    page.mouse.down()
    for f in (0.35, 0.45, 0.55, 0.6):
        page.mouse.move(box["x"] + box["width"] * f, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    wait_src_change(page, "#x-t img", after_keys)
    value = int(page.locator("#t-slider input[type=number]").input_value())
    assert 500 <= value <= 700

    # the slider's number box and ↺ button are not squashed (Gradio's box is 24 px high and clips what overflows)
    reset = page.locator("#t-slider .reset-button").bounding_box()
    assert reset["height"] >= (44 if suffix else 20) and reset["width"] >= (44 if suffix else 20)
    assert page.evaluate(
        "() => { const b = document.querySelector('#t-slider .tab-like-container');"
        " return b.scrollHeight <= b.clientHeight + 1 && b.scrollWidth <= b.clientWidth + 1; }"
    )
    assert font_px(page, "#histogram .role-axis-label text") >= (18 if suffix else 10)
    assert page.locator("#histogram .role-legend").count() == 0  # ours, in page type, below the plot
    assert page.locator("#histogram-legend .legend-key").count() == 2
    settle(page, 1500)
    page.screenshot(path=str(DOCS / f"forward{suffix}.png"), full_page=True)


def test_sketchpad_drawing_gives_a_digit_and_a_prediction(app_page):
    page, suffix = app_page
    page.get_by_role("tab", name="Draw a digit").click()
    canvas = page.locator("#sketch canvas").first
    canvas.wait_for()
    brush = page.locator("#sketch").get_by_role("button", name="Brush")
    assert brush.bounding_box()["height"] >= (40 if suffix else 16)  # easy to hit while presenting
    brush.click()
    before = src(page, "#x-t img")
    box = canvas.bounding_box()
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, min(box["width"], box["height"]) / 3
    page.mouse.move(cx - r * 0.6, cy - r * 0.8)
    page.mouse.down()
    for x, y in [(cx + r * 0.6, cy - r * 0.8), (cx - r * 0.1, cy + r * 0.9)]:
        page.mouse.move(x, y, steps=12)
    page.mouse.up()
    wait_src_change(page, "#x-t img", before)
    page.locator("#x0-hat img").wait_for()
    assert "32×32" in page.locator("#x0-note").inner_text()
    # at t = 300 the bundled model still sees the digit under the noise: its x̂₀ is the screenshot's point
    prediction = src(page, "#x0-hat img")
    t_box = page.locator("#t-slider input[type=number]")
    t_box.fill("300")
    t_box.press("Enter")
    wait_src_change(page, "#x0-hat img", prediction)
    settle(page, 1000)
    page.screenshot(path=str(DOCS / f"forward-sketch{suffix}.png"), full_page=True)
    page.get_by_role("tab", name="Examples").click()


def font_px(page, selector: str) -> float:
    """The rendered font size of the first element matching ``selector`` (CSS wins over SVG attributes)."""
    return page.evaluate("(sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize)", selector)


def plot_png(page, selector: str) -> bytes:
    return page.locator(selector).screenshot()


def test_schedule_explorer(app_page):
    page, suffix = app_page
    page.get_by_role("tab", name="Schedule explorer").click()
    page.locator("#plot-alpha-bar canvas, #plot-alpha-bar svg").first.wait_for()
    settle(page, 1500)
    page.screenshot(path=str(DOCS / f"schedules{suffix}.png"), full_page=True)
    # Vega draws axis labels and titles in the sizes talk mode sets; one legend above the plots, none inside them
    for plot in ("#plot-beta", "#plot-alpha-bar", "#plot-sqrt", "#plot-log-snr", "#plot-posterior"):
        assert font_px(page, f"{plot} .role-axis-label text") >= (18 if suffix else 10)
        assert font_px(page, f"{plot} .role-title-text text") >= (24 if suffix else 12)
        assert page.locator(f"{plot} .role-legend").count() == 0
    assert page.locator("#schedule-legend .legend-key").count() == 4
    before = plot_png(page, "#plot-alpha-bar")
    strip_before = src(page, "#schedule-strip img")
    page.locator("#kinds").get_by_label("linear").uncheck()
    wait_src_change(page, "#schedule-strip img", strip_before)
    settle(page, 1000)
    assert plot_png(page, "#plot-alpha-bar") != before
    assert page.locator("#key-numbers").inner_text().count("linear") == 0
    assert page.locator("#schedule-legend .legend-key").count() == 3

    # a bad combination is a message, not a crash
    page.locator("#beta-end input").fill("0.00001")
    page.locator("#beta-end input").press("Enter")
    page.wait_for_function("() => document.querySelector('#schedule-message').innerText.includes('β_start < β_end')")
    page.locator("#beta-end input").fill("0.02")
    page.locator("#beta-end input").press("Enter")
    page.wait_for_function("() => document.querySelector('#schedule-message').innerText.includes('schedule(s)')")
    page.locator("#kinds").get_by_label("linear").check()
    page.get_by_role("tab", name="Forward noising").click()


def test_an_emoji_example_gets_a_colour_x0_from_the_emoji_model(app_page):
    import io

    import numpy as np
    from PIL import Image

    from ui.models import BUNDLED_MODELS

    if not BUNDLED_MODELS["emoji"].is_dir():
        pytest.skip("this copy has no bundled emoji model")
    page, suffix = app_page
    page.get_by_role("tab", name="Forward noising").click()
    page.get_by_role("tab", name="Examples").click()
    # emoji → photo → emoji: each a change, whatever was picked before (the cat may be already, under a drawing)
    page.get_by_label("Rocket (emoji)").check()
    page.locator("#x0-note", has_text="32×32").wait_for()
    page.get_by_label("Cat (Chelsea)").check()  # no model knows a photo: the panel says so
    page.locator("#x0-note", has_text="a model knows").wait_for()
    page.get_by_label("Rocket (emoji)").check()
    page.locator("#x0-note", has_text="32×32").wait_for()

    def colourfulness() -> float:  # red minus blue, averaged over the panel's picture: 0 for gray
        picture = Image.open(io.BytesIO(page.locator("#x0-hat img").screenshot())).convert("RGB")
        pixels = np.asarray(picture).astype(int)
        return float(np.abs(pixels[..., 0] - pixels[..., 2]).mean())

    for _ in range(40):  # the panel's picture follows its note, on a loaded machine up to seconds later
        if colourfulness() > 3:
            break
        page.wait_for_timeout(250)
    assert colourfulness() > 3  # colour, not gray
    page.screenshot(path=str(DOCS / f"forward-emoji{suffix}.png"), full_page=True)
