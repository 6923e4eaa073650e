"""The fast ε-network path: close to the exact one for every architecture, deterministic, prepared once and cached,
the precision each CPU gets, and the exact path with a note when the engine is missing or fails (app included).

Tests that run OpenVINO itself skip when it is not installed; the rest fake the engine, so they run everywhere.
"""

import sys
import threading
import types

import numpy as np
import pytest
import torch

import ddpm
from ddpm import NoiseSchedule, Pipeline, load_pipeline
from ddpm import device as ddpm_device
from ddpm.__main__ import main as cli
from ddpm.device import EXACT, Precision, fast_dtype, pick_precision
from ui.models import PipelineCache

from .conftest import TINY_CONFIG, fixture_config, random_unet

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def engine_cache(tmp_path_factory, monkeypatch):
    """Prepared networks go to one folder of this test session, never to the user's cache."""
    monkeypatch.setenv("DDPM_STUDIO_CACHE", str(tmp_path_factory.getbasetemp() / "ddpm-studio-cache"))


def fake_engine(monkeypatch, compile_unet) -> None:
    """Replace the OpenVINO module by one whose ``compile_unet`` is given (works without OpenVINO installed)."""
    module = types.SimpleNamespace(compile_unet=compile_unet)
    monkeypatch.setitem(sys.modules, "ddpm.openvino_engine", module)
    monkeypatch.setattr(ddpm, "openvino_engine", module, raising=False)


def no_engine(monkeypatch) -> None:
    """As if OpenVINO were not installed: importing the engine module fails."""
    monkeypatch.setitem(sys.modules, "ddpm.openvino_engine", None)
    monkeypatch.delattr(ddpm, "openvino_engine", raising=False)


def relative_error(fast: torch.Tensor, exact: torch.Tensor) -> float:
    return ((fast - exact).norm() / exact.norm()).item()


def inputs(C: int, size: int, batch: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, C, size, size, generator=generator), torch.randint(0, 1000, (batch,), generator=generator)


