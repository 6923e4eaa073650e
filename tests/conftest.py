"""Shared fixtures. Tests never touch the network: the Hub is reached only through caches the tests build."""

import json
import os
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # before huggingface_hub is imported anywhere
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import pytest  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

from ddpm import NoiseSchedule, Pipeline, save_pipeline  # noqa: E402
from ddpm.unet import UNet, UNetConfig  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"

# A small model shaped like the one we train on MNIST: 3 levels, attention only at 8×8.
TINY_CONFIG = {
    "sample_size": 32,
    "in_channels": 1,
    "out_channels": 1,
    "block_out_channels": [16, 32, 32],
    "layers_per_block": 1,
    "down_block_types": ["DownBlock2D", "DownBlock2D", "AttnDownBlock2D"],
    "up_block_types": ["AttnUpBlock2D", "UpBlock2D", "UpBlock2D"],
    "norm_num_groups": 8,
    "attention_head_dim": None,
}


def fixture_config(name: str) -> dict:
    return json.loads((FIXTURES / "configs" / f"{name}.json").read_text())


def random_unet(config: dict, seed: int = 0) -> UNet:
    """Random weights, with the output layer made non-trivial (diffusers zero-inits nothing, but be explicit)."""
    torch.manual_seed(seed)
    unet = UNet(UNetConfig.from_dict(config))
    with torch.no_grad():
        for p in unet.parameters():
            p.add_(0.02 * torch.randn_like(p))
    return unet


@pytest.fixture
def tiny_pipeline() -> Pipeline:
    return Pipeline(random_unet(TINY_CONFIG), NoiseSchedule.make("linear", 1000))


def write_flat_checkpoint(folder: Path, config: dict, state_dict: dict, scheduler: dict | None = None) -> Path:
    """The flat layout of google/ddpm-*: config.json, weights, scheduler_config.json side by side."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    save_file({k: v.contiguous() for k, v in state_dict.items()}, str(folder / "diffusion_pytorch_model.safetensors"))
    scheduler = scheduler or {
        "_class_name": "DDPMScheduler",
        "num_train_timesteps": 1000,
        "beta_schedule": "linear",
        "beta_start": 1e-4,
        "beta_end": 0.02,
        "variance_type": "fixed_large",
        "clip_sample": True,
    }
    (folder / "scheduler_config.json").write_text(json.dumps(scheduler))
    return folder


def build_hub_cache(cache: Path, repo_id: str, files_from: Path, revision: str = "a" * 40) -> Path:
    """A real huggingface_hub cache entry: models--org--name/{refs/main, snapshots/<rev>/…} (blobs inlined)."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    for path in files_from.rglob("*"):
        if path.is_file():
            target = snapshot / path.relative_to(files_from)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    return snapshot


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> str:
    """A saved tiny random pipeline (pipeline layout, T = 1000) that the app and its cache can load by folder."""
    folder = tmp_path_factory.mktemp("model") / "tiny"
    save_pipeline(Pipeline(random_unet(TINY_CONFIG), NoiseSchedule.make("linear", 1000)), folder)
    return str(folder)


@pytest.fixture(scope="session")
def tiny_colour_model_dir(tmp_path_factory) -> str:
    """``tiny_model_dir`` in RGB: a stand-in for a colour model (the emoji model's shape)."""
    folder = tmp_path_factory.mktemp("model") / "tiny-rgb"
    config = {**TINY_CONFIG, "in_channels": 3, "out_channels": 3}
    save_pipeline(Pipeline(random_unet(config), NoiseSchedule.make("linear", 1000)), folder)
    return str(folder)


@pytest.fixture(scope="session")
def bundled_model_dir() -> Path:
    """The bundled model (1.1M parameters, fast on a CPU): screenshots show its real x̂₀ and samples."""
    from ui.models import BUNDLED_MODEL

    return BUNDLED_MODEL


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through Playwright (never `playwright install`)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def drawn_seven():
    """A 7 drawn as the Sketchpad gives it: black strokes on a transparent 280² canvas (RGBA)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(60, 60), (220, 60), (120, 240)], fill=(0, 0, 0, 255), width=22)
    return image
