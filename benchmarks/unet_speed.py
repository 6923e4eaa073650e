"""Forward-pass speed of ddpm.unet.UNet against diffusers.UNet2DModel on the same weights, in the same run.

    python -m benchmarks.unet_speed [--batch-sizes 1 8] [--repeats 20] [--threads N] [--device cpu]

Builds the google/ddpm-cifar10-32 architecture with random (seeded) weights, checks that both networks give the
same output, then times one forward pass (fp32, torch.inference_mode) of each, alternating which goes first, and
prints a markdown table of medians and the ratio ours / diffusers (below 1 means ours is faster).
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import diffusers
import torch
from diffusers import UNet2DModel

from benchmarks.machine import cpu_name
from ddpm.unet import UNet, UNetConfig

CONFIG = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "configs" / "ddpm-cifar10-32.json"


def time_forward(model, x: torch.Tensor, t: torch.Tensor) -> float:
    """Seconds for one forward pass."""
    if x.device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    model(x, t)
    if x.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=20, help="timed passes per model and batch size")
    parser.add_argument("--warmup", type=int, default=3, help="untimed passes per model and batch size")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    config = json.loads(CONFIG.read_text())
    torch.manual_seed(0)
    reference = UNet2DModel.from_config(config).eval().to(args.device)
    ours = UNet(UNetConfig.from_dict(config)).eval().to(args.device)
    ours.load_state_dict(reference.state_dict(), strict=True)

    def diffusers_forward(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return reference(x, t).sample

    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else cpu_name()
    print(
        f"device: {device}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"diffusers {diffusers.__version__}, fp32, inference_mode, median of {args.repeats} interleaved passes\n"
    )
    print("| model | batch | ours (ms) | diffusers (ms) | ours / diffusers | max abs diff |")
    print("|---|---|---|---|---|---|")
    generator = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        for batch in args.batch_sizes:
            x = torch.randn(batch, 3, 32, 32, generator=generator).to(args.device)
            t = torch.randint(0, 1000, (batch,), generator=generator).to(args.device)
            max_diff = (ours(x, t) - diffusers_forward(x, t)).abs().max().item()
            for _ in range(args.warmup):
                ours(x, t)
                diffusers_forward(x, t)
            times = {"ours": [], "diffusers": []}
            for i in range(args.repeats):
                pair = [("ours", ours), ("diffusers", diffusers_forward)]
                for name, model in pair if i % 2 == 0 else pair[::-1]:
                    times[name].append(time_forward(model, x, t))
            ours_ms = 1000 * statistics.median(times["ours"])
            diffusers_ms = 1000 * statistics.median(times["diffusers"])
            print(
                f"| ddpm-cifar10-32 | {batch} | {ours_ms:.1f} | {diffusers_ms:.1f} | "
                f"{ours_ms / diffusers_ms:.3f} | {max_diff:.1e} |"
            )


if __name__ == "__main__":
    main()
