"""The fast ε-network path against the exact one and diffusers, side by side in one run (issue 15).

    python -m benchmarks.fast_path [--batch-sizes 1 16] [--repeats 7] [--threads 1] [--candidates ...] [--int8]
    python -m benchmarks.fast_path --grid [--threads 1]     # end to end: a 16-image grid, 20 steps, exact vs fast
    python -m benchmarks.fast_path --grid --grid-network celebahq-256   # end to end: one 256² image

Two networks: the google/ddpm-cifar10-32 architecture with random seeded weights and the bundled
checkpoints/ddpm-mnist. For each (network, batch) every candidate runs one forward pass per round, the order
rotating between rounds; medians are printed as a markdown table with the ratio against diffusers fp32 (the anchor,
above 1 = faster), achieved GFLOP/s (FLOPs counted once by torch's FlopCounterMode) and ε's relative L2 error
against ours fp32. The machine (CPU name, SIMD flags, load) and its 1024² matmul peaks in float32 and bfloat16 are
measured in the same run. Candidates a machine cannot run (an engine not installed) are left out with a line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.machine import cpu_name
from ddpm import Pipeline, load_pipeline
from ddpm.defaults import PUBLISHED_CHOICE
from ddpm.device import cpu_has_fast_bf16, pick_precision
from ddpm.sampling import SamplingOptions
from ddpm.schedule import NoiseSchedule
from ddpm.unet import UNet, UNetConfig

ROOT = Path(__file__).resolve().parent.parent
CIFAR_CONFIG = ROOT / "tests" / "fixtures" / "configs" / "ddpm-cifar10-32.json"
BUNDLED = ROOT / "checkpoints" / "ddpm-mnist"
CANDIDATES = (
    "ours exact",
    "ours fast",
    "channels_last fp32",
    "onnxruntime fp32",
    "diffusers fp32",
    "diffusers bf16+cl",
)
SLOW_PASS_S = 20.0  # a pass slower than this (emulated bf16) is timed once
ESTIMATE_S = 60.0  # a pass projected beyond this at a larger batch is estimated from the smaller one (never the anchor)

Network = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def cpu_flags() -> str:
    """The SIMD flags that decide the fast path: AVX2, AVX-512 (F, BF16, VNNI), AMX."""
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    wanted = [f for f in flags if f.startswith(("avx", "amx"))]
    return " ".join(sorted(set(wanted))) or "none reported"


def matmul_peak(dtype: torch.dtype, n: int = 1024, repeats: int = 3) -> float:
    """GFLOP/s of an n×n matmul in ``dtype`` (median of ``repeats``)."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


def flops(net: UNet, x: torch.Tensor, t: torch.Tensor) -> int:
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        net(x, t)
    return counter.get_total_flops()


def networks(which: list[str]) -> dict[str, UNet]:
    config = json.loads(CIFAR_CONFIG.read_text())
    torch.manual_seed(0)
    made = {"ddpm-cifar10-32 (random)": UNet(UNetConfig.from_dict(config))}
    made["bundled ddpm-mnist"] = load_pipeline(BUNDLED).unet
    return {label: net for label, net in made.items() if label.split()[0].removeprefix("ddpm-") in which}


def candidates(net: UNet, names: tuple[str, ...], int8: bool) -> tuple[dict[str, Network], dict[str, float], list]:
    """The candidates' forward functions, their preparation seconds, and lines for those left out."""
    made, prep, left_out = {}, {}, []
    schedule = NoiseSchedule.make("linear", 1000)
    exact = Pipeline(net, schedule)
    for name in names:
        start = time.perf_counter()
        try:
            made[name] = _make(name, net, exact, schedule)
        except ImportError as error:
            left_out.append(f"{name}: not installed ({error.name})")
            continue
        prep[name] = time.perf_counter() - start
    if int8:
        start = time.perf_counter()
        try:
            made["openvino int8 (NNCF)"] = _openvino_int8(net, schedule)
            prep["openvino int8 (NNCF)"] = time.perf_counter() - start
        except ImportError as error:
            left_out.append(f"openvino int8: not installed ({error.name})")
    return made, prep, left_out


