"""English and Korean: the page's words through Gradio's own i18n, and the server's sentences in the page's language.

Static words (labels, info, buttons, tabs, choices, Markdown) are written in English at their call site and wrapped
in ``t("Timestep t")``: Gradio gets an ``I18nData`` key and the browser shows the Korean of ``ui/locales/ko.py`` when
the page is Korean (Gradio translates in the frontend). A text assembled around words (a legend's HTML) is
``built(lambda say: ...)``, rendered once per language. ``StudioBlocks.launch`` hands Gradio the dictionaries
(``i18n=``) of everything its page built. An English text the catalogue cannot translate stays English
(``tests/test_i18n.py`` lists every one left on the page).

Sentences the server writes while the page runs — a ``gr.Error``, a status line with numbers — are written in
English too; ``localize(text, lang)`` translates them by the catalogue's *templates* (``"{} must be a number; got
{}."``, each slot's part translated in turn), so ``ddpm`` keeps raising plain English ``DDPMError`` sentences and no
message is written twice. ``StudioBlocks`` runs every event in its request's language (``lang_of``), so handlers
write ``say("Step {}/{}", k, n)``, and translates the ``gr.Error`` sentence that leaves an event. Tables and sentences
computed while the page is built are ``first_value``: a Korean page gets them ``localized`` when it loads.

Which language: ``?lang=ko|en`` in the page's address, else ``python app.py --lang ko|en``, else the browser's own
(``navigator.language`` in the page, ``Accept-Language`` on the server — the same setting), else English. Gradio
itself reads only the browser: ``page_head`` is the script (``launch(head=)``) that switches Gradio's locale to the
first two, relabels the tab buttons Gradio words only once, and keeps ``?lang=`` in the address, where the server
reads the page's language (the Referer of its events). ``window.ddpmSetLang("ko")`` switches a page from other scripts.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Literal, get_args
from urllib.parse import parse_qs, urlparse

import gradio as gr
import pandas as pd
from gradio.context import Context
from gradio.i18n import I18nData

from .locales.ko import KO

Lang = Literal["en", "ko"]
LANGS: tuple[Lang, ...] = get_args(Lang)
QUERY = "lang"  # ?lang=ko in the page's address

_current: contextvars.ContextVar[Lang] = contextvars.ContextVar("ddpm_lang", default="en")


def key_of(english: str) -> str:
    """The frontend key of an English text: short, and free of the characters Gradio's key parser stops at."""
    return "ddpm_" + hashlib.sha1(english.encode()).hexdigest()[:12]


class Text(I18nData):
    """A text the page translates: Gradio's key, and the English it stands for (for sentences about a component)."""

    def __init__(self, english: str):
        super().__init__(key_of(english))
        self.english = english


def t(english: str) -> Text | str:
    """A static text for a component (label, info, value, tab name, choice): translated by the page when it is
    Korean. Built inside ``StudioBlocks``, it joins that page's dictionaries; a text the catalogue cannot translate
    stays a plain string."""
    return built(lambda say: say(english))


def built(render: Callable[[Callable[[str], str]], str]) -> Text | str:
    """A static text assembled around words (a legend's HTML, a sentence with a number): ``render(say)`` is called
    once per language, its words through ``say``; the page shows the one of its language."""
    texts = {lang: render(partial(localize, lang=lang)) for lang in LANGS}
    if texts["ko"] == texts["en"]:
        return texts["en"]
    text = Text(texts["en"])
    root = Context.root_block
    if isinstance(root, StudioBlocks):
        root.texts[text.key] = texts
    return text


def choices(values: Iterable[str]) -> list[tuple[Text | str, str]]:
    """(shown name, value) pairs for a radio or dropdown: the page shows each value translated; handlers get it."""
    return [(t(value), value) for value in values]


def english(value) -> str:
    """The English behind ``t(...)`` (for sentences the server writes about a component), else ``str(value)``."""
    if isinstance(value, Text):
        return value.english
    return "" if value is None else str(value)


def translations(built_texts: Iterable[dict[Lang, str]] = ()) -> dict[str, dict[str, str]]:
    """The two dictionaries Gradio's frontend looks keys up in: every catalogue text (``t`` at import time) and the
    texts a page built."""
    texts = [{lang: localize(english_text, lang) for lang in LANGS} for english_text in KO] + list(built_texts)
    return {lang: {key_of(text["en"]): text[lang] for text in texts} for lang in LANGS}


# --- the server's sentences ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    english: str
    pattern: re.Pattern
    korean: str


