"""Command line: ``python -m ddpm sample …`` writes a grid of samples; ``python -m ddpm info MODEL`` describes one;
``python -m ddpm record SCENES.yaml --out talk/`` records a talk's scenes for ``python app.py --scenes talk/``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from .checks import whole
from .diffusion import randn
from .errors import DDPMError
from .hub import ModelLimits, load_pipeline
from .images import grid, to_uint8
from .options import SamplerName
from .pipeline import Pipeline
from .sampling import DenoiseStep, run_to_end

# The model the project ships, as a path from the project folder (where the README's commands run).
BUNDLED_MODEL = "checkpoints/ddpm-mnist"
DEFAULT_BATCH = 32  # big enough to keep a CPU's cores busy, small enough that 500 images do not page for minutes


def _add_model_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default=None, help="cpu | cuda | mps (default: the best present)")
    parser.add_argument(
        "--dtype", default=None, help="float32 (exact, default) | bfloat16 (the fast CPU path) | float16 (GPU)"
    )
    parser.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ddpm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample", help="sample a grid of images")
    sample.add_argument(
        "--model", default=BUNDLED_MODEL, help=f"digits, emoji, a local folder or a Hub id (default: {BUNDLED_MODEL})"
    )
    sample.add_argument("--num", type=int, default=16, help="number of images")
    sample.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH,
        help=f"images per network call (default {DEFAULT_BATCH}, fewer where memory asks)",
    )
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

    record = commands.add_parser("record", help="run a talk's Reverse-tab and race scenes once and keep what they show")
    record.add_argument("scenes", help="scene list (YAML or JSON; e.g. scenes/default.yaml)")
    record.add_argument("--out", required=True, help="folder for the recordings (then: python app.py --scenes OUT)")
    record.add_argument("--model", default=BUNDLED_MODEL, help="model of scenes that name none (default: bundled)")
    _add_model_args(record)
    return parser


def record(args: argparse.Namespace) -> int:
    """Record the scenes. The scene list is the app's (views, example images), so it is read by the app's own
    modules (``ui.recorder``); the runs and their files are this library's (``ddpm.recording``), the races the
    app's (``ui.race_recording``)."""
    from ui.models import model_location
    from ui.recorder import record_scenes
    from ui.scenes import load_scenes
    from ui.view import link_models

    pipes: dict[str, Pipeline] = {}

    def load(model: str | None) -> Pipeline:
        where = model_location(model or args.model)
        if where not in pipes:
            pipes[where] = load_pipeline(where, device=args.device, dtype=args.dtype, revision=args.revision)
        return pipes[where]

    scenes = load_scenes(args.scenes, link_models([]))
    recordings = record_scenes(scenes, args.scenes, args.out, load)
    print(f"recorded {len(recordings)} scene(s) into {args.out}; play them with: python app.py --scenes {args.out}")
    return 0


def describe(pipe: Pipeline) -> str:
    cfg, s = pipe.unet.config, pipe.schedule
    C, H, W = pipe.image_shape
    lines = [
        f"model        {pipe.source}",
        f"images       {H}×{W}, {C} channel(s)",
        f"parameters   {pipe.num_parameters:,}",
        f"unet         block_out_channels {list(cfg.block_out_channels)}, {cfg.layers_per_block} layer(s)/block, "
        f"blocks {', '.join(cfg.down_block_types)}",
        f"schedule     {s!r}, ᾱ_T-1 = {s.alpha_bars[-1].item():.3g}",
        f"sampler      {describe_options(pipe)}",
        f"why          {pipe.default_why}",
        f"runs on      {pipe.device}, {pipe.path}",
    ]
    return "\n".join(line for line in lines if not line.endswith("why          "))


def describe_options(pipe: Pipeline) -> str:
    o = pipe.default_options
    steps = len(o.timesteps(pipe.schedule.num_timesteps))
    return (
        f"{o.sampler}, {steps} steps ({o.spacing}), variance {o.variance_type}, "
        f"clip x̂0 {o.clip_sample} (±{o.clip_range:g})"
    )


