"""Look and words shared by every tab: theme, CSS (normal and --talk presentation mode), header, LaTeX delimiters."""

from __future__ import annotations

from html import escape

import gradio as gr

LATEX = [
    {"left": "$$", "right": "$$", "display": True},
    {"left": "$", "right": "$", "display": False},
]

HEADER = r"""
# DDPM Studio
A **denoising diffusion probabilistic model** (Ho et al. 2020) learns to undo a fixed noising process.
The forward process adds Gaussian noise step by step,
$q(x_t \mid x_{t-1}) = \mathcal{N}(\sqrt{1-\beta_t}\,x_{t-1},\ \beta_t I)$,
and jumps to any $t$ in one shot: $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon$,
with $\bar\alpha_t = \prod_{s\le t}(1-\beta_s)$ and $\varepsilon \sim \mathcal{N}(0, I)$.
A network $\varepsilon_\theta(x_t, t)$ learns to predict the noise; sampling walks the chain backwards.
"""

CSS = """
.gradio-container { max-width: 1400px !important; }
#ddpm-header h1 { margin-bottom: 0.2em; }
#ddpm-header p { font-size: 1.02em; line-height: 1.5; }
.readouts { font-variant-numeric: tabular-nums; }
.footer-note { opacity: 0.8; font-size: 0.9em; }
.pixelated img { image-rendering: pixelated; width: 100%; height: 100%; object-fit: contain; }
.fill-panel img { width: 100%; height: 100%; object-fit: contain; }
/* Gradio draws an image's label over its top-left corner: keep the picture below it, whole. */
.pixelated .image-frame, .fill-panel .image-frame { padding-top: 2.4em; box-sizing: border-box; }
.plot-legend { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25em 1.5em; padding: 0.2em 0.5em;
  font-size: var(--text-md); color: var(--body-text-color); }
.plot-legend .legend-key { display: inline-flex; align-items: center; gap: 0.45em; white-space: nowrap; }
.plot-legend .legend-swatch { display: inline-block; width: 1.8em; height: 0.32em; border-radius: 0.16em; }
.plot-legend .legend-note { color: var(--body-text-color-subdued); }
"""

# Presentation mode: bigger type, heavier contrast, controls that are easy to hit from across a room.
TALK_CSS = """
.gradio-container { max-width: 1800px !important; font-size: 22px !important; }
.gradio-container p, .gradio-container label, .gradio-container span:not(.katex *), .gradio-container button,
.gradio-container input { font-size: 22px !important; }
.gradio-container .info-text { font-size: 18px !important; line-height: 1.35 !important; }
.gradio-container .katex { font-size: 1.15em !important; }
#ddpm-header h1 { font-size: 2.6em !important; }
.readouts, .readouts p { font-size: 26px !important; }
.gradio-container button:is(.lg, .md, .sm):is(.primary, .secondary, .stop) {
  min-height: 56px !important; font-weight: 700 !important; }
.tab-wrapper button, button[role=tab] { font-size: 26px !important; padding: 12px 24px !important; }

/* Sliders: a thick track with the big thumb centred on it, and a number box + reset button tall enough for the
   big type (Gradio's box is 24 px high and hides what overflows, which squashed the ↺ button). */
input[type=range] { height: 40px !important; }
input[type=range]::-webkit-slider-runnable-track { height: 12px !important; }
input[type=range]::-webkit-slider-thumb { width: 36px !important; height: 36px !important; margin-top: -12px !important;
  box-shadow: 0 0 0 2px #1f2937 !important; }
input[type=range]::-moz-range-track, input[type=range]::-moz-range-progress { height: 12px !important; }
input[type=range]::-moz-range-thumb { width: 36px !important; height: 36px !important; }
.gradio-container .tab-like-container { height: 48px !important; border-width: 2px !important; }
.gradio-container .tab-like-container input[type=number] { font-size: 24px !important; min-width: 4.2em !important;
  padding: 0 10px !important; }
.gradio-container .tab-like-container .reset-button { font-size: 28px !important; min-width: 52px !important;
  min-height: 0 !important; padding: 0 12px !important; line-height: 1 !important; }

/* The sketchpad's brush and eraser (20 px targets) made big enough to hit while presenting. */
.gradio-container .image-container button.quite-round { min-width: 44px !important; min-height: 44px !important; }

/* Gradio's native (Vega) plots size their axis labels and titles with --text-sm and the plot title with --text-md,
   read from the plot's own element: raise them on the plots alone. Their legends are ours (.plot-legend). */
.ddpm-plot { --text-sm: 20px; --text-md: 26px; }
.plot-legend, .plot-legend span { font-size: 24px !important; }
.plot-legend .legend-swatch { height: 0.4em; }
#vg-tooltip-element, #vg-tooltip-element td { font-size: 20px !important; }
"""

PLOT_CLASS = "ddpm-plot"  # every gr.LinePlot carries it, so that talk mode can raise its fonts


def legend_html(colors: dict[str, str], note: str = "") -> str:
    """A legend for plots whose own legend is turned off: a coloured line and a name per series, in page type (so it
    grows in talk mode), wrapping onto more lines when needed and never drawn over the curves."""
    keys = "".join(
        f'<span class="legend-key"><span class="legend-swatch" style="background:{color}"></span>{escape(name)}</span>'
        for name, color in colors.items()
    )
    extra = f'<span class="legend-note">{escape(note)}</span>' if note else ""
    return f'<div class="plot-legend">{keys}{extra}</div>'


def make_theme(talk: bool = False) -> gr.themes.Base:
    if talk:
        return gr.themes.Default(
            primary_hue="orange",
            neutral_hue="slate",
            text_size=gr.themes.sizes.text_lg,
            spacing_size=gr.themes.sizes.spacing_lg,
            radius_size=gr.themes.sizes.radius_sm,
        ).set(
            body_text_color="#000000",
            block_label_text_color="#000000",
            body_text_color_subdued="#111111",
            slider_color="#c2410c",
        )
    return gr.themes.Soft(primary_hue="indigo", neutral_hue="slate")


def launch_kwargs(talk: bool = False, more_css: str = "") -> dict:
    """theme/css for ``Blocks.launch`` (Gradio 6 takes them there, not in the Blocks constructor); ``more_css``:
    a part's own style sheet (the presenter's)."""
    return {"theme": make_theme(talk), "css": CSS + (TALK_CSS if talk else "") + more_css}
