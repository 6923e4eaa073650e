"""The bundled model's DDPM-50 and DDIM-50 grids (seed 0), pinned as they were before the sampling redesign.

A refactor of the sampler, the options or the pipeline must give the very same pictures. The PNGs in
tests/fixtures/golden were written by ``pipe.sample(batch_size=16, sampler=…, num_steps=50, seed=0)`` on the code
before the redesign. On the machine that wrote them the match is exact; another CPU's float32 convolution kernels
may add in another order, so a handful of pixels may move by one level there, never more.
"""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ddpm import load_pipeline
from ddpm.images import grid
from ui.models import BUNDLED_MODEL

GOLDEN = Path(__file__).parent / "fixtures" / "golden"


@pytest.mark.parametrize("sampler", ["ddpm", "ddim"])
def test_bundled_model_draws_the_pinned_grid(sampler):
    pipe = load_pipeline(BUNDLED_MODEL, device="cpu", dtype="float32")
    # as the checkpoint's DDPMScheduler config runs it (leading spacing, x̂_0 clipped), whatever its default is
    options = pipe.scheduler_options.replace(sampler=sampler, num_steps=50)
    images = pipe.sample(batch_size=16, options=options, seed=0)
    ours = np.asarray(grid(images, nrow=4)).astype(int)
    with Image.open(GOLDEN / f"ddpm-mnist-{sampler}50-seed0.png") as image:
        pinned = np.asarray(image).astype(int)
    assert ours.shape == pinned.shape
    differ = np.abs(ours - pinned)
    assert differ.max() <= 1 and (differ > 0).mean() < 1e-3, f"{int((differ > 0).sum())} pixels differ"
