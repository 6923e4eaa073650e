"""Look and words shared by every tab: theme, CSS (normal and --talk presentation mode), header, LaTeX delimiters."""

from __future__ import annotations

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
"""

# Presentation mode: bigger type, heavier contrast, controls that are easy to hit from across a room.
TALK_CSS = """
.gradio-container { max-width: 1800px !important; font-size: 22px !important; }
.gradio-container p, .gradio-container label, .gradio-container span:not(.katex *), .gradio-container button,
.gradio-container input { font-size: 22px !important; }
.gradio-container .katex { font-size: 1.15em !important; }
#ddpm-header h1 { font-size: 2.6em !important; }
.readouts, .readouts p { font-size: 26px !important; }
input[type=range] { height: 28px !important; }
input[type=range]::-webkit-slider-thumb { width: 36px !important; height: 36px !important; }
.gradio-container button { min-height: 56px !important; font-weight: 700 !important; }
.tab-wrapper button, button[role=tab] { font-size: 26px !important; padding: 12px 24px !important; }
"""


def make_theme(talk: bool = False) -> gr.themes.Base:
    if talk:
        return gr.themes.Default(
            primary_hue="orange", neutral_hue="slate", text_size=gr.themes.sizes.text_lg,
            spacing_size=gr.themes.sizes.spacing_lg, radius_size=gr.themes.sizes.radius_sm,
        ).set(body_text_color="#000000", block_label_text_color="#000000", body_text_color_subdued="#111111",
              slider_color="#c2410c")
    return gr.themes.Soft(primary_hue="indigo", neutral_hue="slate")


def launch_kwargs(talk: bool = False) -> dict:
    """theme/css for ``Blocks.launch`` (Gradio 6 takes them there, not in the Blocks constructor)."""
    return {"theme": make_theme(talk), "css": CSS + (TALK_CSS if talk else "")}
