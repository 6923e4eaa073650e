"""The Reverse tab's sampler race and "when does the picture commit?" view in headless Debian Chromium: every column's
picture changes while the race runs; a finished run fills the commitment view. Screenshots go to docs/."""

import pytest

from tests.serving import DOCS, app_page, needs_chromium

pytestmark = [pytest.mark.slow, needs_chromium]
LANES = [f"#race-lane-{i} img" for i in range(1, 5)]
WATCH = """(lanes) => {
  window.laneSources = lanes.map(() => new Set());
  setInterval(() => {
    const status = document.querySelector('#race-status');
    if (status && status.innerText.includes('Done')) return;
    lanes.forEach((sel, i) => {
      const e = document.querySelector(sel);
      if (e && e.src) window.laneSources[i].add(e.src);
    });
  }, 20);
}"""


@pytest.fixture(scope="module")
def page(bundled_model_dir, browser):
    with app_page(browser, bundled_model_dir, "Reverse sampling", "#rev-run") as page:
        yield page


def test_a_race_moves_every_column_then_shows_the_finals(page):
    page.get_by_role("tab", name="Sampler race").click()
    # every picture each column shows before the race is done, watched every 20 ms from before the start (a fast
    # column may reach its last step before a test could read its first picture)
    page.evaluate(WATCH, LANES)
    page.locator("#race-start").click()
    page.locator("#race-status", has_text="Solving the reference").wait_for(timeout=120_000)
    page.locator("#race-status", has_text="Done").wait_for(timeout=600_000)
    seen = page.evaluate("() => window.laneSources.map((s) => s.size)")
    assert all(n >= 3 for n in seen), seen  # x_T, a step between and the last step, in every column while it ran
    page.locator("#race-finals img").first.wait_for()
    assert page.locator("#race-table").inner_text().count("stochastic") == 1  # DDPM-50 only
    page.wait_for_timeout(800)
    page.locator("#rev-race-tab").screenshot(path=str(DOCS / "reverse-race.png"))


def test_a_finished_run_shows_when_its_pictures_commit(page):
    page.get_by_role("tab", name="Run", exact=True).click()
    box = page.locator("#rev-steps input[type=number]")
    box.fill("50")
    box.press("Enter")
    page.locator("#rev-run").click()
    page.locator("#rev-progress", has_text="Done").wait_for(timeout=300_000)
    page.get_by_role("tab", name="When does the picture commit?").click()
    page.locator("#commit-note", has_text="The judge reads").wait_for(timeout=60_000)
    assert "Image 0 of 16" in page.locator("#commit-note").inner_text()
    box = page.locator("#commit-image input")
    box.fill("5")
    box.press("Enter")
    page.locator("#commit-note", has_text="Image 5 of 16").wait_for()
    page.locator("#commit-strip img").wait_for()
    page.wait_for_timeout(800)
    page.locator("#rev-commit-tab").screenshot(path=str(DOCS / "reverse-commit.png"))