@lru_cache(maxsize=1)
def _templates() -> tuple[_Template, ...]:
    """Catalogue entries with ``{}`` slots, most specific (longest fixed text) first."""
    found = []
    for english_text, korean in KO.items():
        if "{}" not in english_text:
            continue
        parts = [re.escape(part) for part in english_text.split("{}")]
        found.append(_Template(english_text, re.compile("(.+?)".join(parts) + r"\Z", re.S), korean))
    return tuple(sorted(found, key=lambda tpl: -len(tpl.english.replace("{}", ""))))


def localize(text: str, lang: Lang | None = None) -> str:
    """``text`` (an English sentence, maybe with numbers and names in it) in ``lang`` (default: the current one).

    A text the catalogue holds is looked up; otherwise the first template that matches the whole text gives the
    sentence, its slots filled with the matched parts, each translated in turn (a component's name, a range).
    Anything else comes back unchanged."""
    lang = lang or _current.get()
    if lang == "en" or not text:
        return text
    if text in KO:
        return KO[text]
    for template in _templates():
        match = template.pattern.match(text)
        if match:
            return template.korean.format(*(localize(part, lang) for part in match.groups()))
    return text


def say(template: str, *values) -> str:
    """A sentence the server writes, in the current event's language: ``say("Step {} of {}", k, n)``."""
    return localize(template.format(*values)) if values else localize(template)


def localized(value, lang: Lang | None = None):
    """A value a handler computed in English, in ``lang``: a sentence through ``localize``; a table's column names and
    its text cells too."""
    if isinstance(value, str):
        return localize(value, lang)
    if isinstance(value, pd.DataFrame):
        table = value.rename(columns=lambda name: localize(str(name), lang))
        return table.apply(lambda column: column.map(lambda x: localize(x, lang) if isinstance(x, str) else x))
    return value


def first_value(component, value):
    """``component`` shows ``value`` (an English table or sentence computed while the page is built): a Korean page
    gets it ``localized`` when it loads. Returns ``component``."""
    root = Context.root_block
    if isinstance(root, StudioBlocks):
        root.first_values.append((component, value))
    return component


def current_lang() -> Lang:
    return _current.get()


def use_lang(lang: Lang) -> contextvars.Token:
    """Sets the language of what runs from here in this context (an event); ``reset_lang(token)`` undoes it."""
    return _current.set(lang)


def reset_lang(token: contextvars.Token) -> None:
    _current.reset(token)


def pick(value: str | None) -> Lang | None:
    """``"ko"``, ``"ko-KR"`` → ``"ko"``; ``"en-GB"`` → ``"en"``; anything else → None."""
    primary = (value or "").strip().split("-")[0].split("_")[0].lower()
    return primary if primary in LANGS else None  # type: ignore[return-value]


def lang_of(request: gr.Request | None, default: Lang | None = None) -> Lang:
    """The language a request's page shows: ``?lang=`` in the page's address (the Referer of its events), else
    ``default`` (``--lang``), else the browser's first language (Accept-Language), else English."""
    if request is None:
        return default or "en"
    headers = getattr(request, "headers", None) or {}
    query = parse_qs(urlparse(headers.get("referer", "")).query).get(QUERY, [None])[-1]
    page_params = getattr(request, "query_params", None) or {}
    browser = headers.get("accept-language", "").split(",")[0].split(";")[0]
    return pick(query) or pick(page_params.get(QUERY)) or default or pick(browser) or "en"


