"""The bundled default model (checkpoints/ddpm-mnist): loads offline, draws digits, and diffusers agrees with us."""

import numpy as np
import pytest
import torch
from diffusers import DDIMPipeline, DDIMScheduler, DDPMPipeline

from benchmarks import sample_quality as sq
from ddpm import load_pipeline
from ui.models import BUNDLED_MODEL


@pytest.fixture(scope="module")
def pipe():
    return load_pipeline(BUNDLED_MODEL)


def test_bundled_model_is_a_small_mnist_ddpm(pipe):
    assert pipe.image_shape == (1, 32, 32)
    assert pipe.schedule.kind == "linear" and pipe.schedule.num_timesteps == 1000
    weights = BUNDLED_MODEL / "unet" / "diffusion_pytorch_model.safetensors"
    assert weights.stat().st_size <= 10 * 2**20
    assert (BUNDLED_MODEL / "README.md").read_text().startswith("---\n")
    assert (BUNDLED_MODEL / "samples.png").is_file()


def test_bundled_model_draws_digits_not_noise(pipe):
    """Judged by the benchmark's MNIST classifier (98.9% on held-out digits; uniform noise gets ~0.1 confidence),
    with the app's default sampler (DDPM, 50 respaced steps). This model scores 0.98 on these 64 images (the card:
    0.97 on 500); the earlier, under-trained one (3,000 CPU steps) scored 0.94 here and fails."""
    classifier = sq.load_classifier()
    images = pipe.sample(batch_size=64, sampler="ddpm", num_steps=50, seed=0)
    probs, _ = sq.classify(classifier, sq.as_input(images))
    noise = np.random.default_rng(0).integers(0, 256, size=images.shape, dtype=np.uint8)
    noise_probs, _ = sq.classify(classifier, sq.as_input(noise))
    classes = np.bincount(probs.argmax(1), minlength=10)
    print(f"bundled model: mean confidence {probs.max(1).mean():.3f}, classes {classes}")
    assert noise_probs.max(1).mean() < 0.3  # the judge can say no
    assert probs.max(1).mean() > 0.95
    assert (classes >= 2).all()  # all ten digits, none dropped


def test_bundled_model_runs_the_same_in_diffusers(pipe):
    """A trained network is not chaotic under DDIM, so the whole run compares directly (stock diffusers)."""
    with torch.inference_mode():
        ddim = DDIMPipeline(
            DDPMPipeline.from_pretrained(BUNDLED_MODEL).unet,
            DDIMScheduler.from_pretrained(BUNDLED_MODEL, subfolder="scheduler"),
        )
        theirs = ddim(
            batch_size=4, generator=torch.Generator().manual_seed(1), eta=0.0, num_inference_steps=50, output_type="np"
        ).images
    *_, last = pipe.denoise(batch_size=4, sampler="ddim", num_steps=50, seed=1)
    ours = ((last.x_t + 1) / 2).clamp(0, 1).permute(0, 2, 3, 1).numpy()
    err = np.abs(ours - theirs).max()
    print(f"bundled model, DDIM 50 vs diffusers: max abs err {err:.2e}")
    assert err <= 1e-3
