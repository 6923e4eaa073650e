"""The "Schedule explorer" tab: linear, quadratic, sigmoid and cosine schedules side by side.

``explore`` is a plain function: parameters in, plot tables, key numbers, an image strip, the respaced chain and a
CSV out. A bad combination of parameters returns a message instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import get_args

import gradio as gr
import numpy as np
import pandas as pd
import torch
from PIL import Image

from ddpm import DDPMError, NoiseSchedule
from ddpm.diffusion import randn
from ddpm.options import Spacing
from ddpm.sampling import timesteps_for
from ddpm.schedule import DEFAULT_BETA_END, DEFAULT_BETA_START, DEFAULT_COSINE_S, SCHEDULE_KINDS

from . import params, workspace
from .bundled_examples import EXAMPLES, load_example
from .i18n import LANGS, built, choices, first_value, localize, localized, say, t
from .inputs import Choice, Choices, OptionalReal, OptionalWhole, Pick, WholeSlider
from .intake import to_tensor
from .outputs import SKIP, Outputs
from .pictures import labelled_grid, to_image
from .theme import LATEX, PLOT_CLASS, legend_html

COLORS = {"linear": "#4f46e5", "quadratic": "#0891b2", "sigmoid": "#16a34a", "cosine": "#dc2626"}
LIGHT = {"linear": "#a5b4fc", "quadratic": "#67e8f9", "sigmoid": "#86efac", "cosine": "#fca5a5"}
PAIR_COLORS = {
    f"{k}{suffix}": shade[k]
    for k in COLORS
    for suffix, shade in [(" √ᾱ", COLORS), (" √(1−ᾱ)", LIGHT), (" β", LIGHT), (" β̃", COLORS)]
}
# Exploration field → (elem_id, title, y-axis title, colours); pairs: dark √ᾱ_t and β̃_t, light √(1−ᾱ_t) and β_t
PLOTS = {
    "beta": ("plot-beta", "log₁₀ β_t", "log₁₀ β", COLORS),
    "alpha_bar": ("plot-alpha-bar", "ᾱ_t (signal variance kept)", "ᾱ", COLORS),
    "sqrt_terms": ("plot-sqrt", "√ᾱ_t (dark) and √(1−ᾱ_t) (light)", "√ᾱ, √(1−ᾱ)", PAIR_COLORS),
    "log_snr": ("plot-log-snr", "log-SNR = log(ᾱ_t / (1−ᾱ_t))", "log SNR", COLORS),
    "posterior": ("plot-posterior", "log₁₀ β̃_t (dark) vs log₁₀ β_t (light)", "log₁₀ σ²", PAIR_COLORS),
}
STRIP_FRACTIONS = (0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0)
MAX_T = 10_000  # the longest schedule the tab draws
MAX_POINTS = 400  # per series in the browser; the CSV has every t


@dataclass(frozen=True)
class Exploration(Outputs):
    """Everything the tab shows, in the order of its outputs; only ``message`` when the parameters were refused."""

    message: str
    legend: str = SKIP
    beta: pd.DataFrame = SKIP
    alpha_bar: pd.DataFrame = SKIP
    sqrt_terms: pd.DataFrame = SKIP
    log_snr: pd.DataFrame = SKIP
    posterior: pd.DataFrame = SKIP
    key_numbers: pd.DataFrame = SKIP
    strip: Image.Image = SKIP
    respaced: pd.DataFrame = SKIP
    csv_path: str = SKIP


def make_schedules(kinds, T, beta_start, beta_end, cosine_s) -> dict[str, NoiseSchedule]:
    """The chosen schedules; ``DDPMError`` with one sentence for a bad combination."""
    kinds = [k for k in SCHEDULE_KINDS if k in (kinds if isinstance(kinds, (list, tuple)) else [])]
    if not kinds:
        raise DDPMError("Pick at least one schedule to plot.")
    if T is None or beta_start is None or beta_end is None or cosine_s is None:
        raise DDPMError("Fill in T, β_start, β_end and s.")
    T = params.whole(T, "T", 2, MAX_T)
    out = {}
    for kind in kinds:
        if kind == "cosine":
            out[kind] = NoiseSchedule.make(kind, T, s=params.real(cosine_s, "The cosine offset s"))
        else:
            betas = params.real(beta_start, "β_start"), params.real(beta_end, "β_end")
            out[kind] = NoiseSchedule.make(kind, T, beta_start=betas[0], beta_end=betas[1])
    return out


def series_table(
    schedules: dict[str, NoiseSchedule], columns: dict[str, callable], log10: bool = False
) -> pd.DataFrame:
    """One row per (series, t) on a thinned grid of t (at most MAX_POINTS per series, always including T-1)."""
    frames = []
    for kind, s in schedules.items():
        T = s.num_timesteps
        idx = np.unique(np.linspace(0, T - 1, min(T, MAX_POINTS)).round().astype(int))
        for suffix, fn in columns.items():
            values = fn(s)[idx].numpy()
            if log10:
                values = np.log10(np.clip(values, 1e-300, None))
            frames.append(pd.DataFrame({"t": idx, "value": values, "series": f"{say(kind)}{suffix}"}))
    return pd.concat(frames, ignore_index=True)


def in_every_language(colors: dict[str, str]) -> dict[str, str]:
    """A plot's colour map for its series named in each language of the page (``series_table`` names them)."""
    mapped = {}
    for series, color in colors.items():
        kind, _, suffix = series.partition(" ")
        for lang in LANGS:
            mapped[localize(kind, lang) + (f" {suffix}" if suffix else "")] = color
    return mapped


