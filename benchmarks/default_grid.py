"""Time to a 16-image grid at each checkpoint's default sampling options, before and after ``default_options``.

    python -m benchmarks.default_grid [--repeats 3] [--threads N]

Before: what a caller got without choosing — the scheduler config's DDPM over all T steps for a Hub checkpoint,
DDPM-50 for the bundled model (the app's old Reverse-tab default). After: ``pipe.default_options``. Both run in the
same process, interleaved, float32 (the exact path). The google/ddpm-cifar10-32 architecture is built with random
seeded weights (timing only); its 1000-step "before" is timed over 20 steps and scaled by NFE, which the table says.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from benchmarks.machine import cpu_name
from ddpm import Pipeline, load_pipeline
from ddpm.defaults import choose_defaults
from ddpm.sampling import SamplingOptions
from ddpm.schedule import NoiseSchedule
from ddpm.unet import UNet, UNetConfig

ROOT = Path(__file__).resolve().parent.parent
CIFAR_CONFIG = ROOT / "tests" / "fixtures" / "configs" / "ddpm-cifar10-32.json"
TIMED_STEPS = 20  # long "before" runs are timed over this many steps and scaled by their NFE


def cifar_pipeline() -> Pipeline:
    torch.manual_seed(0)
    unet = UNet(UNetConfig.from_dict(json.loads(CIFAR_CONFIG.read_text())))
    scheduler = SamplingOptions(variance_type="fixed_large")  # google/ddpm-cifar10-32's scheduler config
    choice = choose_defaults(scheduler, None, 1000)
    return Pipeline(
        unet, NoiseSchedule.make("linear", 1000), default_options=choice.options, scheduler_options=scheduler
    )


def seconds(pipe: Pipeline, options: SamplingOptions) -> tuple[float, int, int]:
    """(seconds for the whole run, NFE of the run, NFE actually timed)."""
    nfe = len(options.timesteps(pipe.schedule.num_timesteps))
    timed = options if nfe <= TIMED_STEPS * 2 else options.replace(num_steps=TIMED_STEPS)
    timed_nfe = len(timed.timesteps(pipe.schedule.num_timesteps))
    start = time.perf_counter()
    pipe.sample(16, options=timed, seed=0)
    return (time.perf_counter() - start) * nfe / timed_nfe, nfe, timed_nfe


def describe(options: SamplingOptions, T: int) -> str:
    return f"{options.sampler}-{len(options.timesteps(T))} ({options.spacing})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    bundled = load_pipeline(str(ROOT / "checkpoints" / "ddpm-mnist"), device="cpu")
    cases = [
        ("checkpoints/ddpm-mnist", bundled, bundled.sampler_options("ddpm").replace(num_steps=50)),
        ("ddpm-cifar10-32 architecture", cifar_pipeline(), None),
    ]
    print(f"machine: {cpu_name()}, torch threads {torch.get_num_threads()}, float32, batch 16, seed 0\n")
    print("| model | before | s | after | s | speed-up |\n|---|---|---|---|---|---|")
    for name, pipe, before in cases:
        before = before or pipe.scheduler_options
        after = pipe.default_options
        runs = {"before": [], "after": []}
        for _ in range(args.repeats):
            for label, options in (("before", before), ("after", after)):
                runs[label].append(seconds(pipe, options))
        T = pipe.schedule.num_timesteps
        b, a = (statistics.median(s for s, _, _ in runs[k]) for k in ("before", "after"))
        scaled = runs["before"][0][1] != runs["before"][0][2]
        note = f" (timed over {runs['before'][0][2]} steps, scaled by NFE)" if scaled else ""
        print(f"| {name} | {describe(before, T)}{note} | {b:.2f} | {describe(after, T)} | {a:.2f} | {b / a:.1f}× |")


if __name__ == "__main__":
    main()