def check_batch(pipe: Pipeline, num: int) -> int:
    """``num`` images fit in memory at once: their activations within half this machine's memory."""
    num = whole(num, "--batch-size", 1, None)
    allowed = max(1, 4 * ModelLimits().max_activation_bytes // pipe.cost.activation_bytes)
    if num > allowed:
        raise DDPMError(
            f"--batch-size {num} needs more memory than this machine has for this model; use --batch-size ≤ {allowed}."
        )
    return num


def check_num(pipe: Pipeline, num: int) -> int:
    """``--num`` images whose noise (float32) and pixels (uint8) fit in the memory a batch may use, held at once."""
    num = whole(num, "--num", 1, None)
    per_image = 5 * int(np.prod(pipe.image_shape))  # bytes: x_T in float32 + the uint8 result
    allowed = max(1, 4 * ModelLimits().max_activation_bytes // per_image)
    if num > allowed:
        raise DDPMError(f"--num {num} images would not fit in this machine's memory; use --num ≤ {allowed}.")
    return num


def sample(pipe: Pipeline, args: argparse.Namespace) -> np.ndarray:
    """``--num`` images in batches of ``--batch-size``. Every x_T is drawn first from the seed, as ``pipe.sample``
    draws them, so deterministic samplers (DDIM η = 0, DPM-Solver++(2M), UniPC) give the same images whatever the
    batch size; stochastic ones draw their step noise batch after batch from the same generator, so they give the
    same images for the same seed and batch size. With ``--num`` ≤ ``--batch-size`` it is ``pipe.sample`` exactly."""
    num = check_num(pipe, args.num)
    batch = min(num, check_batch(pipe, args.batch_size))
    options = pipe.options(sampler=args.sampler, num_steps=args.steps, eta=args.eta)
    generator = torch.Generator().manual_seed(whole(args.seed, "--seed", 0, 2**63 - 1))
    x_T = randn((num, *pipe.image_shape), generator, pipe.device)  # (N, C, H, W)
    steps = len(options.timesteps(pipe.schedule.num_timesteps)) + 1
    images = []
    with tqdm(total=steps * -(-num // batch), desc=f"{options.sampler} sampling", unit="step", file=sys.stderr) as bar:
        for first in range(0, num, batch):
            run = pipe.denoise(options=options, x_T=x_T[first : first + batch], generator=generator)
            final = run_to_end(ticked(run, bar))
            images.append(to_uint8(final.x_t))
    return np.concatenate(images)


def ticked(run: Iterator[DenoiseStep], bar: tqdm) -> Iterator[DenoiseStep]:
    """The steps of ``run``, one tick of ``bar`` each (``tqdm.update`` returns whether it redrew, not None)."""
    for step in run:
        bar.update(1)
        yield step


def check_outputs(args: argparse.Namespace) -> None:
    """Before a long run: the folders of --out and --npz exist and --out names an image format."""
    for path in filter(None, (args.out, args.npz)):
        if not Path(path).expanduser().resolve().parent.is_dir():
            raise DDPMError(f"The folder of {path} does not exist.")
    if Path(args.out).suffix.lower() not in Image.registered_extensions():
        raise DDPMError(f"--out {args.out}: name an image file, e.g. grid.png.")


def write(images: np.ndarray, args: argparse.Namespace) -> None:
    try:
        grid(images).save(args.out)
        if args.npz:
            np.savez_compressed(args.npz, images=images)
    except (OSError, ValueError) as err:  # a missing folder, no permission, an unknown image extension
        raise DDPMError(f"Could not write {args.out}" + (f" / {args.npz}" if args.npz else "") + f": {err}") from None


def main(argv: list[str] | None = None) -> int:
    """Exit 0 on success, 2 with one line on stderr for any bad input (argparse's own usage errors included)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "record":
            return record(args)
        from ui.models import model_location  # the bundled models by name: "digits", "emoji"

        where = model_location(args.model)
        pipe = load_pipeline(where, device=args.device, dtype=args.dtype, revision=args.revision)
        if args.command == "info":
            print(describe(pipe))
            return 0
        check_outputs(args)
        if pipe.fast:
            print(f"preparing the fast path ({pipe.path}) …", file=sys.stderr)
            pipe.warm_up()
            print(f"runs on {pipe.path}" + "".join(f"; {note}" for note in pipe.notes), file=sys.stderr)
        images = sample(pipe, args)
        write(images, args)
    except DDPMError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}" + (f" and {args.npz}" if args.npz else "") + f" ({len(images)} images)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
