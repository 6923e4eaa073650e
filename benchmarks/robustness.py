"""The app as strangers on a public Space use it: every bad input, hostile model names, many clients at once.

    python -m benchmarks.robustness [--clients 20] [--seconds 120] [--public]

Launches ``app.py`` (its own Gradio cache folder, as a public deployment with ``--public``) and, through
gradio_client, sends: the image corpus (benchmarks/corpus.py) to every image endpoint; bad values for every parameter
of every endpoint; hostile model names; then ``--clients`` sessions scrubbing, reseeding, exploring and sampling for
``--seconds``. It prints calls, unexplained errors (an error without a sentence: Gradio's bare "Error"), hangs (no
answer within 60 s), deaths, blank outputs of valid images, the server's peak RSS rise (overall and for the largest
single request), disk growth per 100 requests, and p50/p95 per endpoint under load. Numbers go to RESULTS.md by hand,
with the machine (``benchmarks.machine.cpu_name``).
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from gradio_client import Client, handle_file
from PIL import Image

from benchmarks.corpus import corpus
from benchmarks.machine import cpu_name

ROOT = Path(__file__).resolve().parent.parent
UNEXPLAINED = ("has not enabled verbose error reporting", "Traceback", "Error\n")
BAD_VALUES = [math.nan, math.inf, -1, 10**30, "x", None, [], {}, True, 2.5, "64"]
HOSTILE_MODELS = [
    "/etc",
    "/etc/passwd",
    "/proc/1/root",
    "/proc/self/cwd",
    "../../../../etc",
    "~",
    "~/.ssh",
    "x" * 5000,
    "a\x00b",
    "/dev/zero",
    "C:\\Windows",
    "checkpoints",
    "ui",
    ".",
    "..",
    "google/../../etc",
    "https://evil.example/m",
    "file:///etc/passwd",
    "org/does-not-exist",
    "not a repo!",
    "",
    " ",
    "/tmp",
    "tests/fixtures",
]


@dataclass
class Tally:
    calls: int = 0
    unexplained: list[str] = field(default_factory=list)
    hangs: int = 0
    blank: list[str] = field(default_factory=list)
    times: dict[str, list[float]] = field(default_factory=dict)

    def call(self, client: Client, api_name: str, *args, check_image: bool = False, label: str = "") -> object:
        self.calls += 1
        start = time.perf_counter()
        try:
            with futures.ThreadPoolExecutor(1) as pool:
                result = pool.submit(client.predict, *args, api_name=api_name).result(timeout=60)
        except futures.TimeoutError:
            self.hangs += 1
            return None
        except Exception as error:  # the client raises AppError with the server's sentence, or none
            text = str(error)
            if not text.strip() or any(marker in text for marker in UNEXPLAINED):
                self.unexplained.append(f"{api_name} {label}: {text[:160]}")
            return None
        finally:
            self.times.setdefault(api_name, []).append(time.perf_counter() - start)
        if check_image:
            picture = result[1] if isinstance(result, (list, tuple)) else result
            path = picture.get("value", picture) if isinstance(picture, dict) else picture
            if not path or np.asarray(Image.open(path)).std() == 0:
                self.blank.append(f"{api_name} {label}")
        return result


def server_memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of the server in kB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def disk_bytes(*folders: Path) -> int:
    return sum(f.stat().st_size for folder in folders if folder.exists() for f in folder.rglob("*") if f.is_file())


def launch(cache: Path, public: bool) -> tuple[subprocess.Popen, str]:
    port = 7900 + random.randrange(90)
    env = {**os.environ, "GRADIO_TEMP_DIR": str(cache), "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    args = [sys.executable, "app.py", "--device", "cpu", "--port", str(port)]
    if public:
        args += ["--host", "0.0.0.0"]
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=2)
            return process, url
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("app.py did not start")


def corpus_phase(client: Client, tally: Tally, folder: Path) -> None:
    for case in corpus():
        path = folder / case.name
        path.write_bytes(case.data)
        valid = case.reference is not None
        tally.call(
            client,
            "/load_upload",
            handle_file(str(path)),
            "64",
            "RGB",
            "linear",
            300,
            check_image=valid,
            label=case.name,
        )
        sketch = {"background": None, "layers": [], "composite": handle_file(str(path)), "id": None}
        tally.call(client, "/load_sketch", sketch, "64", "RGB", "linear", 300, label=case.name)
        tally.call(
            client,
            "/sample",
            "ddim",
            2,
            0.0,
            "fixed_small",
            True,
            0,
            1,
            "exact",
            "image",
            handle_file(str(path)),
            None,
            500,
            label=case.name,
        )


ENDPOINT_ARGS = {  # valid arguments of each endpoint (without files), each replaced in turn by every bad value
    "/load_example": ["Astronaut", "64", "RGB", "linear", 250],
    "/set_resolution": ["64", "RGB", "linear", 250],
    "/new_noise": ["linear", 250],
    "/set_schedule": ["cosine", 250],
    "/scrub": ["linear", 250],
    "/chain_vs_closed": ["linear", 20, 0],
    "/load_model": ["checkpoints/ddpm-mnist (bundled)", "exact", 4, 10, "ddpm"],
    "/estimate": ["exact", 4, 10, "unipc"],
    "/sampler_note": ["dpmpp_2m"],
    "/race": ["exact", 2, 0, "ddim", 3, "unipc", 3, "none", 5, "none", 5],
    "/commitment": [0],
    "/lab_data": ["two_moons", 200, 0, 300, "exact"],
    "/lab_view": [300, "learned"],
    "/lab_sample": ["ddpm", "ddim", 10, "ideal", 50, 0],
    "/lab_compare": ["ddim", 10, 0],
    "/replay": [0],
    "/explore": [["linear", "cosine"], 1000, 1e-4, 0.02, 0.008, 50, "leading", "Astronaut"],
    "/sample": ["ddim", 3, 0.0, "fixed_small", True, 0, 2, "exact", "noise", None, None, 500],
}


def parameter_phase(client: Client, tally: Tally) -> None:
    tally.call(client, "/load_example", "Digit 7 (MNIST)", "64", "RGB", "linear", 250)
    for api_name, good in ENDPOINT_ARGS.items():
        tally.call(client, api_name, *good, label="valid")
        for index in range(len(good)):
            for bad in BAD_VALUES:
                args = list(good)
                args[index] = bad
                tally.call(client, api_name, *args, label=f"arg {index} = {bad!r}"[:60])


def model_phase(client: Client, tally: Tally) -> list[str]:
    answers = []
    for name in HOSTILE_MODELS:
        result = tally.call(client, "/load_model", name, "exact", 4, 10, "ddpm", label=name[:40])
        answers.append(result[1] if result else "")
    return answers


def load_phase(url: str, clients: int, seconds: float) -> Tally:
    """``clients`` sessions at once: mostly scrubbing (the hot path), some reseeding, exploring and small runs."""
    tally = Tally()
    deadline = time.monotonic() + seconds

    def session(index: int) -> None:
        client = Client(url, verbose=False)
        rng = random.Random(index)
        tally.call(client, "/load_example", rng.choice(["Astronaut", "Digit 7 (MNIST)"]), "128", "RGB", "linear", 250)
        while time.monotonic() < deadline:
            roll = rng.random()
            if roll < 0.8:
                tally.call(client, "/scrub", "linear", rng.randrange(1000))
            elif roll < 0.9:
                tally.call(client, "/new_noise", "cosine", rng.randrange(1000))
            elif roll < 0.97:
                tally.call(client, "/explore", ["linear", "cosine"], 1000, 1e-4, 0.02, 0.008, 50, "leading", "Coffee")
            else:
                tally.call(
                    client, "/sample", "ddim", 10, 0.0, "fixed_small", True, index, 4, "exact", "noise", None, None, 500
                )

    with futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(session, range(clients)))
    return tally


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--public", action="store_true", help="launch as a public deployment (--host 0.0.0.0)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ddpm-robustness-"))
    cache = work / "gradio-cache"
    process, url = launch(cache, args.public)
    own = Path(tempfile.gettempdir()) / f"ddpm-studio-{process.pid}"
    try:
        rss0, _ = server_memory_kb(process.pid)
        disk0 = disk_bytes(cache, own)
        client = Client(url, verbose=False)
        tally = Tally()
        worst = 0
        for phase in (lambda: corpus_phase(client, tally, work), lambda: parameter_phase(client, tally)):
            _, before = server_memory_kb(process.pid)
            phase()
            worst = max(worst, server_memory_kb(process.pid)[1] - before)
        answers = model_phase(client, tally)
        fuzz_calls, fuzz_disk = tally.calls, disk_bytes(cache, own) - disk0
        load = load_phase(url, args.clients, args.seconds)
        alive = process.poll() is None
        rss1, hwm = server_memory_kb(process.pid) if alive else (0, 0)
        disk1 = disk_bytes(cache, own)
    finally:
        process.terminate()
        process.wait(timeout=30)
    leftover = disk_bytes(cache, own)
    print(f"machine: {cpu_name()} · {'public' if args.public else 'private'} deployment")
    print(
        f"fuzz: {fuzz_calls} calls, {len(tally.unexplained)} unexplained errors, {tally.hangs} hangs, "
        f"{len(tally.blank)} blank outputs of valid images"
    )
    for line in tally.unexplained[:20] + tally.blank[:10]:
        print("   ", line)
    leaks = [a for a in answers if a and any(word in a for word in ("root:", "holds no", "There is no model folder"))]
    print(f"hostile model names: {len(HOSTILE_MODELS)}, answers that reveal the disk: {len(leaks)}")
    print(
        f"load: {args.clients} clients × {args.seconds:.0f} s: {load.calls} calls, {len(load.unexplained)} "
        f"unexplained errors, {load.hangs} hangs"
    )
    for api_name, times in sorted(load.times.items()):
        print(
            f"    {api_name:14s} n={len(times):5d}  p50 {percentile(times, 50) * 1000:7.0f} ms  "
            f"p95 {percentile(times, 95) * 1000:7.0f} ms"
        )
    total = fuzz_calls + load.calls
    print(
        f"server alive at the end: {alive} · RSS {rss0 / 1024:.0f} → {rss1 / 1024:.0f} MB, peak {hwm / 1024:.0f} MB, "
        f"largest rise in one fuzz phase {worst / 1024:.0f} MB"
    )
    print(
        f"disk: +{fuzz_disk / 1e6:.1f} MB over the fuzz ({fuzz_disk / fuzz_calls * 100 / 1e6:.2f} MB per 100 "
        f"requests), {(disk1 - disk0) / 1e6:.1f} MB after everything ({total} calls), {leftover / 1e6:.1f} MB left "
        "after exit"
    )
    print(f"median call {statistics.median(t for ts in tally.times.values() for t in ts) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
