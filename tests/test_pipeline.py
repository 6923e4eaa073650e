"""Pipeline: seeded sampling equals diffusers' pipelines on the same weights; precision, devices, determinism."""

import numpy as np
import pytest
import torch
from diffusers import DDIMScheduler, DDPMPipeline, DDPMScheduler, UNet2DModel

from ddpm import DDPMError, NoiseSchedule, Pipeline
from ddpm.device import pick_device, pick_dtype
from ddpm.hub import scheduler_config
from ddpm.sampling import SamplingOptions, sample_loop

from .conftest import TINY_CONFIG, fixture_config, random_unet


def diffusers_twin(pipe: Pipeline) -> UNet2DModel:
    twin = UNet2DModel.from_config(pipe.unet.config.to_dict())
    twin.load_state_dict(pipe.unet.state_dict(), strict=True)
    return twin.eval()


def ours_as_float(pipe: Pipeline, **kwargs) -> np.ndarray:
    """Our final images as floats in [0, 1], (B, H, W, C), like diffusers' output_type="np"."""
    *_, last = pipe.denoise(**kwargs)
    return ((last.x_t + 1) / 2).clamp(0, 1).permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("variance_type", ["fixed_small", "fixed_large"])
def test_full_ddpm_run_matches_diffusers_pipeline(variance_type):
    pipe = Pipeline(
        random_unet(TINY_CONFIG),
        NoiseSchedule.make("linear", 1000),
        default_options=SamplingOptions(variance_type=variance_type),
    )
    scheduler = DDPMScheduler.from_config(scheduler_config(pipe))
    with torch.inference_mode():
        theirs = DDPMPipeline(diffusers_twin(pipe), scheduler)(
            batch_size=2, generator=torch.Generator().manual_seed(3), num_inference_steps=1000, output_type="np"
        ).images
    ours = ours_as_float(pipe, batch_size=2, sampler="ddpm", seed=3)
    err = np.abs(ours - theirs).max()
    print(f"DDPM 1000 steps, {variance_type}: max abs err {err:.2e}")
    assert err <= 1e-4


def with_a_denoiser(net, schedule: NoiseSchedule, sigma: float = 0.5):
    """ε = ε*(x_t, t) of Gaussian data N(0, σ²) + the network's output.

    A random network alone is chaotic under DDIM: x̂0 sits on the clip and 50 big deterministic steps amplify any
    1e-6 difference (the UNets', or diffusers' float32 ᾱ against our float64) to O(1) within ~20 steps (measured).
    A trained ε-network pulls x_t toward the data instead; the exact denoiser term plays that part here, while the
    random UNet still contributes at full strength. (DDPM's 1000 small steps need no such help, see above.)"""

    def eps(x_t, t):
        ab = schedule.alpha_bars[t].float().reshape(-1, 1, 1, 1)
        return (1 - ab).sqrt() * x_t / (ab * sigma**2 + 1 - ab) + net(x_t, t)

    return eps


@pytest.mark.parametrize("config", [TINY_CONFIG, fixture_config("ddpm-cifar10-32")], ids=["tiny", "cifar10"])
def test_ddim_50_run_with_our_unet_matches_diffusers_loop_with_theirs(config):
    pipe = Pipeline(random_unet(config), NoiseSchedule.make("linear", 1000))
    twin = diffusers_twin(pipe)
    g = torch.Generator().manual_seed(4)
    x_T = torch.randn(1, *pipe.image_shape, generator=g)
    scheduler = DDIMScheduler.from_config(scheduler_config(pipe))
    scheduler.set_timesteps(50)
    theirs_eps = with_a_denoiser(lambda x, t: twin(x, t).sample, pipe.schedule)
    with torch.inference_mode():
        ours = sample_loop(
            with_a_denoiser(pipe.unet, pipe.schedule), pipe.schedule, x_T, sampler="ddim", num_steps=50, generator=g
        )
        theirs = x_T
        for t in scheduler.timesteps:
            theirs = scheduler.step(theirs_eps(theirs, torch.full((1,), int(t))), t, theirs).prev_sample
    err = (ours - theirs).abs().max().item()
    print(f"DDIM 50 steps, {pipe.num_parameters / 1e6:.1f}M params: max abs err {err:.2e}")
    assert err <= 1e-4


