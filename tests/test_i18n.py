"""English and Korean: the catalogue is whole, server sentences translate by template, and the built page has no
English-only word left (every label, info, value and choice is either translated or on the allow list)."""

import re

import gradio as gr
import pytest
from gradio.i18n import I18nData

from ui import i18n
from ui.locales.ko import KO

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Words a Korean page keeps: model (the bundled "digits", "emoji") and sampler names, units, file formats, symbols'
# names, the paper.
ALLOWED = {
    "DDPM", "DDIM", "DPM", "Solver", "SDE", "UniPC", "SDEdit", "MNIST", "CIFAR", "FID", "NFE", "RMS", "ODE", "MLP",
    "GIF", "MP4", "PNG", "CSV", "URL", "Hub", "Hugging", "Face", "OpenVINO", "float32", "bfloat16", "float16",
    "autocast", "cpu", "cuda", "mps", "Tweedie", "Studio", "Gradio", "SNR", "fixed_small", "fixed_large",
    "L_simple", "softmax", "scikit", "image", "CC0", "ddpm", "mnist", "checkpoints", "google", "beta_start",
    "beta_end", "Ho", "et", "al", "Denoising", "Diffusion", "Probabilistic", "Model", "Models", "sqrt", "alpha", "bar",
    "mathcal", "varepsilon", "theta", "prod", "mid", "frac", "sum", "mathbb", "le", "trailing", "leading",
    "linspace", "data", "base64", "eager", "start", "end", "x_t", "x_T", "t_k", "RGB", "float", "API", "Chelsea",
    "Song", "Zhao", "Lu", "log", "nat", "nats", "CUDA", "GPU", "digits", "emoji", "bfloat", "Apache",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")
# LaTeX, code, HTML tags and entities, model ids and folders
HIDDEN = re.compile(r"\$\$.*?\$\$|\$.*?\$|`[^`]*`|<[^>]*>|&\w+;|[\w.-]+/[\w./-]+", re.S)


def english_words(text: str) -> set[str]:
    """Words of three letters or more outside LaTeX, code and HTML markup that are not on the allow list."""
    return {w for w in WORD.findall(HIDDEN.sub(" ", text)) if w not in ALLOWED and w.split("_")[0] not in ALLOWED}


def test_every_template_keeps_its_slots_and_every_translation_is_korean():
    for english, korean in KO.items():
        slots = re.findall(r"\{(\d*)\}", korean)  # numbered ({2}) where Korean wants another order
        assert len(set(slots) if all(slots) and slots else slots) == english.count("{}"), english
        assert korean.strip() and korean != english, english
        assert HANGUL.search(korean) or not english_words(english), english


def test_server_sentences_translate_by_template_with_their_parts():
    ko = i18n.localize("Seed must be a whole number from 0 to 4294967295; got 2.5.", "ko")
    assert ko == "시드: 0~4294967295 범위의 정수만 넣을 수 있습니다 (받은 값: 2.5)."
    assert i18n.localize("Seed must be a whole number from 0 to 9; got 2.5.", "en").startswith("Seed must")
    assert i18n.localize("A sentence nobody catalogued.", "ko") == "A sentence nobody catalogued."
    race = i18n.localize("A race needs 2 to 4 contenders; 1 chosen.", "ko")
    assert race == "경주에는 참가자가 2~4명 필요합니다 (지금 1명)."


def test_run_time_sentences_and_ddpm_errors_localize_to_hangul():
    sentences = [
        "Solving the reference first: UniPC-100 (trailing, no clipping), step 12/100 · 3.4 s",
        "Replay: frame 3/40 · step 12 · t = 500",
        "Step 3/40 …",
        "No model to ask yet: not loaded yet.",
        "**Image 3** of 16: its x̂₀ stays within 0.05 RMS of the end from step 30 (t = 400) on (of 50 steps).",
        "Across the batch, x̂₀ commits at step 31 (median; 20–45).",
        "There is no model 'x/y' on the Hugging Face Hub (or it is private and you are not logged in).",
        "CUDA was asked for, but this machine has no usable CUDA GPU.",
        "Unknown device 'xy'; use cpu, cuda or mps.",
        "runs/a: the recording's frames are missing (3 files).",
    ]
    for sentence in sentences:
        korean = i18n.localize(sentence, "ko")
        assert HANGUL.search(korean) and not english_words(korean), (sentence, korean)
        assert i18n.localize(sentence, "en") == sentence
    order = i18n.localize("Could not read config.json in /m: bad.", "ko")  # numbered slots: Korean order
    assert order == "/m의 config.json을(를) 읽지 못했습니다: bad."


def test_tables_localize_their_column_names_and_text_cells():
    from ui import race, schedules

    explored = schedules.explore(["linear", "cosine"], 1000, 1e-4, 0.02, 0.008, 5, "leading")
    for table in (explored.key_numbers, explored.respaced):
        korean = i18n.localized(table, "ko").to_string()
        assert HANGUL.search(korean) and not english_words(korean), korean
    results = [race.LaneResult("DDIM-10", 10, 10, 0.5, 0.01), race.LaneResult("DDPM-10", 10, 10, 0.5, None)]
    korean = i18n.localized(race.results_table(results), "ko")
    assert list(korean.columns) == ["샘플러", "스텝 수", "NFE", "초", "기준과의 RMS 거리"]
    assert korean.iloc[-1, -1] == "확률적"


def test_language_of_a_request_link_flag_then_browser():
    def request(referer="", accept=""):
        return gr.Request(headers={"referer": referer, "accept-language": accept})

    assert i18n.lang_of(request("http://h/?lang=ko", "en-US,en")) == "ko"
    assert i18n.lang_of(request("http://h/?tab=forward", "ko-KR,ko;q=0.9")) == "ko"
    assert i18n.lang_of(request("http://h/", "ko-KR"), default="en") == "en"
    assert i18n.lang_of(request("http://h/?lang=en", "ko-KR"), default="ko") == "en"
    assert i18n.lang_of(request("http://h/", "fr-FR,ko;q=0.5")) == "en"  # the browser's first language only
    assert i18n.lang_of(None, default="ko") == "ko"


def test_say_follows_the_events_language():
    token = i18n.use_lang("ko")
    try:
        assert i18n.say("{} schedule(s), T = {}. Hover a curve for exact values.", 4, 1000).startswith("스케줄 4개")
    finally:
        i18n.reset_lang(token)
    assert i18n.say("{} schedule(s), T = {}. Hover a curve for exact values.", 4, 1000).startswith("4 schedule(s)")


def _texts(block) -> list[str]:
    """The words a component puts on the page: label, info, placeholder, a plot's title, a Markdown/Button value,
    choices; a plot's axis titles (kept plain)."""
    found = [getattr(block, name, None) for name in ("label", "info", "placeholder", "title")]
    for axis in ("x_title", "y_title"):  # Gradio's frontend does not translate a plot's axis titles: symbols only
        assert not isinstance(getattr(block, axis, None), I18nData), getattr(block, axis)
    if isinstance(block, (gr.Markdown, gr.Button, gr.HTML)):
        found.append(block.value)
    found += [getattr(block, axis, None) for axis in ("x_title", "y_title")]
    found += [name for name, _ in getattr(block, "choices", None) or []]
    return [text for text in found if text is not None]


@pytest.fixture(scope="module")
def demo():
    import app

    return app.build_demo(device="cpu")


def test_no_english_only_word_is_left_in_the_built_page(demo):
    dictionaries = i18n.translations(demo.texts.values())
    on_load = {id(component): value for component, value in demo.first_values}  # localized when a page loads
    untranslated = {}
    for block in demo.blocks.values():
        if "ddpm-hidden" in (getattr(block, "elem_classes", None) or []):
            continue  # a control only the key script clicks, hidden from everyone
        if id(block) in on_load:
            korean = i18n.localized(on_load[id(block)], "ko")
            korean = korean if isinstance(korean, str) else korean.to_string()  # a table
            assert HANGUL.search(korean) and not english_words(korean), korean
            continue
        for text in _texts(block):
            text = str(text)
            key = re.search(r'"key": "(ddpm_[0-9a-f]+)"', text)
            if key:
                assert HANGUL.search(dictionaries["ko"][key.group(1)]), dictionaries["en"][key.group(1)]
                continue
            if english_words(text):
                untranslated[text[:80]] = english_words(text)
    assert not untranslated, "\n".join(f"{text!r}: {sorted(words)}" for text, words in untranslated.items())


def test_the_english_page_keeps_its_english_words(demo):
    dictionaries = i18n.translations(demo.texts.values())
    english = set(dictionaries["en"].values())
    assert {"Forward noising", "Reverse sampling", "Timestep t", "Run", "Stop", "Seed"} <= english