def _make(name: str, net: UNet, exact: Pipeline, schedule: NoiseSchedule) -> Network:
    if name == "ours exact":
        return exact.eps
    if name == "ours fast":
        precision = pick_precision("bfloat16", torch.device("cpu"))
        fast = Pipeline(net, schedule, dtype=precision.dtype, fast=True).warm_up()
        if fast.notes:
            raise ImportError(name=fast.notes[0])
        return fast.eps
    if name == "channels_last fp32":
        twin = UNet(net.config).eval().requires_grad_(False)
        twin.load_state_dict(net.state_dict())
        twin = twin.to(memory_format=torch.channels_last)
        return lambda x, t: twin(x.contiguous(memory_format=torch.channels_last), t)
    if name == "onnxruntime fp32":
        return _onnxruntime(net)
    if name.startswith("diffusers"):
        from diffusers import UNet2DModel

        twin = UNet2DModel.from_config(net.config.to_dict()).eval().requires_grad_(False)
        twin.load_state_dict(net.state_dict())
        if name == "diffusers fp32":
            return lambda x, t: twin(x, t).sample
        twin = twin.to(memory_format=torch.channels_last)

        def bf16(x, t):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return twin(x.contiguous(memory_format=torch.channels_last), t).sample.float()

        return bf16
    if name == "inductor fp32":
        import torch._inductor.config as inductor

        inductor.freezing, inductor.cpp_wrapper = True, True
        compiled = torch.compile(net)
        return lambda x, t: compiled(x, t)
    raise ValueError(f"unknown candidate {name!r}; choose from {CANDIDATES + ('inductor fp32',)}")


def _onnxruntime(net: UNet) -> Network:
    import tempfile

    import onnxruntime

    C, size = net.config.in_channels, net.config.sample_size
    path = Path(tempfile.mkdtemp()) / "unet.onnx"
    batch = torch.export.Dim("batch")
    torch.onnx.export(
        net,
        (torch.zeros(2, C, size, size), torch.tensor([0, 1])),
        path,
        input_names=["x_t", "t"],
        dynamic_shapes={"x_t": {0: batch}, "t": {0: batch}},
        dynamo=True,
        verbose=False,
    )
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return lambda x, t: torch.from_numpy(session.run(None, {"x_t": x.numpy(), "t": t.numpy()})[0])


def _openvino_int8(net: UNet, schedule: NoiseSchedule) -> Network:
    """Post-training static int8 (NNCF) calibrated on 128 noised inputs x_t over all t."""
    import nncf
    import openvino as ov

    from ddpm.openvino_engine import OpenVINONetwork, convert

    generator = torch.Generator().manual_seed(1)
    C, size = net.config.in_channels, net.config.sample_size
    calibration = []
    for _ in range(32):
        x0 = torch.rand(4, C, size, size, generator=generator) * 2 - 1
        t = torch.randint(0, schedule.num_timesteps, (4,), generator=generator)
        x_t = schedule.q_sample(x0, t, torch.randn(x0.shape, generator=generator)).float()
        calibration.append((x_t.numpy(), net.time_proj(t).numpy()))  # the engine's inputs: x_t, t's code
    quantized = nncf.quantize(convert(net), nncf.Dataset(calibration, list), subset_size=128)
    config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": torch.get_num_threads()}
    return OpenVINONetwork(ov.Core().compile_model(quantized, "CPU", config), net.time_proj)


def time_round(made: dict[str, Network], x: torch.Tensor, t: torch.Tensor, order: list[str], skip: set[str]):
    times = {}
    for name in order:
        if name not in skip:
            start = time.perf_counter()
            made[name](x, t)
            times[name] = time.perf_counter() - start
    return times


def measure(made: dict[str, Network], x, t, repeats: int, per_image: dict[str, float]) -> tuple[dict, dict, set]:
    """Medians, ε errors, and the candidates estimated from a smaller batch (their one pass would exceed
    ``SLOW_PASS_S``: emulated bf16) rather than timed."""
    batch = x.shape[0]
    estimated = {n for n, s in per_image.items() if s * batch > ESTIMATE_S and n in made and n != "diffusers fp32"}
    reference = made["ours exact"](x, t)
    errors, first = {}, {}
    for name, network in made.items():  # the warm-up round: one pass each, its output checked
        if name in estimated:
            continue
        start = time.perf_counter()
        out = network(x, t).float()
        first[name] = time.perf_counter() - start
        errors[name] = ((out - reference).norm() / reference.norm()).item()
    slow = {name for name, seconds in first.items() if seconds > SLOW_PASS_S} | estimated
    names = list(made)
    rounds = [time_round(made, x, t, names[i % len(names) :] + names[: i % len(names)], slow) for i in range(repeats)]
    medians = {n: statistics.median([r[n] for r in rounds]) for n in made if n not in slow}
    medians |= {n: first[n] for n in slow - estimated}
    medians |= {n: per_image[n] * batch for n in estimated}
    return medians, errors, slow


