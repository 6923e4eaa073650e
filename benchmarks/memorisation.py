"""Memorisation check: how close are a model's samples to its training images, against how close real images are?

    python -m ddpm sample --model checkpoints/ddpm-mnist --num 500 --seed 1 --npz s1.npz
    python -m benchmarks.memorisation --data mnist5k --npz s1.npz s2.npz --gallery nearest.png
    python -m benchmarks.memorisation --data emoji --npz emoji.npz

For every sample, its nearest training image in two spaces: pixels (RMS difference, pixels in [0, 1]) and, for
digits, the MNIST judge's features (``ui.digit_classifier``, the space of the Fréchet distance); for emoji, the emoji
judge's (``benchmarks/emoji_quality.py``). The bundled models
trained on every image of their data set, so the real comparison is leave-one-out: each of --real training images
(random, seeded) against its nearest *other* training image. A sample is a near-copy when it is closer to a
training image than 99% of those real images are to theirs (``ddpm.memorisation``); fresh draws from the data
distribution land there 1% of the time. --gallery draws the samples closest to the training set (left) beside
their nearest training images (right), to look at.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from ddpm.images import from_uint8, grid
from ddpm.memorisation import NEAR_COPY_QUANTILE, QUANTILES, Memorisation, memorisation, nearest, pixel_space


def training_images(data: str) -> torch.Tensor:
    """The bundled models' training set, (M, C, 32, 32) in [-1, 1]."""
    from training.data import make_dataset

    return make_dataset(data, 32, 1 if data == "mnist5k" else 3).tensors[0]


def spaces(data: str) -> dict:
    """name → function mapping (N, C, H, W) images in [-1, 1] to the vectors compared in that space."""

    chosen = {"pixels (RMS)": pixel_space}
    if data == "mnist5k":
        from ui.digit_classifier import classify, load_digit_classifier

        judge = load_digit_classifier()
        chosen["judge features"] = lambda x: torch.from_numpy(classify(judge, x.clamp(-1, 1))[1])
    if data == "emoji":
        from benchmarks.emoji_quality import emoji_set, load_judge
        from ui.digit_classifier import classify

        judge = load_judge(emoji_set())
        chosen["emoji judge features"] = lambda x: torch.from_numpy(classify(judge, x.clamp(-1, 1))[1])
    return chosen


def check(samples: torch.Tensor, train: torch.Tensor, data: str, num_real: int, seed: int) -> dict:
    """space name → (Memorisation, (N,) index of each sample's nearest training image). The real distances are
    leave-one-out over ``num_real`` random training images."""
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))
    results = {}
    for name, embed in spaces(data).items():
        bank = embed(train[order])  # its first num_real entries are the real queries
        found = nearest(embed(samples), bank)
        real = nearest(bank[:num_real], bank, exclude_self=True)
        results[name] = (memorisation(name, found, real), order.numpy()[found.index])
    return results


TABLE = (
    "| space | near-copy threshold | samples below it | real below it | median sample / median real | "
    "sample quantiles (1, 5, 25, 50%) | real quantiles |\n|---|---|---|---|---|---|---|"
)


def table_row(m: Memorisation) -> str:
    def q(values: np.ndarray) -> str:
        return ", ".join(f"{v:.3f}" for v in m.quantiles(values))

    return (
        f"| {m.space} | {m.threshold:.4f} | {m.near_copy_share:.1%} ({len(m.samples)}) | "
        f"{NEAR_COPY_QUANTILE:.0%} ({len(m.real)}) | {m.ratio_of_medians:.2f} | {q(m.samples)} | {q(m.real)} |"
    )


def gallery(samples: torch.Tensor, train: torch.Tensor, m: Memorisation, index: np.ndarray, count: int = 16):
    """The ``count`` samples closest to their nearest training image, each beside it (pairs, left to right)."""
    closest = np.argsort(m.samples)[:count]
    pairs = torch.stack([torch.stack([samples[i], train[index[i]]]) for i in closest]).flatten(0, 1)
    images = ((pairs.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return grid(images, nrow=8)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", choices=["mnist5k", "emoji"], default="mnist5k", help="the model's training set")
    p.add_argument("--npz", nargs="+", required=True, help="samples: uint8 (N, H, W, C) under the key 'images'")
    p.add_argument("--real", type=int, default=1000, help="training images scored leave-one-out")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gallery", default=None, help="PNG: the closest samples beside their nearest training images")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    samples = from_uint8(np.concatenate([np.load(path)["images"] for path in args.npz]))
    train = training_images(args.data)
    if samples.shape[1:] != train.shape[1:]:
        raise SystemExit(
            f"The samples are {tuple(samples.shape[1:])}, the {args.data} images {tuple(train.shape[1:])}."
        )
    results = check(samples, train, args.data, args.real, args.seed)
    print(f"{len(samples)} samples against {len(train)} {args.data} training images, {QUANTILES=}\n")
    print(TABLE)
    for m, _ in results.values():
        print(table_row(m))
    if args.gallery:
        gallery(samples, train, *results["pixels (RMS)"]).save(args.gallery)
        print(f"\nwrote {args.gallery}")


if __name__ == "__main__":
    main()
