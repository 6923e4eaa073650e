"""English and Korean in headless Debian Chromium: ?lang=ko gives a Korean page with no English word left on it (the
visible text walked against the allow list of tests/test_i18n.py), ?lang=en an English one whatever the browser's
language, the browser's own language decides otherwise, `--lang ko` beats the browser and ?lang= beats --lang, and a
server's error sentence arrives in the page's language. Screenshot: docs/korean-ui.png."""

import re

import pytest

from tests.serving import DOCS, TIMEOUT_MS, launch, needs_chromium, settle
from tests.test_i18n import HANGUL, english_words

pytestmark = [pytest.mark.slow, needs_chromium]

# The visible text nodes of the page, outside rendered LaTeX (KaTeX), the plots' own drawing and what is aria-hidden.
VISIBLE_TEXT = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || !parent) continue;
    if (parent.closest(".katex, script, style, svg, canvas, [aria-hidden=true]")) continue;
    if (parent.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) texts.push(node.data.trim());
  }
  return texts;
}"""


@pytest.fixture(scope="module")
def app_url(bundled_model_dir):
    process, url = launch(bundled_model_dir)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def open_page(browser, url: str, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.locator("#ddpm-header").wait_for()
    return context, page


def wait_for_language(page, lang: str) -> None:
    page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
    settle(page, 1500)


def test_korean_page_has_no_english_word_left(browser, app_url):
    context, page = open_page(browser, app_url + "?lang=ko", locale="en-US")  # the link wins over the browser
    try:
        wait_for_language(page, "ko")
        page.locator("#x-t img").wait_for()
        texts = page.evaluate(VISIBLE_TEXT)
        left = {text: sorted(english_words(text)) for text in texts if english_words(text)}
        assert not left, "\n".join(f"{text[:70]!r}: {words}" for text, words in left.items())
        assert any("순방향 과정" in text for text in texts) and any("2D 실험실" in text for text in texts)
        page.screenshot(path=str(DOCS / "korean-ui.png"))
    finally:
        context.close()


def test_english_link_beats_a_korean_browser(browser, app_url):
    context, page = open_page(browser, app_url + "?lang=en", locale="ko-KR")
    try:
        wait_for_language(page, "en")
        texts = page.evaluate(VISIBLE_TEXT)
        assert {"Forward noising", "Reverse sampling", "Schedule explorer", "2D lab", "Timestep t"} <= set(texts)
        assert not [text for text in texts if HANGUL.search(text)]
    finally:
        context.close()


def test_a_korean_browser_gets_korean_words_and_errors(browser, app_url):
    context, page = open_page(browser, app_url, locale="ko-KR")
    try:
        wait_for_language(page, "ko")
        assert page.get_by_role("tab", name="노이즈 스케줄 탐색").is_visible()
        seed = page.get_by_label("사슬 시드")
        seed.fill("-1")
        seed.press("Enter")
        page.locator("#run-chain").click()
        toast = page.locator(".toast-body").filter(has_text="사슬 시드")
        toast.wait_for()
        assert re.search(r"0~4294967295 범위의 정수만 넣을 수 있습니다", toast.inner_text())
    finally:
        context.close()


def test_the_lang_flag_beats_an_english_browser_and_a_link_beats_the_flag(browser, bundled_model_dir):
    process, url = launch(bundled_model_dir, "--lang", "ko")
    try:
        context, page = open_page(browser, url, locale="en-US")
        try:
            wait_for_language(page, "ko")
            assert page.get_by_role("tab", name="2D 실험실").is_visible()
        finally:
            context.close()
        context, page = open_page(browser, url + "?lang=en", locale="en-US")
        try:
            wait_for_language(page, "en")
            assert page.get_by_role("tab", name="2D lab").is_visible()
        finally:
            context.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
