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
import itertools
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader, Dataset, DistributedSampler
from tqdm import tqdm

from ddpm import DDPMError, NoiseSchedule, load_pipeline
from ddpm.device import pick_device
from ddpm.diffusion import training_loss
from ddpm.memorisation import TRAINING_SET_FILE, TrainingSet
from ddpm.unet import UNet, UNetConfig
from training.data import all_images, first_tensor, make_dataset
from training.publish import plot_loss, publish, push_to_hub, read_log, write_log
from training.state import Progress, Trainee, load_state, save_state


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
    """The autocast precision: bf16 (no loss scaling needed) on every CPU, where PyTorch runs it fast on
    AVX512-BF16/AMX and emulates it elsewhere, and on GPUs that report bf16 support; fp16 with a GradScaler on
    older GPUs; None for full fp32. No CPU feature check is made here."""
    if not mixed_precision:
        return None
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="mnist5k", help="mnist5k | emoji | a folder of images | a Hub dataset id")
    p.add_argument("--channels", type=int, choices=[1, 3], default=1)
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--hflip", action="store_true", help="random horizontal flips (not for digits)")
    p.add_argument("--model", default="small", help="preset: tiny | small | cifar10")
    p.add_argument("--model-config", default=None, help="a diffusers UNet2DModel config.json (overrides --model)")
    p.add_argument(
        "--init-from",
        default=None,
        metavar="FOLDER",
        help="start from a trained model's weights and config (a diffusers folder, e.g. checkpoints/ddpm-mnist): "
        "fine-tuning; overrides --model and --model-config",
    )
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
    p.add_argument(
        "--with-training-set",
        action="store_true",
        help="ship the training images (uint8, compressed) beside the weights, for the app's nearest-training-image "
        "view; for small sets like the bundled models' (MNIST 5k: 0.8 MB)",
    )
    p.add_argument("--save-raw", action="store_true", help="save the raw weights instead of the EMA")
    p.add_argument("--push-to-hub", default=None, metavar="REPO_ID")
    p.add_argument("--num-workers", type=int, default=0)
    p.add_argument("--device", default=None)
    args = p.parse_args(argv)
    args.command_line = "python train.py " + " ".join(argv if argv is not None else sys.argv[1:])
    return args


