"""Command line: ``python -m ddpm sample …`` writes a grid of samples; ``python -m ddpm info MODEL`` describes one."""

from __future__ import annotations

import argparse
import sys

import numpy as np
from tqdm import tqdm

from .errors import DDPMError
from .hub import DEFAULT_MODEL, load_pipeline
from .images import grid, to_uint8
from .pipeline import Pipeline
from .sampling import run_to_end


def _add_model_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default=None, help="cpu | cuda | mps (default: the best present)")
    parser.add_argument("--dtype", default=None, help="float32 (exact, default) | bfloat16 | float16 (fast)")
    parser.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ddpm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample", help="sample a grid of images")
    sample.add_argument("--model", default=str(DEFAULT_MODEL), help="local folder or Hub id (default: bundled MNIST)")
    sample.add_argument("--num", type=int, default=16, help="number of images")
    sample.add_argument("--sampler", choices=["ddpm", "ddim"], default="ddpm")
    sample.add_argument("--steps", type=int, default=None, help="sampling steps (default: all T)")
    sample.add_argument("--eta", type=float, default=0.0, help="DDIM η in [0, 1]")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", default="grid.png", help="grid PNG to write")
    sample.add_argument("--npz", default=None, help="also save the uint8 images (N, H, W, C) under the key 'images'")
    _add_model_args(sample)

    info = commands.add_parser("info", help="describe a model")
    info.add_argument("model", nargs="?", default=str(DEFAULT_MODEL))
    _add_model_args(info)
    return parser


def describe(pipe: Pipeline) -> str:
    cfg, s = pipe.unet.config, pipe.schedule
    C, H, W = pipe.image_shape
    return "\n".join([
        f"model        {pipe.source}",
        f"images       {H}×{W}, {C} channel(s)",
        f"parameters   {pipe.num_parameters:,}",
        f"unet         block_out_channels {list(cfg.block_out_channels)}, {cfg.layers_per_block} layer(s)/block, "
        f"blocks {', '.join(cfg.down_block_types)}",
        f"schedule     {s!r}, ᾱ_T-1 = {s.alpha_bars[-1].item():.3g}",
        f"sampler      variance {pipe.variance_type}, clip x̂0 {pipe.clip_sample}",
        f"runs on      {pipe.device}, {str(pipe.dtype).removeprefix('torch.')}",
    ])


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        pipe = load_pipeline(args.model, device=args.device, dtype=args.dtype, revision=args.revision)
        if args.command == "info":
            print(describe(pipe))
            return 0
        steps = pipe.denoise(args.num, args.sampler, args.steps, args.eta, args.seed)
        total = (args.steps or pipe.schedule.num_timesteps) + 1
        final = run_to_end(tqdm(steps, total=total, desc=f"{args.sampler} sampling", unit="step", file=sys.stderr))
    except DDPMError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    images = to_uint8(final.x_t)
    grid(images).save(args.out)
    if args.npz:
        np.savez_compressed(args.npz, images=images)
    print(f"wrote {args.out}" + (f" and {args.npz}" if args.npz else "") + f" ({len(images)} images)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
