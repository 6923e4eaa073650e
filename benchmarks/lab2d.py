"""The 2D lab's numbers: server time per view update (t slider, field toggle) at the default grid and particle
count, training time per dataset, and mean nearest-neighbour distances to the training points of samples of the
exact ε*, of the trained MLP, and of fresh data. ``python -m benchmarks.lab2d [--threads 1]``; Markdown on stdout."""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from benchmarks.machine import cpu_name
from ddpm.lab2d.data import DATASET_NAMES
from ddpm.lab2d.fit import TrainConfig
from ddpm.lab2d.metrics import mean_nearest_distance
from ddpm.lab2d.mlp import EpsMLP
from ui import lab2d
from ui.pictures import FastPng
from ui.plane import Style


def timed_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the tests' app runs with 1)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    png, style = FastPng(), Style()
    print(f"{cpu_name()}, torch {torch.__version__}, {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"\ntorch threads: {args.threads}; N = {lab2d.NUM_POINTS} training points, heat grid {lab2d.HEAT_GRID}², "
        f"arrows {lab2d.ARROW_GRID}², {lab2d.NUM_PARTICLES} particles, {lab2d.NUM_STEPS} steps, "
        f"MLP {EpsMLP().config}, {TrainConfig()}\n"
    )
    print(
        "| dataset | t slider (ms, median) | field toggle to learned (ms) | difference field (ms) | training "
        "(s) | final loss | NN: exact ε* | NN: learned ε_θ | NN: fresh data | NN: x_T |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in DATASET_NAMES:
        cloud = lab2d.make_cloud(name, lab2d.NUM_POINTS, 0)
        ts = iter(range(10, 10_000, 37))
        slider = timed_ms(
            lambda cloud=cloud, ts=ts: lab2d.show(cloud, None, next(ts) % 1000, "exact", style, png), args.repeats
        )
        learned = None
        for update in lab2d.train(cloud, TrainConfig().steps, 0):
            _, _, learned, _ = update
        losses = learned.losses
        toggle = timed_ms(lambda c=cloud, m=learned: lab2d.show(c, m, 100, "learned", style, png), args.repeats)
        difference = timed_ms(lambda c=cloud, m=learned: lab2d.show(c, m, 100, "difference", style, png), args.repeats)
        samples = lab2d.compare_samples(cloud, learned.model, "ddpm", lab2d.NUM_STEPS, 0)
        d = {k: mean_nearest_distance(v, cloud.points) for k, v in samples.items()}
        print(
            f"| {name} | {slider:.0f} | {toggle:.0f} | {difference:.0f} | {learned.seconds:.1f} | {losses[-1][1]:.4f} "
            f"| {d['ideal']:.4f} | {d['learned']:.4f} | {d['fresh']:.4f} | {d['noise']:.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