def setup_distributed(args) -> tuple[int, int, torch.device]:
    """torchrun sets WORLD_SIZE/RANK/LOCAL_RANK; NCCL on CUDA, gloo on CPU. The device is ``pick_device``'s:
    --device, else CUDA, then MPS, then the CPU."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(args.device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    return rank, world, device


@dataclass
class Run:
    """One training run: where it runs, what it trains, its data, and how far it got."""

    args: argparse.Namespace
    out: Path
    rank: int
    world: int
    device: torch.device
    trainee: Trainee
    model: torch.nn.Module  # the UNet, wrapped in DDP when there are several processes
    schedule: NoiseSchedule
    dataset: Dataset
    generator: torch.Generator  # timesteps, noise and flips of this rank
    amp: torch.dtype | None
    progress: Progress = field(default_factory=Progress)
    log_rows: list[dict] = field(default_factory=list)

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def start_run(args) -> Run:
    """Set up the model, EMA, optimizer and data; resume from OUT/state.pt with --resume."""
    rank, world, device = setup_distributed(args)
    out = Path(args.out)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    schedule = NoiseSchedule.make(args.beta_schedule, args.num_timesteps)
    start = load_pipeline(args.init_from, device="cpu") if args.init_from else None
    if start is not None:
        if not torch.equal(start.schedule.betas, schedule.betas):
            raise DDPMError(f"{args.init_from} was trained with {start.schedule}, not the {schedule} asked for.")
        config = start.unet.config.to_dict()
    elif args.model_config:
        config = json.loads(Path(args.model_config).read_text())
    else:
        config = unet_preset(args.model, args.channels, args.image_size)
    unet = UNet(checked_config(config, args))
    if start is not None:
        unet.load_state_dict(start.unet.state_dict())
    unet = unet.to(device)
    ema = AveragedModel(unet, multi_avg_fn=ema_multi_avg_fn(args.ema_decay), use_buffers=True)
    optimizer = torch.optim.AdamW(unet.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    amp = amp_dtype(device, args.mixed_precision)
    trainee = Trainee(unet, ema, optimizer, torch.amp.GradScaler(device.type, enabled=amp == torch.float16))
    run = Run(
        args,
        out,
        rank,
        world,
        device,
        trainee,
        DistributedDataParallel(unet) if world > 1 else unet,
        schedule,
        make_dataset(args.data, args.image_size, args.channels),
        torch.Generator().manual_seed(args.seed + rank),
        amp,
    )
    if args.resume and (out / "state.pt").exists():
        resume(run)
    return run


def resume(run: Run) -> None:
    run.progress, generator_state = load_state(run.out / "state.pt", run.trainee)
    if run.is_main:
        run.generator.set_state(generator_state)
    else:  # only rank 0's stream is saved; the others need their own, distinct from rank 0's and each other's
        run.generator.manual_seed(run.args.seed + run.rank + run.world * run.progress.step)
    run.log_rows = read_log(run.out / "loss.csv")
    if run.is_main:
        print(f"resumed from {run.out / 'state.pt'} at step {run.progress.step}")


def batches(run: Run):
    """Endless batches, epoch after epoch, starting where a resumed run left off."""
    args, epoch = run.args, run.progress.epoch
    seen = run.progress.step * args.grad_accum  # batches drawn in all before a resume
    sampler = (
        DistributedSampler(run.dataset, run.world, run.rank, shuffle=True, seed=args.seed) if run.world > 1 else None
    )
    while True:
        if sampler is not None:
            sampler.set_epoch(epoch)
        loader = DataLoader(
            run.dataset,
            batch_size=args.batch_size,
            shuffle=sampler is None,
            sampler=sampler,
            drop_last=len(run.dataset) >= args.batch_size,
            num_workers=args.num_workers,
            generator=torch.Generator().manual_seed(args.seed * 1_000_003 + epoch),
        )
        # Skip the part of this epoch used before the resume (loading and dropping it: the shuffle is the
        # DataLoader's own), so that a resumed run sees the very batches an uninterrupted one would.
        skip = min(max(0, seen - epoch * len(loader)), len(loader))
        for batch in itertools.islice(loader, skip, None):
            yield epoch, batch
        seen = 0
        epoch += 1


def optimisation_step(run: Run, data) -> tuple[float, float, int]:
    """One optimizer step over --grad-accum batches (Algorithm 1); returns (loss, grad norm, epoch)."""
    args, trainee = run.args, run.trainee
    for group in trainee.optimizer.param_groups:
        group["lr"] = lr_at(run.progress.step, args)
    trainee.optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for _ in range(args.grad_accum):
        epoch, batch = next(data)
        x0 = first_tensor(batch).to(run.device)
        if args.hflip:
            flip = torch.rand(x0.shape[0], generator=run.generator) < 0.5
            x0 = torch.where(flip.to(run.device).reshape(-1, 1, 1, 1), x0.flip(-1), x0)
        with torch.autocast(run.device.type, dtype=run.amp, enabled=run.amp is not None):
            loss = training_loss(run.model, run.schedule, x0, generator=run.generator) / args.grad_accum
        trainee.scaler.scale(loss).backward()
        total += loss.item()
    trainee.scaler.unscale_(trainee.optimizer)  # the scaler is a no-op except under fp16
    grad_norm = torch.nn.utils.clip_grad_norm_(trainee.unet.parameters(), args.grad_clip)
    trainee.scaler.step(trainee.optimizer)
    trainee.scaler.update()
    trainee.ema.update_parameters(trainee.unet)
    return total, float(grad_norm), epoch


def train(args) -> Path:
    run = start_run(args)
    data = batches(run)
    bar = tqdm(total=args.steps, initial=run.progress.step, disable=not run.is_main, unit="step", dynamic_ncols=True)
    start = time.time() - run.progress.elapsed
    while run.progress.step < args.steps:
        loss, grad_norm, epoch = optimisation_step(run, data)
        step = run.progress.step + 1
        run.progress = Progress(step, epoch, time.time() - start)
        if run.is_main:
            lr = run.trainee.optimizer.param_groups[0]["lr"]
            run.log_rows.append(
                {"step": step, "loss": loss, "lr": lr, "grad_norm": grad_norm, "seconds": run.progress.elapsed}
            )
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}", lr=f"{lr:.2e}")
        if step % args.save_every == 0 or step == args.steps:
            if run.is_main:
                save_checkpoint(run)
            if run.world > 1:
                dist.barrier()
    bar.close()
    if run.world > 1:
        dist.destroy_process_group()
    return run.out / "pipeline"


def checked_config(config: dict, args) -> UNetConfig:
    """The UNet config, refused unless it makes images shaped like the training data."""
    config = UNetConfig.from_dict(config)
    if config.in_channels != args.channels:
        raise DDPMError(f"The model has in_channels={config.in_channels} but the data --channels {args.channels}.")
    if config.sample_size not in (args.image_size, (args.image_size, args.image_size)):
        raise DDPMError(f"The model has sample_size={config.sample_size} but the data --image-size {args.image_size}.")
    return config


def save_checkpoint(run: Run) -> None:
    """Every --save-every steps: the resumable state, the loss log and curve, then the published pipeline."""
    args, step = run.args, run.progress.step
    save_state(run.out / "state.pt", run.trainee, run.progress, run.generator)
    write_log(run.log_rows, run.out / "loss.csv")
    plot_loss(run.log_rows, run.out / "loss.png")
    weights = run.trainee.unet if args.save_raw else run.trainee.ema.module
    folder = publish(args, run.out, weights, run.schedule, step, run.progress.elapsed / 3600)
    if args.with_training_set and not (folder / TRAINING_SET_FILE).exists():
        TrainingSet.of(all_images(run.dataset)).save(folder)
    tqdm.write(f"step {step}: saved {run.out / 'state.pt'}, {folder}, samples_{step:07d}.png")
    if args.push_to_hub and step == args.steps:
        push_to_hub(folder, args.push_to_hub)


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