def test_sample_is_uint8_bhwc_and_seeded(tiny_pipeline):
    a = tiny_pipeline.sample(batch_size=3, sampler="ddim", num_steps=10, seed=1)
    assert a.shape == (3, 32, 32, 1) and a.dtype == np.uint8
    assert np.array_equal(a, tiny_pipeline.sample(batch_size=3, sampler="ddim", num_steps=10, seed=1))
    assert not np.array_equal(a, tiny_pipeline.sample(batch_size=3, sampler="ddim", num_steps=10, seed=2))
    steps = list(tiny_pipeline.denoise(batch_size=2, sampler="ddim", num_steps=5, seed=0))
    assert len(steps) == 6 and steps[-1].timestep == -1


def test_bfloat16_fast_path_is_close_to_float32(tiny_pipeline):
    x_t, t = torch.randn(4, 1, 32, 32, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 10, 500, 999])
    exact = tiny_pipeline.eps(x_t, t)
    tiny_pipeline.to("cpu", "bfloat16")
    fast = tiny_pipeline.eps(x_t, t)
    assert tiny_pipeline.dtype == torch.bfloat16 and fast.dtype == torch.float32
    relative = ((fast - exact).norm() / exact.norm()).item()
    assert 0 < relative < 0.05  # close but not equal: bf16 keeps 8 bits of mantissa
    images = tiny_pipeline.sample(batch_size=2, sampler="ddim", num_steps=5, seed=0)
    assert images.shape == (2, 32, 32, 1) and not tiny_pipeline.notes


def test_non_finite_reduced_precision_falls_back_to_float32(tiny_pipeline, monkeypatch):
    tiny_pipeline.to("cpu", "bfloat16")
    forward = tiny_pipeline.unet.forward

    def overflowing(x, t):
        out = forward(x, t)
        return out * float("inf") if torch.is_autocast_enabled("cpu") else out

    monkeypatch.setattr(tiny_pipeline.unet, "forward", overflowing)
    with pytest.warns(UserWarning, match="recomputed in float32"):
        images = tiny_pipeline.sample(batch_size=1, sampler="ddim", num_steps=3, seed=0)
    assert tiny_pipeline.notes and "non-finite" in tiny_pipeline.notes[0]
    assert np.array_equal(images, Pipeline(tiny_pipeline.unet, tiny_pipeline.schedule).sample(1, "ddim", 3, seed=0))


def test_the_fast_cpu_path_is_bfloat16_only_where_the_cpu_computes_it(monkeypatch):
    """Without AVX512-BF16 or AMX, oneDNN emulates bf16 (76× slower than float32 on an AVX2 EPYC): float32 is the
    fast path there; GPUs take float16."""
    from ddpm import device

    cpu = torch.device("cpu")
    monkeypatch.setattr(device, "cpu_has_fast_bf16", lambda: False)
    assert device.pick_precision(device.fast_dtype(cpu), cpu) == device.Precision(torch.float32, fast=True)
    monkeypatch.setattr(device, "cpu_has_fast_bf16", lambda: True)
    assert device.pick_precision(device.fast_dtype(cpu), cpu) == device.Precision(torch.bfloat16, fast=True)
    assert device.fast_dtype(torch.device("cuda")) == torch.float16


def test_devices_and_dtypes_are_checked():
    assert pick_device(None).type in ("cpu", "cuda", "mps")
    assert pick_dtype(None, torch.device("cpu")) == torch.float32
    assert pick_dtype("bf16", torch.device("cpu")) == torch.bfloat16
    with pytest.raises(DDPMError, match="float16 is not a fast path on the CPU"):
        pick_dtype("float16", torch.device("cpu"))
    with pytest.raises(DDPMError, match="Unsupported dtype"):
        pick_dtype("int8", torch.device("cpu"))
    if not torch.cuda.is_available():
        with pytest.raises(DDPMError, match="no usable CUDA GPU"):
            pick_device("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_same_seed_same_picture_on_cuda(tiny_pipeline):
    cpu = tiny_pipeline.sample(batch_size=2, sampler="ddim", num_steps=10, seed=5).astype(int)
    gpu = tiny_pipeline.to("cuda").sample(batch_size=2, sampler="ddim", num_steps=10, seed=5).astype(int)
    assert np.abs(cpu - gpu).max() <= 1