def legend(kinds, say=say) -> str:
    """One legend for every plot (theirs are off: 8 entries did not fit and were cut off): a colour per schedule."""
    return legend_html(
        {say(kind): COLORS[kind] for kind in kinds},
        note=say("two lines per schedule: dark √ᾱ_t and β̃_t, light √(1−ᾱ_t) and β_t"),
    )


def key_numbers(schedules: dict[str, NoiseSchedule]) -> pd.DataFrame:
    rows = []
    for kind, s in schedules.items():
        t1 = s.t_at_snr(1.0)
        rows.append(
            {
                "schedule": kind,
                "ᾱ at T−1": float(f"{s.alpha_bars[-1].item():.4g}"),
                "SNR at T−1 (dB)": round(s.snr_db[-1].item(), 1),
                "t where SNR = 1": "never" if t1 is None else t1,
                "mean β": float(f"{s.betas.mean().item():.4g}"),
            }
        )
    return pd.DataFrame(rows)


def strip(schedules: dict[str, NoiseSchedule], example: str = "Astronaut", seed: int = 0) -> Image.Image:
    """One image, one ε, noised by each schedule at the same t values: one row per schedule."""
    x0 = to_tensor(load_example(example).open(), 64, "RGB")[None]  # (1, 3, 64, 64): a small strip, shown pixel-exact
    eps = randn(x0.shape, torch.Generator().manual_seed(seed))
    T = next(iter(schedules.values())).num_timesteps
    ts = [min(round(f * T), T - 1) for f in STRIP_FRACTIONS]
    rows = [[to_image(s.q_sample(x0, t, eps)) for t in ts] for s in schedules.values()]
    return labelled_grid(rows, [f"t = {t}" for t in ts], row_labels=list(schedules), cell=96)


def respaced(schedules: dict[str, NoiseSchedule], num_steps, spacing: str) -> pd.DataFrame:
    """The K-step chain a sampler walks: kept timesteps t_k, their ᾱ, and β'_k = 1 − ᾱ_{t_k}/ᾱ_{t_{k−1}}."""
    rows = []
    for kind, s in schedules.items():
        K = min(int(num_steps), s.num_timesteps)
        chain = s.respace(timesteps_for(s.num_timesteps, K, spacing))
        for k in range(len(chain)):
            rows.append(
                {
                    "schedule": kind,
                    "k": k,
                    "t_k": int(chain.timesteps[k]),
                    "ᾱ_t_k": float(f"{chain.alpha_bars[k].item():.6g}"),
                    "β'_k": float(f"{chain.betas[k].item():.6g}"),
                    "β at t_k": float(f"{s.betas[chain.timesteps[k]].item():.6g}"),
                }
            )
    return pd.DataFrame(rows)