class StudioBlocks(gr.Blocks):
    """``gr.Blocks`` whose events run in their page's language: ``current_lang()`` inside handlers (and inside the
    input components' checks), and every ``gr.Error`` sentence that leaves an event translated by ``localize``."""

    def __init__(self, *args, default_lang: Lang | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_lang = default_lang  # --lang: the page's language unless ?lang= says otherwise
        self.texts: dict[str, dict[Lang, str]] = {}  # key → each language's text, of t()/built() inside this Blocks
        self.first_values: list[tuple[gr.components.Component, object]] = []  # see ``first_value``

    def __exit__(self, exc_type=None, *args):
        if exc_type is None and self.first_values:
            components, values = zip(*self.first_values, strict=True)

            def first_values_in_language() -> list:
                return [localized(v) if current_lang() != "en" else gr.skip() for v in values]

            self.load(first_values_in_language, None, list(components), api_name="first_values_in_language")
        return super().__exit__(exc_type, *args)

    def get_api_info(self, all_endpoints: bool = False, page: str | None = None):
        """Gradio's API description, its parameters and returns named in English (the API has no page language)."""
        info = super().get_api_info(all_endpoints=all_endpoints, page=page)
        for endpoints in info.values():
            for endpoint in endpoints.values():
                for item in endpoint.get("parameters", []) + endpoint.get("returns", []):
                    if isinstance(item.get("label"), I18nData):
                        item["label"] = english(item["label"])
        return info

    def shown(self, value, lang: Lang = "en") -> str:
        """What the page shows for a component's text in ``lang`` (a ``t()`` key looked up, anything else as is)."""
        key = re.search(r'"key": "(ddpm_[0-9a-f]+)"', str(value))
        if key is None:
            return "" if value is None else str(value)
        return translations(self.texts.values())[lang].get(key.group(1), str(value))

    def launch(self, *args, i18n: gr.I18n | None = None, head: str | None = None, **kwargs):
        """Gradio's launch, with this page's dictionaries and the script that picks its language."""
        i18n = i18n or gr.I18n(**translations(self.texts.values()))
        return super().launch(*args, i18n=i18n, head=page_head(self.default_lang) + (head or ""), **kwargs)

    async def process_api(self, block_fn, inputs, state=None, request=None, *args, **kwargs):
        first = request[0] if isinstance(request, list) and request else request
        token = use_lang(lang_of(first, self.default_lang))
        try:
            return await super().process_api(block_fn, inputs, state, request, *args, **kwargs)
        except gr.Error as error:
            error.message, error.title = localize(error.message), localize(error.title)
            raise
        finally:
            reset_lang(token)


# --- the page ------------------------------------------------------------------------------------------------------


def page_head(default: Lang | None = None) -> str:
    """A ``<script>`` for ``launch(head=...)``: the page switches Gradio's locale to ``?lang=`` (or ``default``),
    and a later switch (Gradio's settings) is written back into the address so the server follows it."""
    return f"<script>{_PAGE_JS.replace('__DEFAULT__', json.dumps(default))}</script>"


_PAGE_JS = """
(() => {
  const ours = (tag) => (tag || "").toLowerCase().startsWith("ko") ? "ko" : "en";
  const wanted = new URLSearchParams(location.search).get("lang") || __DEFAULT__;
  const serverGuess = __DEFAULT__ || ours(navigator.language);  // what the server assumes without ?lang=
  async function setLocale(lang) {
    // Gradio's locale store lives in its core module; the page has loaded it already, so this import is that module.
    const core = performance.getEntriesByType("resource").map((e) => e.name)
      .find((name) => /\\/assets\\/core-[\\w-]+\\.js$/.test(name));
    if (core) (await import(core)).changeLocale(lang);
  }
  function relabelTabs() {
    // Gradio words the buttons of tabs not yet opened once, when the page mounts: a later switch passes them by.
    const lang = ours(document.documentElement.lang);
    const config = window.gradio_config || {};
    const words = config.i18n_translations || {};
    for (const button of document.querySelectorAll("button[role=tab][data-tab-id]")) {
      const tab = (config.components || []).find((c) => c.type === "tabitem"
        && String(c.props.id ?? c.id) === button.dataset.tabId);
      const label = tab && tab.props.label;
      const key = label && (label.key || (String(label).match(/"key": ?"([^"]+)"/) || [])[1]);
      const text = key && ((words[lang] || {})[key] || (words.en || {})[key]);
      if (text) setText(button, text);
    }
    for (const hidden of document.querySelectorAll(".tab-container.visually-hidden")) {
      // Gradio's measuring copy of the buttons (it decides which tabs overflow): the same words, in the same order.
      const shown = hidden.parentElement.querySelectorAll("button[role=tab]");
      hidden.querySelectorAll("button").forEach((button, i) => shown[i] && setText(button, shown[i].textContent));
    }
  }
  function setText(button, text) {
    const node = [...button.childNodes].find((n) => n.nodeType === Node.TEXT_NODE);
    if (node && node.data !== text) node.data = text;  // Svelte's own text node: it may still update it
  }
  let switched = false, queued = false;
  new MutationObserver(() => {  // tabs drawn later (a nested tab set, a re-render) keep the switched language
    if (!switched || queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; relabelTabs(); });
  }).observe(document.body, { childList: true, subtree: true });
  let shownLang = ours(document.documentElement.lang);
  function onSwitch() {
    // Every switch (ours, or Gradio's settings) relabels the tabs and goes into the address, where the server reads it.
    const lang = ours(document.documentElement.lang);
    if (lang === shownLang) return;  // the attribute is written again on other occasions
    shownLang = lang;
    switched = true;
    relabelTabs();
    const url = new URL(location.href);
    if (url.searchParams.get("lang") !== lang && (url.searchParams.has("lang") || lang !== serverGuess)) {
      url.searchParams.set("lang", lang);
      history.replaceState(history.state, "", url);
    }
  }
  new MutationObserver(onSwitch).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  window.ddpmSetLang = (lang) => {
    if ((lang === "ko" || lang === "en") && ours(document.documentElement.lang) !== lang) setLocale(lang);
  };
  window.ddpmSetLang(wanted);
})();
"""