ARCHITECTURES = [
    pytest.param(TINY_CONFIG, id="tiny"),
    pytest.param(fixture_config("ddpm-cifar10-32"), id="cifar10-32", marks=pytest.mark.slow),
    pytest.param(fixture_config("ddpm-ema-celebahq-256"), id="celebahq-256", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("config", ARCHITECTURES)
def test_the_engine_is_close_to_the_exact_path_for_every_architecture(config):
    pytest.importorskip("openvino")
    unet, schedule = random_unet(config), NoiseSchedule.make("linear", 1000)
    exact = Pipeline(unet, schedule)
    fast = Pipeline(unet, schedule, dtype=pick_precision("bfloat16", CPU).dtype, fast=True).warm_up()
    assert fast.path.startswith("fast (openvino") and not fast.notes
    # float32 engine: ~1e-6; bf16: ~1.2e-2, as torch's own bf16 autocast. Large t matters: with the timestep rounded
    # to bf16 inside the engine (747 → 748) the sinusoidal code was wrong and the error at t = 747 was 7.7e-2.
    bound = 1e-4 if fast.dtype == torch.float32 else 0.03
    for batch, t in ((1, [747]), (2, [999, 0]), (3, [501, 250, 877])):  # one compilation serves every batch size
        x_t, _ = inputs(config["in_channels"], config["sample_size"], batch)
        eps = fast.eps(x_t, torch.tensor(t))
        assert eps.shape == x_t.shape and eps.dtype == torch.float32
        assert relative_error(eps, exact.eps(x_t, torch.tensor(t))) < bound


def test_the_bundled_model_through_the_engine_is_close_and_draws_the_same_digits(bundled_model_dir):
    pytest.importorskip("openvino")
    exact = load_pipeline(bundled_model_dir)
    fast = load_pipeline(bundled_model_dir, dtype="bfloat16").warm_up()
    x_t, t = inputs(1, 32, 4)
    assert relative_error(fast.eps(x_t, t), exact.eps(x_t, t)) < 0.05
    if fast.dtype == torch.float32:  # the same digits: at most a rounding step apart in a few pixels
        a, b = fast.sample(4, seed=3).astype(int), exact.sample(4, seed=3).astype(int)
        assert np.abs(a - b).max() <= 2


def test_same_seed_same_picture_across_runs_and_from_the_disk_cache(tiny_model_dir):
    pytest.importorskip("openvino")
    first = load_pipeline(tiny_model_dir, dtype="bfloat16").warm_up()
    images = first.sample(3, "ddpm", 10, seed=7)
    assert np.array_equal(images, first.sample(3, "ddpm", 10, seed=7))
    again = load_pipeline(tiny_model_dir, dtype="bfloat16").warm_up()  # a second process would read the same cache
    assert np.array_equal(images, again.sample(3, "ddpm", 10, seed=7))


def test_warm_up_is_idempotent_and_runs_once_across_threads(tiny_pipeline, monkeypatch):
    calls = []

    def compile_unet(unet, dtype, folder):
        calls.append(dtype)
        return lambda x_t, t: unet(x_t, t)

    fake_engine(monkeypatch, compile_unet)
    fast = Pipeline(tiny_pipeline.unet, tiny_pipeline.schedule, fast=True)
    threads = [threading.Thread(target=fast.warm_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    network = fast.network()
    assert fast.warm_up() is fast and fast.network() is network and calls == [torch.float32]
    assert fast.path == "fast (openvino, float32)" and not fast.notes


def test_without_the_engine_the_fast_path_is_the_exact_one_with_a_note(tiny_pipeline, monkeypatch):
    no_engine(monkeypatch)
    fast = Pipeline(tiny_pipeline.unet, tiny_pipeline.schedule, dtype=torch.float32, fast=True)
    images = fast.sample(2, "ddpm", 8, seed=1)
    assert np.array_equal(images, tiny_pipeline.sample(2, "ddpm", 8, seed=1))  # bit for bit the exact path
    assert len(fast.notes) == 1 and "OpenVINO, is not installed" in fast.notes[0]
    assert fast.path == "fast unavailable: eager float32"


def test_a_failing_engine_leaves_the_exact_path_and_says_why(tiny_pipeline, monkeypatch):
    def compile_unet(unet, dtype, folder):
        raise RuntimeError("no kernel for this layer\nstack trace …")

    fake_engine(monkeypatch, compile_unet)
    fast = Pipeline(tiny_pipeline.unet, tiny_pipeline.schedule, fast=True).warm_up()
    assert fast.notes == [
        "The fast path (OpenVINO) failed to prepare (no kernel for this layer): the network ran eagerly."
    ]
    assert np.array_equal(fast.sample(2, "ddim", 5, seed=0), tiny_pipeline.sample(2, "ddim", 5, seed=0))


def test_the_exact_path_serves_while_the_fast_one_is_prepared_and_a_run_never_mixes_them(tiny_pipeline, monkeypatch):
    release, calls = threading.Event(), []

    def compile_unet(unet, dtype, folder):
        release.wait(10)
        return lambda x_t, t: calls.append(1) or unet(x_t, t)

    fake_engine(monkeypatch, compile_unet)
    fast = Pipeline(tiny_pipeline.unet, tiny_pipeline.schedule, fast=True)
    assert fast.warm_up_in_background() is not None and fast.warm_up_in_background() is None
    assert "exact path serves" in fast.path
    run = fast.denoise(2, "ddim", 4, seed=0)
    next(run)  # the run has begun on the exact path ...
    release.set()
    fast.warm_up()  # ... the engine becomes ready mid-run ...
    list(run)
    assert calls == []  # ... and the run stays on the exact path to its end
    fast.sample(2, "ddim", 4, seed=0)
    assert len(calls) == 4 and fast.path == "fast (openvino, float32)"


def test_the_app_prepares_in_the_background_and_shows_the_fallback(tiny_model_dir, monkeypatch):
    no_engine(monkeypatch)
    pipelines = PipelineCache(tiny_model_dir, device="cpu", prepare_fast=True)
    exact, fast = pipelines.load(dtype="float32"), pipelines.load(dtype="bfloat16")
    assert fast is not exact and fast.fast and not exact.fast and fast.unet is exact.unet
    fast.warm_up()  # waits for the background preparation
    a, b = fast.sample(2, "ddim", 5, seed=0).astype(int), exact.sample(2, "ddim", 5, seed=0).astype(int)
    if fast.dtype == torch.float32:  # a CPU without native bf16: the eager fallback is the exact path itself
        assert np.array_equal(a, b)
    else:  # eager bf16 autocast on this random-weight net: 4.7 levels apart on average (AVX512-BF16 EPYC)
        assert np.abs(a - b).mean() < 8
    assert fast.notes and "not installed" in fast.notes[0] and not exact.notes  # the run's status shows notes
    assert "fast path:" in pipelines.footer()


def test_a_reduced_dtype_asks_for_the_fast_path_in_the_precision_the_cpu_computes(tiny_model_dir, monkeypatch):
    """bf16 only where the CPU computes it natively (AVX512-BF16/AMX: not measurable on an AVX2 machine, so the
    detection is patched); float32 through the engine elsewhere; GPUs take float16 autocast."""
    asked = []
    fake_engine(monkeypatch, lambda unet, dtype, folder: asked.append(dtype) or (lambda x_t, t: unet(x_t, t)))
    assert pick_precision(None, CPU) == pick_precision("float32", CPU) == EXACT
    assert fast_dtype(CPU) == torch.bfloat16 and fast_dtype(torch.device("cuda")) == torch.float16
    for native, dtype in ((False, torch.float32), (True, torch.bfloat16)):
        monkeypatch.setattr(ddpm_device, "cpu_has_fast_bf16", lambda native=native: native)
        assert pick_precision("bf16", CPU) == Precision(dtype, fast=True)
        pipe = load_pipeline(tiny_model_dir, device="cpu", dtype="bfloat16").warm_up()
        assert (pipe.dtype, pipe.fast, pipe.precision.name) == (dtype, True, "fast") and asked[-1] == dtype
    assert pick_precision("float16", torch.device("cuda")) == Precision(torch.float16, fast=True)
    assert load_pipeline(tiny_model_dir, device="cpu").precision == EXACT


def test_the_cli_samples_when_its_progress_bar_redraws_on_every_step(tiny_model_dir, tmp_path, monkeypatch):
    """``tqdm.update`` returns True when it redraws (every step on a slow or busy machine): the run still gets its
    steps, not that flag."""
    from tqdm import tqdm

    monkeypatch.setattr(tqdm, "update", lambda self, n=1: True)
    out = tmp_path / "s.npz"
    args = ["--num", "3", "--sampler", "ddpm", "--steps", "2", "--batch-size", "2", "--npz", str(out)]
    assert cli(["sample", "--model", str(tiny_model_dir), "--out", str(tmp_path / "g.png"), *args]) == 0
    assert np.load(out)["images"].shape[0] == 3


def test_the_cli_samples_in_batches_with_the_same_images_for_the_same_seed(tiny_model_dir, bundled_model_dir, tmp_path):
    """Same seed and batch size: the same images. Every x_T is drawn first, so a deterministic sampler gives the
    same images for any batch size up to float rounding (a batch's convolutions may sum in another order), which a
    trained model keeps within a grey level or two (a random one is chaotic under DDIM)."""

    def images(model, *args) -> np.ndarray:
        out, grid = tmp_path / "s.npz", str(tmp_path / "g.png")
        assert cli(["sample", "--model", str(model), "--out", grid, "--npz", str(out), *args]) == 0
        return np.load(out)["images"].astype(int)

    ancestral = ["--num", "5", "--sampler", "ddpm", "--steps", "4", "--seed", "3", "--batch-size", "2"]
    assert np.array_equal(images(tiny_model_dir, *ancestral), images(tiny_model_dir, *ancestral))
    whole = images(tiny_model_dir, "--num", "3", "--sampler", "ddpm", "--steps", "4", "--seed", "3")  # one batch
    assert np.array_equal(whole, load_pipeline(tiny_model_dir).sample(3, "ddpm", 4, seed=3))
    deterministic = ["--num", "5", "--sampler", "ddim", "--steps", "10", "--seed", "3"]
    by_two = images(bundled_model_dir, *deterministic, "--batch-size", "2")
    assert np.abs(by_two - images(bundled_model_dir, *deterministic, "--batch-size", "5")).max() <= 2
    assert cli(["sample", "--model", tiny_model_dir, "--batch-size", "0", "--out", str(tmp_path / "g.png")]) == 2
