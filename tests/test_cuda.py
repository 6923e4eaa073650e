"""On a CUDA GPU: the same seed gives the CPU's pictures, reduced precision stays close, diffusers still agrees,
and train.py trains with mixed precision. Skipped without a GPU (CI has none); `pytest -s tests/test_cuda.py`
on a GPU machine prints the measured differences."""

import json

import numpy as np
import pytest
import torch

import train
from ddpm import load_pipeline
from ddpm.unet import UNet, UNetConfig
from ui.models import BUNDLED_MODEL

from .conftest import fixture_config, random_unet

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def level_differences(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(int) - b.astype(int))


@pytest.mark.parametrize(("sampler", "steps"), [("ddim", 50), ("ddpm", 1000)])
def test_bundled_model_same_seed_same_pictures_on_cpu_and_cuda(sampler, steps):
    """Noise is drawn on the CPU, so only the network's rounding differs between devices (fp32 on both)."""
    cpu = load_pipeline(BUNDLED_MODEL, device="cpu").sample(8, sampler, steps, seed=3)
    gpu = load_pipeline(BUNDLED_MODEL, device="cuda").sample(8, sampler, steps, seed=3)
    diff = level_differences(cpu, gpu)
    print(
        f"{sampler}-{steps} CPU vs CUDA: max {diff.max()} levels, mean {diff.mean():.4f}, "
        f"pixels off by >2 levels {np.mean(diff > 2):.2%}"
    )
    assert diff.mean() < 0.5
    assert np.mean(diff > 8) < 0.002


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_reduced_precision_on_cuda_stays_close_to_fp32(dtype):
    exact = load_pipeline(BUNDLED_MODEL, device="cuda").sample(16, "ddim", 50, seed=0)
    fast_pipe = load_pipeline(BUNDLED_MODEL, device="cuda", dtype=dtype)
    fast = fast_pipe.sample(16, "ddim", 50, seed=0)
    diff = level_differences(exact, fast)
    print(f"DDIM-50 {dtype} vs fp32 on CUDA: mean {diff.mean():.3f} levels, max {diff.max()}; notes {fast_pipe.notes}")
    assert diff.mean() < 4


def test_unet_matches_diffusers_on_cuda():
    from diffusers import UNet2DModel

    config = fixture_config("ddpm-cifar10-32")
    ours = random_unet(config).cuda().eval()
    theirs = UNet2DModel.from_config(config).cuda().eval()
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(0)).cuda()
    t = torch.tensor([0, 10, 500, 999], device="cuda")
    with torch.inference_mode(), torch.backends.cudnn.flags(enabled=True, allow_tf32=False):  # fp32 convolutions
        err = (ours(x, t) - theirs(x, t).sample).abs().max().item()
    print(f"cifar10 UNet on CUDA, ours vs diffusers: max abs err {err:.2e}")
    assert err <= 1e-4


def test_train_py_runs_on_cuda_with_mixed_precision(tmp_path):
    config = {
        **fixture_config("ddpm-cifar10-32"),
        "block_out_channels": [32, 64, 64, 64],
        "in_channels": 1,
        "out_channels": 1,
        "norm_num_groups": 16,
    }
    (tmp_path / "unet.json").write_text(json.dumps(config))
    out = tmp_path / "run"
    argv = [
        "--data",
        "mnist5k",
        "--model-config",
        str(tmp_path / "unet.json"),
        "--steps",
        "20",
        "--save-every",
        "10",
        "--batch-size",
        "32",
        "--warmup",
        "2",
        "--grid-steps",
        "5",
        "--device",
        "cuda",
        "--out",
        str(out),
    ]
    assert train.main(argv) == 0
    assert train.main([*argv[:5], "30", *argv[6:], "--resume"]) == 0
    state = torch.load(out / "state.pt", weights_only=True)
    assert state["step"] == 30
    pipe = load_pipeline(out / "pipeline")
    assert isinstance(pipe.unet, UNet) and pipe.unet.config == UNetConfig.from_dict(config)
    assert all(torch.isfinite(v).all() for v in state["unet"].values())
