// DDPM Studio's presenter keys, loaded by launch(head=...) (ui/presenter.py says what each part is for).
// Gradio has no hotkeys of its own: these keys move the page's own sliders and press its own buttons, so every change
// goes through the app's normal events. The full-screen player mirrors the pictures of the tab on show.
(() => {
  const P = (window.ddpmPresenter = { sceneKey: 0, fresh: false });
  const $ = (selector) => document.querySelector(selector);
  const shown = (el) => !!el && el.getClientRects().length > 0;
  const src = (selector) => {
    const img = $(`${selector} img`);
    return img && img.getAttribute("src") ? img.src : "";
  };
  const NOT_TYPING = ["range", "checkbox", "radio", "button", "submit", "reset", "file", "color"];
  const RUNS = { reverse: ["#rev-run", "#rev-stop"], race: ["#race-start", "#race-stop"], lab2d: ["#lab-run", "#lab-stop"] };
  const SLIDERS = { forward: "#t-slider", lab2d: "#lab-t", reverse: "#rev-replay" };
  let animation = null; // the slider being played (Space), and its timer
  let refresher = null; // the player's refresh timer

  // The part of the page the keys drive: the tab (or the Reverse tab's panel) on show.
  function context() {
    if (shown($("#t-slider"))) return "forward";
    if (shown($("#lab-t"))) return "lab2d";
    if (shown($("#race-start"))) return "race";
    if (shown($("#rev-run"))) return "reverse";
    return "";
  }

  function typing(el) {
    if (!(el instanceof Element)) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && !NOT_TYPING.includes(el.type);
  }

  // ---- sliders ------------------------------------------------------------------------------------------------
  function range(ctx) {
    const box = SLIDERS[ctx] && $(SLIDERS[ctx]);
    const input = box && box.querySelector("input[type=range]");
    return shown(input) && !input.disabled ? input : null;
  }

  function setRange(input, value) {
    const next = Math.min(+input.max, Math.max(+input.min, Math.round(value)));
    if (next === +input.value) return false;
    input.value = String(next);
    input.dispatchEvent(new Event("input", { bubbles: true })); // what a drag sends: Gradio's .input and .change
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function nudge(ctx, by) {
    const input = range(ctx);
    if (input) setRange(input, +input.value + by);
    return !!input;
  }

  function jump(ctx, end) {
    const input = range(ctx);
    if (input) setRange(input, end ? +input.max : +input.min);
    return !!input;
  }

  function stopAnimation() {
    if (animation) clearInterval(animation.timer);
    animation = null;
  }

  // Space on a slider: play it forward from where it is (from the start when at the end); Space again pauses.
  function animate(ctx) {
    if (animation && animation.ctx === ctx) return stopAnimation();
    stopAnimation();
    const input = range(ctx);
    if (!input) return false;
    const span = +input.max - +input.min;
    const by = Math.max(1, Math.round(span / 100)); // t: 10 a tick; a replay: one frame a tick
    const tick = ctx === "reverse" ? 150 : 80;
    if (+input.value >= +input.max) setRange(input, +input.min);
    const timer = setInterval(() => {
      const live = range(ctx);
      if (!live || !setRange(live, +live.value + by) || +live.value >= +live.max) stopAnimation();
    }, tick);
    animation = { ctx, timer };
    return true;
  }

  // ---- runs ---------------------------------------------------------------------------------------------------
  // A run goes from its Run button's click until it shows its final picture (a finished or a stopped run does) or
  // Stop is pressed. Gradio marks no pending event on the page, so the script keeps count itself.
  const FINALS = { reverse: "#rev-final", race: "#race-finals" };
  const busy = {};

  function running(ctx) {
    if (!busy[ctx] || !FINALS[ctx]) return false;
    if (src(FINALS[ctx]) !== busy[ctx].final) delete busy[ctx];
    return !!busy[ctx];
  }

  function press(selector) {
    const button = $(selector);
    if (shown(button)) button.click();
    return shown(button);
  }

  function run(ctx) {
    stopAnimation();
    P.fresh = false;
    return RUNS[ctx] ? press(RUNS[ctx][0]) : false;
  }

  function playPause(ctx) {
    if (ctx === "forward" || ctx === "lab2d") return animate(ctx); // t: R runs the 2D lab's particles
    if (!RUNS[ctx]) return false;
    if (running(ctx)) return press(RUNS[ctx][1]);
    if (ctx === "reverse" && !P.fresh && range("reverse")) return animate("reverse");
    return run(ctx);
  }

  // ---- the full-screen player ---------------------------------------------------------------------------------
  function fraction(text) {
    const match = /(\d+)\s*\/\s*(\d+)/.exec(text || "");
    return match ? +match[1] / Math.max(1, +match[2]) : null;
  }

  // What the player shows for the tab on show: two pictures, a big readout and how far along it is.
  function playerView(ctx) {
    if (ctx === "forward" || ctx === "lab2d") {
      const input = range(ctx) || $(`${SLIDERS[ctx]} input[type=range]`);
      const t = input ? +input.value : 0;
      const right = ctx === "forward" ? (src("#x0-hat") ? ["#x0-hat", "x̂₀"] : ["#eps", "ε"]) : ["#lab-ode-paths", ""];
      const left = ctx === "forward" ? ["#x-t", "x_t"] : ["#lab-view", ""];
      const max = input ? +input.max : 999;
      return { left: src(left[0]), leftLabel: left[1], right: src(right[0]), rightLabel: right[1], step: "",
        t: `t = ${t}`, done: t / max, credit: "" };
    }
    if (ctx === "race") {
      const status = ($("#race-status") || {}).innerText || "";
      return { left: src("#race-lane-1"), leftLabel: "", right: src("#race-lane-2"), rightLabel: "", step: status,
        t: "", done: null, credit: "" };
    }
    // "Step 12/50 · t = 500 · 1.2 s", "Replay: frame 3/40 · step 12 · t = 500", or a run's last line ("Done: …")
    const progress = $("#rev-progress");
    const credit = progress && progress.querySelector(".recorded-credit");
    const creditText = credit ? credit.innerText.trim() : "";
    const parts = (progress ? progress.innerText : "").split("·").map((part) => part.trim())
      .filter((part) => part && part !== creditText);
    const pictures = { left: src("#rev-x-t"), leftLabel: "x_t", right: src("#rev-x0"), rightLabel: "x̂₀", credit: creditText };
    if (fraction(parts[0]) === null) return { ...pictures, step: parts.length ? "✓" : "", t: "", done: parts.length ? 1 : 0 };
    const where = parts.slice(1).filter((part) => !/^\d+(\.\d+)?\s*s$/.test(part)).pop(); // t = …, x_T, final
    return { ...pictures, step: parts[0], t: where || "", done: fraction(parts[0]) };
  }

  function setText(selector, text) {
    const el = $(selector);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function setImage(selector, url) {
    const img = $(selector);
    if (!img) return;
    if (url && img.getAttribute("src") !== url) img.setAttribute("src", url);
    img.style.visibility = url ? "visible" : "hidden";
  }

  function refresh() {
    const ctx = P.playerContext;
    const view = playerView(ctx);
    setImage("#player .ddpm-player-left", view.left);
    setImage("#player .ddpm-player-right", view.right);
    setText("#player .ddpm-player-left-label", view.leftLabel);
    setText("#player .ddpm-player-right-label", view.rightLabel);
    setText("#player .ddpm-player-step", view.step);
    setText("#player .ddpm-player-t", view.t);
    setText("#player .ddpm-player-credit", view.credit);
    const fill = $("#player .ddpm-player-fill");
    if (fill) fill.style.width = `${Math.round(100 * Math.min(1, Math.max(0, view.done ?? 0)))}%`;
  }

  function openPlayer() {
    P.playerContext = context() || "reverse";
    document.documentElement.classList.add("ddpm-player-open");
    refresh();
    clearInterval(refresher);
    refresher = setInterval(refresh, 100);
    const root = document.documentElement;
    if (root.requestFullscreen && !document.fullscreenElement) root.requestFullscreen().catch(() => {});
  }

  function closePlayer() {
    document.documentElement.classList.remove("ddpm-player-open");
    clearInterval(refresher);
    if (document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(() => {});
  }

  const playerOpen = () => document.documentElement.classList.contains("ddpm-player-open");

  function toggleStage() {
    const stage = $("#player .ddpm-stage");
    if (stage) stage.dataset.stage = stage.dataset.stage === "dark" ? "light" : "dark";
  }

  P.toggleHelp = () => document.documentElement.classList.toggle("ddpm-help-open");

  // The browser's own full screen ends with Esc before the page sees the key: the player closes with it.
  document.addEventListener("fullscreenchange", () => {
    if (!document.fullscreenElement && playerOpen()) closePlayer();
  });

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest(".ddpm-player-close")) closePlayer();
    else if (target.closest(".ddpm-player-light")) toggleStage();
    else if (target.closest("#key-help") && !target.closest(".ddpm-card")) P.toggleHelp();
    for (const [ctx, [start, stop]] of Object.entries(RUNS)) {
      if (target.closest(start)) busy[ctx] = { final: src(FINALS[ctx]) };
      if (target.closest(start)) P.fresh = false;
      if (target.closest(stop)) delete busy[ctx];
    }
  });

  // ---- scenes and links ---------------------------------------------------------------------------------------
  function scene(key) {
    const go = document.getElementById("scene-go");
    if (!go) return false;
    stopAnimation();
    P.sceneKey = key;
    go.click();
    return true;
  }

  // After a link or a scene is applied: the address says the view (keeping ?lang=), a run it names starts fresh,
  // and player=1 opens the player.
  P.applied = (query) => {
    const params = new URLSearchParams(query || "");
    if (!query) return;
    const lang = new URLSearchParams(location.search).get("lang");
    if (lang && !params.has("lang")) params.set("lang", lang);
    if (params.get("lang") && params.get("lang") !== lang && window.ddpmSetLang) window.ddpmSetLang(params.get("lang"));
    const url = new URL(location.href);
    url.search = params.toString();
    history.replaceState(history.state, "", url);
    P.fresh = ["reverse", "race"].includes(params.get("tab"));
    if (params.get("player") === "1") setTimeout(openPlayer, 300);
    else if (playerOpen()) setTimeout(() => { P.playerContext = context() || P.playerContext; }, 300);
  };

  // "Copy link to this view": the link in the address bar and on the clipboard; the full link for the text box.
  P.copied = (query) => {
    const url = new URL(location.href);
    url.search = query || "";
    history.replaceState(history.state, "", url);
    if (navigator.clipboard) navigator.clipboard.writeText(url.toString()).catch(() => {});
    return url.toString();
  };

  // ---- the keys -----------------------------------------------------------------------------------------------
  function handle(event) {
    const ctx = context();
    const key = event.key;
    if (key === "Escape") {
      if (document.documentElement.classList.contains("ddpm-help-open")) return P.toggleHelp(), true;
      return playerOpen() ? (closePlayer(), true) : false;
    }
    if (key === "?") return P.toggleHelp(), true;
    if (key === "f" || key === "F") return playerOpen() ? closePlayer() : openPlayer(), true;
    if ((key === "l" || key === "L") && playerOpen()) return toggleStage(), true;
    if (key === "r" || key === "R") return run(ctx);
    if (/^[1-9]$/.test(key)) return scene(+key);
    const onSlider = event.target instanceof HTMLInputElement && event.target.type === "range";
    if (key === " ") return playPause(ctx);
    if (onSlider) return false; // the focused slider moves itself: the browser's own arrows, Home and End
    if (key === "ArrowRight" || key === "ArrowLeft") {
      stopAnimation();
      return nudge(ctx, (key === "ArrowRight" ? 1 : -1) * (event.shiftKey ? 10 : 1));
    }
    if (key === "Home" || key === "End") return stopAnimation(), jump(ctx, key === "End");
    return false;
  }

  document.addEventListener(
    "keydown",
    (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      if (typing(event.target) || typing(document.activeElement)) return; // never while typing in a field
      if (handle(event)) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true,
  );
})();
