"""Streaming overhead of the Reverse sampling tab: its Run handler against the bare ``pipe.sample()`` loop.

    OMP_NUM_THREADS=1 python -m benchmarks.reverse_stream [--model checkpoints/ddpm-mnist] [--repeats 7]

Takes the tab's default settings from the UI itself (the values the "Run" button sends: the inputs of the ``sample``
event of ``ui.reverse.build_tab``), then, for the default precision and the other one ("exact" fp32 / "fast" bf16),
alternates in one process:

- the streaming handler ``ui.reverse.run`` (what "Run" calls), consuming every yield: time to the first yield that
  shows a picture (x_T, which needs one ε-network call), time to the last picture (the final sample), and total time
  including the last yield (the GIF/MP4/PNG exports and the replay);
- the bare ``pipe.sample(...)`` with the same settings and seed, which must give the same images.

Prints a markdown table of medians; overhead = streaming total / bare sample, and their difference, in wall time
and in CPU time (this process and its ffmpeg child; steadier than wall time when other work shares the CPU). Times
are the handler's server side only (Gradio's own file copies and the network come on top). Each precision gets one
untimed warm-up run of both. The model is loaded before timing; the "cold" line times one first run with a fresh
model cache.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import time
from functools import partial

import gradio as gr
import numpy as np
import torch

from benchmarks.machine import cpu_name
from ddpm.device import dtype_name
from ddpm.images import grid
from ui import reverse
from ui.models import BUNDLED_NAME, PipelineCache
from ui.pictures import FastPng


def default_inputs(model: str) -> dict:
    """The values the Run button sends when nothing has been touched, by the handler's parameter names."""
    with gr.Blocks() as demo:
        reverse.build_tab(PipelineCache(model, device="cpu"))
    (event,) = [fn for fn in demo.fns.values() if fn.api_name == "sample"]
    names = [p.name for p in inspect.signature(reverse.run).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    return {name: block.value for name, block in zip(names, event.inputs, strict=True)}


def is_picture(value) -> bool:
    return isinstance(value, str)  # a PNG file path; skipped outputs are gr.skip() dicts


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg writes the MP4): less sensitive than wall time to
    other work on the machine."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def time_stream(handler, inputs: dict) -> tuple[float, float, float, float, np.ndarray]:
    """(time to first picture, time to last picture, total, total CPU) in seconds, and the final grid, for one
    streaming run."""
    first = last = None
    cpu, start = cpu_seconds(), time.perf_counter()
    for out in handler(**inputs):
        if is_picture(out[0]):
            last = time.perf_counter() - start
            first = first if first is not None else last
    total, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return first, last, total, cpu, np.asarray(out[5])


def time_sample(pipe, inputs: dict) -> tuple[float, float, np.ndarray]:
    """(wall, CPU) seconds of the bare loop, and its images as a grid."""
    cpu, start = cpu_seconds(), time.perf_counter()
    widgets = [name for name in inspect.signature(reverse.run_options).parameters if name != "pipe"]
    options = reverse.run_options(pipe, **{name: inputs[name] for name in widgets})  # the tab's own SamplingOptions
    images = pipe.sample(int(inputs["batch_size"]), seed=int(inputs["seed"]), options=options)
    return time.perf_counter() - start, cpu_seconds() - cpu, np.asarray(grid(images))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=BUNDLED_NAME)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each, interleaved")
    parser.add_argument("--precisions", nargs="+", default=None, help="default: the UI's default first, then the other")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    defaults = default_inputs(args.model)
    defaults["in_use"] = args.model
    other = [p for p in ("exact", "fast") if p != defaults["precision"]]
    precisions = args.precisions or [defaults["precision"], *other]
    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else cpu_name()
    shown = {k: v for k, v in defaults.items() if k not in ("in_use", "upload", "sketch", "t_start")}
    print(
        f"model: {args.model}; device: {device}, torch {torch.__version__} ({torch.get_num_threads()} threads); "
        f"medians of {args.repeats} interleaved runs\nUI defaults: {shown}\n"
    )

    # cold: the first run of a fresh app, model loading included (one run, not a median)
    cold = time_stream(
        partial(reverse.run, pipelines=PipelineCache(args.model, device=args.device), png=FastPng()), defaults
    )
    print(
        f"cold first run ({defaults['precision']}, loads the model): first frame {cold[0]:.2f} s, "
        f"total {cold[2]:.2f} s\n"
    )

    print(
        "| precision | first frame (s) | last frame (s) | exports (s) | streaming total (s) | bare pipe.sample (s) | "
        "overhead total / bare | total − bare (s) | CPU: streaming / bare (s) | CPU overhead | "
        "first frame / one step | same images |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for precision in precisions:
        inputs = {**defaults, "precision": precision}
        pipelines = PipelineCache(args.model, device=args.device)
        handler = partial(reverse.run, pipelines=pipelines, png=FastPng())
        pipe = pipelines.load(args.model, reverse.precision_dtype(precision, pipelines.device))
        time_stream(handler, inputs), time_sample(pipe, inputs)  # warm-up
        times = {"first": [], "last": [], "exports": [], "total": [], "bare": [], "cpu": [], "bare_cpu": []}
        same = True
        for i in range(args.repeats):
            order = ["stream", "bare"] if i % 2 == 0 else ["bare", "stream"]
            for which in order:
                if which == "stream":
                    first, last, total, cpu, final = time_stream(handler, inputs)
                    times["first"].append(first), times["last"].append(last), times["total"].append(total)
                    times["exports"].append(total - last), times["cpu"].append(cpu)
                else:
                    bare, bare_cpu, expected = time_sample(pipe, inputs)
                    times["bare"].append(bare), times["bare_cpu"].append(bare_cpu)
            same = same and np.array_equal(final, expected)
        m = {k: statistics.median(v) for k, v in times.items()}
        per_step = m["bare"] / int(inputs["num_steps"])
        print(
            f"| {precision} ({dtype_name(pipe.dtype)}) | {m['first']:.3f} | {m['last']:.2f} | "
            f"{m['exports']:.2f} | {m['total']:.2f} | "
            f"{m['bare']:.2f} | {m['total'] / m['bare']:.3f} | {m['total'] - m['bare']:+.2f} | "
            f"{m['cpu']:.2f} / {m['bare_cpu']:.2f} | {m['cpu'] / m['bare_cpu']:.3f} | "
            f"{m['first'] / per_step:.1f} | {'yes' if same else 'NO'} |"
        )
    print(
        "\nlast frame: the final sample is on screen; exports: total − last frame, the last yield's GIF/MP4/PNG "
        "exports and replay slider; first frame / one step: time to first frame over bare time / steps."
    )


if __name__ == "__main__":
    main()