def grid_seconds(network: str = "cifar10-32", rounds: int = 2) -> None:
    """End to end at the default options (DPM-Solver++(2M), 20 steps): a 16-image grid of the cifar10-32
    architecture or one image of the celebahq-256 one (random seeded weights), exact then fast, alternating; the
    fast path prepared first (its cost printed)."""
    config = json.loads((CIFAR_CONFIG.parent / f"ddpm-{'ema-' if '256' in network else ''}{network}.json").read_text())
    count = 1 if "256" in network else 16
    torch.manual_seed(0)
    net = UNet(UNetConfig.from_dict(config)).eval().requires_grad_(False)
    schedule = NoiseSchedule.make("linear", 1000)
    options = SamplingOptions(variance_type="fixed_large").replace(**PUBLISHED_CHOICE)  # what load_pipeline picks
    exact = Pipeline(net, schedule, default_options=options)
    start = time.perf_counter()
    precision = pick_precision("bfloat16", torch.device("cpu"))
    fast = Pipeline(net, schedule, dtype=precision.dtype, fast=True, default_options=options).warm_up()
    print(f"fast path: {fast.path}, prepared in {time.perf_counter() - start:.1f} s {fast.notes or ''}", flush=True)
    times: dict[str, list[float]] = {"exact": [], "fast": []}
    for i in range(rounds):
        for name, pipe in [("exact", exact), ("fast", fast)][:: 1 if i % 2 == 0 else -1]:
            start = time.perf_counter()
            images = pipe.sample(count, seed=0)
            times[name].append(time.perf_counter() - start)
    print(f"options: {exact.default_options}; load average {os.getloadavg()[0]:.1f}")
    for name, seconds in times.items():
        print(
            f"| {name} | " + ", ".join(f"{s:.1f}" for s in seconds) + f" | median {statistics.median(seconds):.1f} s |"
        )
    print(f"images of the last run: {images.shape}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per network and batch size")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's choice)")
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES), help="also: 'inductor fp32'")
    parser.add_argument("--int8", action="store_true", help="also OpenVINO int8 by NNCF post-training quantisation")
    parser.add_argument("--networks", nargs="+", default=["cifar10-32", "bundled"], help="cifar10-32 and/or bundled")
    parser.add_argument("--grid", action="store_true", help="only end to end: a 16-image grid, exact vs fast")
    parser.add_argument("--grid-network", default="cifar10-32", choices=["cifar10-32", "celebahq-256"])
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    if args.grid:
        print(f"machine: {cpu_name()} (flags {cpu_flags()}), {torch.get_num_threads()} thread(s)")
        return grid_seconds(args.grid_network)

    load = os.getloadavg()
    fp32, bf16 = matmul_peak(torch.float32), matmul_peak(torch.bfloat16, repeats=2)
    print(
        f"machine: {cpu_name()} ({os.cpu_count()} cores; flags {cpu_flags()}; native bf16: {cpu_has_fast_bf16()}), "
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), load average {load[0]:.1f} at start\n"
        f"matmul 1024² peaks this run: float32 {fp32:.1f} GFLOP/s, bfloat16 {bf16:.1f} GFLOP/s\n"
    )
    for label, net in networks(args.networks).items():
        net.eval().requires_grad_(False)
        made, prep, left_out = candidates(net, tuple(args.candidates), args.int8)
        print(f"### {label}\n")
        print("preparation (s): " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in prep.items()))
        for line in left_out:
            print(f"left out: {line}")
        print()
        print("| batch | candidate | median ms | × diffusers fp32 | GFLOP/s | ε rel. L2 vs ours fp32 |")
        print("|---|---|---|---|---|---|")
        per_image: dict[str, float] = {}
        for batch in sorted(args.batch_sizes):
            generator = torch.Generator().manual_seed(batch)
            C, size = net.config.in_channels, net.config.sample_size
            x = torch.randn(batch, C, size, size, generator=generator)
            t = torch.randint(0, 1000, (batch,), generator=generator)
            work = flops(net, x, t)
            medians, errors, slow = measure(made, x, t, args.repeats, per_image)
            per_image |= {n: s / batch for n, s in medians.items() if n not in per_image}
            anchor = medians.get("diffusers fp32")
            for name, seconds in medians.items():
                ratio = f"{anchor / seconds:.2f}" if anchor else "–"
                how = "" if name not in slow else " (1 pass)" if name in errors else " (est. from batch 1)"
                error = f"{errors[name]:.1e}" if name in errors else "–"
                gflops = work / seconds / 1e9
                print(
                    f"| {batch} | {name} | {1000 * seconds:.0f}{how} | {ratio} | {gflops:.1f} | {error} |", flush=True
                )
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f}\n")


if __name__ == "__main__":
    main()
