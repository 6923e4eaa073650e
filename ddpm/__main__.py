"""Command line: ``python -m ddpm sample …`` writes a grid of samples; ``python -m ddpm info MODEL`` describes one."""

from __future__ import annotations

import argparse
import sys
from typing import get_args

import numpy as np
from tqdm import tqdm

from .device import dtype_name
from .errors import DDPMError
from .hub import load_pipeline
from .images import grid, to_uint8
from .options import SamplerName
from .pipeline import Pipeline
from .sampling import run_to_end

# The model the project ships, as a path from the project folder (where the README's commands run).
BUNDLED_MODEL = "checkpoints/ddpm-mnist"


def _add_model_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default=None, help="cpu | cuda | mps (default: the best present)")
    parser.add_argument("--dtype", default=None, help="float32 (exact, default) | bfloat16 | float16 (fast)")
    parser.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ddpm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample", help="sample a grid of images")
    sample.add_argument("--model", default=BUNDLED_MODEL, help=f"local folder or Hub id (default: {BUNDLED_MODEL})")
    sample.add_argument("--num", type=int, default=16, help="number of images")
    sample.add_argument(
        "--sampler", choices=get_args(SamplerName), default=None, help="default: the model's own default sampler"
    )
    sample.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's default)")
    sample.add_argument("--eta", type=float, default=None, help="DDIM η in [0, 1]")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", default="grid.png", help="grid PNG to write")
    sample.add_argument("--npz", default=None, help="also save the uint8 images (N, H, W, C) under the key 'images'")
    _add_model_args(sample)

    info = commands.add_parser("info", help="describe a model")
    info.add_argument("model", nargs="?", default=BUNDLED_MODEL)
    _add_model_args(info)
    return parser


def describe(pipe: Pipeline) -> str:
    cfg, s = pipe.unet.config, pipe.schedule
    C, H, W = pipe.image_shape
    return "\n".join(
        [
            f"model        {pipe.source}",
            f"images       {H}×{W}, {C} channel(s)",
            f"parameters   {pipe.num_parameters:,}",
            f"unet         block_out_channels {list(cfg.block_out_channels)}, {cfg.layers_per_block} layer(s)/block, "
            f"blocks {', '.join(cfg.down_block_types)}",
            f"schedule     {s!r}, ᾱ_T-1 = {s.alpha_bars[-1].item():.3g}",
            f"sampler      {describe_options(pipe)}",
            f"runs on      {pipe.device}, {dtype_name(pipe.dtype)}",
        ]
    )


def describe_options(pipe: Pipeline) -> str:
    o = pipe.default_options
    steps = o.num_steps or pipe.schedule.num_timesteps
    return (
        f"{o.sampler}, {steps} steps ({o.spacing}), variance {o.variance_type}, "
        f"clip x̂0 {o.clip_sample} (±{o.clip_range:g})"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        pipe = load_pipeline(args.model, device=args.device, dtype=args.dtype, revision=args.revision)
        if args.command == "info":
            print(describe(pipe))
            return 0
        options = pipe.options(sampler=args.sampler, num_steps=args.steps, eta=args.eta)
        steps = pipe.denoise(args.num, options=options, seed=args.seed)
        total = (options.num_steps or pipe.schedule.num_timesteps) + 1
        final = run_to_end(tqdm(steps, total=total, desc=f"{options.sampler} sampling", unit="step", file=sys.stderr))
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