def write_csv(schedules: dict[str, NoiseSchedule]) -> str:
    frames = [
        pd.DataFrame(
            {
                "schedule": kind,
                "t": np.arange(s.num_timesteps),
                "beta": s.betas.numpy(),
                "alpha_bar": s.alpha_bars.numpy(),
                "sqrt_alpha_bar": s.sqrt_alpha_bars.numpy(),
                "sqrt_one_minus_alpha_bar": s.sqrt_one_minus_alpha_bars.numpy(),
                "log_snr": s.log_snr.numpy(),
                "posterior_variance": s.posterior_variance.numpy(),
            }
        )
        for kind, s in schedules.items()
    ]
    path = workspace.new_file("schedules-", ".csv")
    pd.concat(frames, ignore_index=True).to_csv(path, index=False, float_format="%.10g")
    return str(path)


def explore(
    kinds,
    T=1000,
    beta_start=DEFAULT_BETA_START,
    beta_end=DEFAULT_BETA_END,
    cosine_s=DEFAULT_COSINE_S,
    num_steps=50,
    spacing="leading",
    example="Astronaut",
) -> Exploration | str:
    """Everything the tab shows, or a one-sentence message when the parameters do not make a schedule."""
    try:
        schedules = make_schedules(kinds, T, beta_start, beta_end, cosine_s)
        num_steps = params.whole(num_steps, "The number of sampler steps K", 1, MAX_T)
        chain = respaced(schedules, num_steps, spacing)
        image_strip = strip(schedules, example)
    except DDPMError as error:
        return str(error)
    T = int(T)
    return Exploration(
        message=say("{} schedule(s), T = {}. Hover a curve for exact values.", len(schedules), T),
        legend=legend(list(schedules)),
        beta=series_table(schedules, {"": lambda s: s.betas}, log10=True),
        alpha_bar=series_table(schedules, {"": lambda s: s.alpha_bars}),
        sqrt_terms=series_table(
            schedules, {" √ᾱ": lambda s: s.sqrt_alpha_bars, " √(1−ᾱ)": lambda s: s.sqrt_one_minus_alpha_bars}
        ),
        log_snr=series_table(schedules, {"": lambda s: s.log_snr}),
        posterior=series_table(
            schedules, {" β": lambda s: s.betas, " β̃": lambda s: s.posterior_variance.clamp_min(1e-12)}, log10=True
        ),
        key_numbers=key_numbers(schedules),
        strip=image_strip,
        respaced=chain,
        csv_path=write_csv(schedules),
    )


def explore_event(kinds, T, beta_start, beta_end, cosine_s, num_steps, spacing, example):
    """``explore`` for the UI: a bad combination shows its message and leaves the plots as they were."""
    result = explore(kinds, T, beta_start, beta_end, cosine_s, num_steps, spacing, example)
    if isinstance(result, str):
        return Exploration(f"⚠️ {localize(result)}").as_outputs()
    tables = {"key_numbers": localized(result.key_numbers), "respaced": localized(result.respaced)}
    return replace(result, **tables).as_outputs()


@dataclass(frozen=True)
class Parameters:
    """The inputs of ``explore``, in its parameter order."""

    kinds: Choices
    T: OptionalWhole
    beta_start: OptionalReal
    beta_end: OptionalReal
    cosine_s: OptionalReal
    num_steps: WholeSlider
    spacing: Choice
    example: Pick

    def changes(self) -> list:
        """Every edit that re-explores: choices at once, typed numbers on Enter or when the field is left."""
        typed = [self.T, self.beta_start, self.beta_end, self.cosine_s]
        return [
            self.kinds.change,
            *(n.submit for n in typed),
            *(n.blur for n in typed),
            self.num_steps.release,
            self.spacing.change,
            self.example.change,
        ]


def _schedule_numbers() -> tuple[Choices, OptionalWhole, OptionalReal, OptionalReal, OptionalReal]:
    with gr.Row():
        kinds = Choices(
            choices(SCHEDULE_KINDS), value=list(SCHEDULE_KINDS), label=t("Schedules"), elem_id="kinds", scale=3
        )
        T = OptionalWhole(1000, label=t("T"), precision=0, minimum=2, maximum=MAX_T, elem_id="T", scale=1)
        beta_start = OptionalReal(DEFAULT_BETA_START, label=t("β_start"), elem_id="beta-start", scale=1)
        beta_end = OptionalReal(DEFAULT_BETA_END, label=t("β_end"), elem_id="beta-end", scale=1)
        cosine_s = OptionalReal(DEFAULT_COSINE_S, label=t("cosine s"), elem_id="cosine-s", scale=1)
    return kinds, T, beta_start, beta_end, cosine_s


