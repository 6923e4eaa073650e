"""How good are generated emoji? A Fréchet distance in the features of an emoji judge, beside its real-vs-real floor.

    python -m benchmarks.emoji_quality --real --checks --num 500          # the floor and the checks
    python -m benchmarks.emoji_quality --model checkpoints/ddpm-emoji --num 500 --settings ddpm:50 dpmpp_2m:20

Which feature space, and why. The FID's Inception network is not on this machine (the Hub is out of reach) and was
never meant for 32×32 pictograms; the emoji carry no labels to train a judge on (an exemplar CNN, every emoji its own
class, learned nothing in 16 epochs: loss 7.04 against ln 1374 = 7.23); pixel distances reward a blurry average. So
the judge is a *randomly initialised* CNN, as Naeem et al. (2020, "Reliable fidelity and diversity metrics for
generative models") recommend for domains without a suitable trained network: the MNIST judge's architecture
(``ui.digit_classifier.JudgeCNN``, 3 input channels) with seeded random weights, its 224 features from three depths
(colour and edge statistics at 16×16 and 8×8, a 128-d embedding of the whole picture), each part scaled to equal
weight on the emoji. Random convolutions keep colour, layout and edges; ``--checks`` shows that they separate blurred,
averaged, repeated, colour-swapped and noisy emoji from real ones.

The floor: every emoji is a training image of the model, so there are no unseen real ones. The set is split into two
random halves, a reference (687) and a floor set (687); the floor is N floor-set emoji against the reference, the
samples N generated ones against the same reference, over ``FLOOR_PARTITIONS`` reshuffles (mean ± sd). ``--checks``
scores real emoji spoiled the ways a weak model spoils them (blurred, averaged pairs, one style repeated, colours
swapped, a smudge of noise): a judge worth its name puts each well above the floor.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from benchmarks.sample_quality import (
    FLOOR_PARTITIONS,
    choose_default,
    frechet_distance,
    gaussian_blur,
    generate,
    parse_setting,
    read_csv,
    setting_options,
    spread,
)
from ddpm import load_pipeline
from ddpm.defaults import SAMPLING_DEFAULTS_FILE
from ddpm.images import from_uint8
from ui.digit_classifier import JudgeCNN, classify

SHAPE = (3, 32, 32)


def emoji_set() -> torch.Tensor:
    """The emoji training set, (M, 3, 32, 32) in [-1, 1] (needs the font: ``training.emoji``)."""
    from training.data import make_dataset

    return make_dataset("emoji", 32, 3).tensors[0]


def load_judge(x: torch.Tensor, seed: int = 0) -> JudgeCNN:
    """The judge: ``JudgeCNN`` (3 channels) with seeded random weights, its batch norms at their initial statistics
    (eval mode), and each feature part scaled on the emoji set ``x`` as the digit judge's are. Nothing is trained, so
    the judge is the same on every machine and needs no file."""
    torch.manual_seed(seed)
    model = JudgeCNN(in_channels=3, num_classes=2).eval()
    model.fix_layer_scale(x)
    return model


@dataclass(frozen=True)
class Halves:
    reference: torch.Tensor
    floor: torch.Tensor


def halves(x: torch.Tensor, partition: int) -> Halves:
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(partition))
    half = len(x) // 2
    return Halves(x[order[:half]], x[order[half : 2 * half]])


def features(judge: JudgeCNN, x: torch.Tensor) -> np.ndarray:
    return classify(judge, x)[1]


def scores(judge: JudgeCNN, x: torch.Tensor, n: int, images: torch.Tensor | None = None, spoil=None) -> list[float]:
    """FD against each partition's reference of N ``images``, or else of N real floor-set emoji (``spoil``ed when
    given: a function of a batch)."""
    fds = []
    for partition in range(FLOOR_PARTITIONS):
        split = halves(x, partition)
        chosen = images[:n] if images is not None else split.floor[:n]
        chosen = spoil(chosen) if spoil is not None and images is None else chosen
        fds.append(frechet_distance(features(judge, chosen), features(judge, split.reference)))
    return fds


def blur(x: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """Each channel blurred by a Gaussian of σ px, on the white background."""
    sigmas = torch.full((len(x),), sigma)
    return torch.cat([gaussian_blur(x[:, c : c + 1] - 2, sigmas) + 2 for c in range(x.shape[1])], 1).clamp(-1, 1)


def noisy(x: torch.Tensor, sigma: float = 0.1) -> torch.Tensor:
    return (x + sigma * torch.randn(x.shape, generator=torch.Generator().manual_seed(0))).clamp(-1, 1)


CHECKS = {  # real floor-set emoji spoiled as a weak model spoils them
    "blurred, σ = 1 px": blur,
    "pixel mean of two emoji": lambda x: (x + x.roll(1, 0)) / 2,
    "five emoji repeated": lambda x: x[torch.arange(len(x)) % 5],
    "colours swapped (RGB → BRG)": lambda x: x[:, [2, 0, 1]],
    "a smudge of noise (σ = 0.1)": noisy,
    "noise, σ = 0.3": lambda x: noisy(x, 0.3),
}


CSV_FIELDS = ["sampler", "steps", "nfe", "eta", "spacing", "clip", "n", "fd", "fd_sd", "seconds"]


def record(path: str | None, options, n: int, fds: list[float], seconds: float | None) -> None:
    """One row of the quality table (``options`` None: the floor), appended to ``path`` when given."""
    if path is None:
        return
    steps = "" if options is None else options.num_steps
    row = {
        "sampler": "real" if options is None else options.sampler,
        "steps": steps,
        "nfe": steps,
        "eta": "" if options is None else options.eta,
        "spacing": "" if options is None else options.spacing,
        "clip": "" if options is None else options.clip_sample,
        "n": n,
        "fd": f"{np.mean(fds):.3f}",
        "fd_sd": f"{np.std(fds, ddof=1):.3f}",
        "seconds": "" if seconds is None else f"{seconds:.1f}",
    }
    new = not Path(path).is_file()
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        if new:
            writer.writeheader()
        writer.writerow(row)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="a pipeline folder to sample from")
    p.add_argument("--settings", nargs="+", type=parse_setting, default=[], metavar="SAMPLER:STEPS")
    p.add_argument("--npz", nargs="+", default=None, help="score the uint8 images under the key 'images'")
    p.add_argument("--real", action="store_true", help="the floor: N real floor-set emoji per partition")
    p.add_argument("--checks", action="store_true", help="score spoiled real emoji at --num")
    p.add_argument("--num", type=int, default=500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=250)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--spacing", default=None, help="leading | trailing | linspace (default: the checkpoint's)")
    p.add_argument("--csv", default=None, help="append one row per setting (and the floor) to this CSV file")
    p.add_argument(
        "--write-default",
        default=None,
        metavar="FOLDER",
        help="write FOLDER/sampling_defaults.json from the --csv table (quality first, then time) and stop",
    )
    args = p.parse_args(argv)
    if args.write_default:
        if not args.csv:
            p.error("--write-default reads the table given by --csv")
        fields, why = choose_default(read_csv(Path(args.csv)), "benchmarks/emoji_quality.py", "real emoji")
        target = Path(args.write_default) / SAMPLING_DEFAULTS_FILE
        target.write_text(json.dumps({**fields, "why": why}, indent=2) + "\n")
        print(f"wrote {target}: {fields}\n{why}")
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    x = emoji_set()
    if not 0 < args.num <= len(x) // 2:
        raise SystemExit(f"--num must be 1 … {len(x) // 2} (half the {len(x)} emoji)")
    judge = load_judge(x)
    print("| images | N | FD (mean ± sd over reference halves) |\n|---|---|---|")
    if args.real:
        fds = scores(judge, x, args.num)
        print(f"| real floor-set emoji (floor) | {args.num} | {spread(fds)} |")
        record(args.csv, None, args.num, fds, None)
    if args.checks:
        for name, spoil in CHECKS.items():
            print(f"| {name} | {args.num} | {spread(scores(judge, x, args.num, spoil=spoil))} |", flush=True)
    if args.npz:
        images = from_uint8(np.concatenate([np.load(path)["images"] for path in args.npz]))
        print(
            f"| {', '.join(args.npz)} | {min(len(images), args.num)} | {spread(scores(judge, x, args.num, images))} |"
        )
    if args.model:
        pipe = load_pipeline(args.model)
        chosen = [setting_options(pipe, sampler, steps, 0.0, args.spacing) for sampler, steps in args.settings]
        for options in chosen or [pipe.default_options]:  # no --settings: the checkpoint's default
            sampler = options.sampler
            began = time.perf_counter()
            images = from_uint8(generate(pipe, args.num, options, args.seed, args.batch_size, SHAPE))
            seconds = time.perf_counter() - began
            fds = scores(judge, x, args.num, images)
            print(f"| {sampler}-{options.num_steps} ({seconds:.0f} s) | {args.num} | {spread(fds)} |", flush=True)
            record(args.csv, options, args.num, fds, seconds)


if __name__ == "__main__":
    main()
