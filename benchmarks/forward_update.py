"""Server-side time of one t-slider update in the Forward noising tab (target ≤ 30 ms at 256 px).

Times ``ui.forward.scrub`` with its fast PNG writer (what the t slider calls) plus Gradio's own post-processing of
its outputs (encoding images, the plot table) and the copy of image files into its cache, i.e. everything the
server does per update.
Run: ``OMP_NUM_THREADS=1 python -m benchmarks.forward_update`` (add ``--model FOLDER`` to include the x̂0 network
call for a digit).
"""

from __future__ import annotations

import argparse
import statistics
import time

import gradio as gr
from gradio.processing_utils import move_files_to_cache

from ui import forward
from ui.models import PipelineCache
from ui.pictures import FastPng


def time_updates(state: forward.ForwardState, pipelines: PipelineCache | None, repeats: int) -> list[float]:
    x_t_out, readouts_out = gr.Image(format="png", type="pil"), gr.Markdown()
    hist_out = gr.LinePlot(x="value", y="density", color="series")
    x0_out, note_out = gr.Image(format="png"), gr.Markdown()
    png, times = FastPng(), []
    for i in range(repeats):
        t = (37 * i) % 1000
        start = time.perf_counter()
        view = forward.scrub(state, "cosine", t, pipelines, png)
        for component, value in [(x_t_out, view.x_t), (x0_out, view.x0_hat)]:
            move_files_to_cache(component.postprocess(value), component, postprocess=True)
        readouts_out.postprocess(view.readouts), hist_out.postprocess(view.histogram)
        note_out.postprocess(view.x0_note)
        times.append(time.perf_counter() - start)
    return times[3:]  # drop warm-up


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help="model folder for the digit / x̂0 case")
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    cases = [
        ("photo 256 px RGB", "Astronaut", 256, "RGB", None),
        ("photo 128 px RGB", "Astronaut", 128, "RGB", None),
        ("photo 64 px gray", "Astronaut", 64, "Grayscale", None),
    ]
    if args.model:
        cases.append(("digit 256 px + x̂0", "Digit 7 (MNIST)", 256, "RGB", PipelineCache(args.model)))
    for name, example, size, mode, pipelines in cases:
        state = forward.example_state(example, size, mode, seed=0)
        times = time_updates(state, pipelines, args.repeats)
        print(
            f"{name:24s} median {1000 * statistics.median(times):6.1f} ms   p90 "
            f"{1000 * sorted(times)[int(0.9 * len(times))]:6.1f} ms"
        )


if __name__ == "__main__":
    main()