def _plots(first: Exploration, talk: bool) -> dict[str, gr.LinePlot]:
    """One line plot per ``PLOTS`` entry: three a row on a screen, two in talk mode (the type is twice as big)."""
    line = {
        "x": "t",
        "y": "value",
        "color": "series",
        "height": 340 if talk else 260,
        "colors_in_legend": [],
        "elem_classes": [PLOT_CLASS],
    }
    rows = (
        [("beta", "alpha_bar"), ("sqrt_terms", "log_snr"), ("posterior",)]
        if talk
        else [("beta", "alpha_bar", "sqrt_terms"), ("log_snr", "posterior")]
    )
    plots = {}
    for row in rows:
        with gr.Row():
            for name in row:
                elem_id, title, y_title, colors = PLOTS[name]
                plots[name] = gr.LinePlot(
                    getattr(first, name),
                    title=t(title),
                    y_title=y_title,
                    color_map=in_every_language(colors),
                    elem_id=elem_id,
                    **line,
                )
    return plots


def _strip(first: Exploration, talk: bool) -> tuple[gr.Image, gr.Dropdown]:
    # the label as a heading, not Gradio's overlay, which covered the first row's name
    strip_label = "One image, one ε, each schedule at the same t (cosine keeps the picture longer)"
    gr.Markdown(t(f"**{strip_label}**"), elem_id="schedule-strip-title")
    image_strip = gr.Image(
        first.strip,
        label=t(strip_label),
        show_label=False,
        format="png",
        type="pil",
        interactive=False,
        elem_id="schedule-strip",
        height=600 if talk else None,
        elem_classes=["fill-panel"] if talk else None,
    )
    example = Pick(choices(k for k in EXAMPLES if "Digit" not in k), value="Astronaut", label=t("Strip image"), scale=0)
    return image_strip, example


def build_tab(talk: bool = False) -> Parameters:
    """The tab's components and events; call inside ``gr.Tab``. Returns its controls (a link sets ``kinds``)."""
    first = explore(list(SCHEDULE_KINDS))
    kinds, T, beta_start, beta_end, cosine_s = _schedule_numbers()
    shown = {
        "message": gr.Markdown(t(first.message), elem_id="schedule-message"),
        "key_numbers": first_value(
            gr.Dataframe(first.key_numbers, label=t("Key numbers"), interactive=False, elem_id="key-numbers"),
            first.key_numbers,
        ),
        "legend": gr.HTML(built(lambda say: legend(SCHEDULE_KINDS, say)), elem_id="schedule-legend"),
        **_plots(first, talk),
    }
    shown["strip"], example = _strip(first, talk)
    gr.Markdown(
        t(
            r"**Respacing.** A sampler with $K$ steps walks the kept timesteps $t_k$ with "
            r"$\beta'_k = 1 - \bar\alpha_{t_k} / \bar\alpha_{t_{k-1}}$, so every kept marginal is unchanged."
        ),
        latex_delimiters=LATEX,
    )
    with gr.Row():
        num_steps = WholeSlider(1, 1000, value=50, step=1, label=t("Sampler steps K"), elem_id="num-steps")
        spacing = Choice(list(get_args(Spacing)), value="leading", label=t("Timestep spacing"))
        shown["csv_path"] = gr.File(first.csv_path, label=t("CSV of every table (all t)"), elem_id="csv")
    shown["respaced"] = first_value(
        gr.Dataframe(first.respaced, label=t("Respaced chain"), interactive=False, max_height=320, elem_id="respaced"),
        first.respaced,
    )
    parameters = Parameters(kinds, T, beta_start, beta_end, cosine_s, num_steps, spacing, example)
    inputs = [getattr(parameters, f.name) for f in fields(Parameters)]
    outputs = [shown[f.name] for f in fields(Exploration)]  # in the order ``Exploration.as_outputs`` gives them
    gr.on(parameters.changes(), explore_event, inputs, outputs, api_name="explore", trigger_mode="always_last")
    return parameters
