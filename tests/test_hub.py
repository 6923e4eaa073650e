"""Loading and saving checkpoints: layouts, legacy keys, .bin, the Hub cache offline, every way a file can be bad."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from diffusers import DDPMPipeline

from ddpm import DDPMError, load_pipeline, save_pipeline
from ddpm.unet import convert_legacy_keys

from .conftest import TINY_CONFIG, build_hub_cache, write_flat_checkpoint

REPO = Path(__file__).resolve().parent.parent
LEGACY = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}


def legacy_names(state_dict: dict) -> dict:
    out = {}
    for key, value in state_dict.items():
        for new, old in LEGACY.items():
            key = key.replace(f".{new}.", f".{old}.")
        out[key] = value
    return out


def test_save_then_load_in_ours_and_in_diffusers_gives_the_same_images(tiny_pipeline, tmp_path):
    folder = save_pipeline(tiny_pipeline, tmp_path / "saved")
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == {
        "model_index.json",
        "README.md",
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
        "scheduler/scheduler_config.json",
    }
    card = (folder / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: diffusers\n") and "unconditional-image-generation" in card

    ours = load_pipeline(folder).sample(batch_size=2, sampler="ddpm", num_steps=20, seed=0)
    assert np.array_equal(ours, tiny_pipeline.sample(batch_size=2, sampler="ddpm", num_steps=20, seed=0))
    theirs = DDPMPipeline.from_pretrained(folder)
    with torch.inference_mode():
        images = theirs(
            batch_size=2, generator=torch.Generator().manual_seed(0), num_inference_steps=20, output_type="np"
        ).images
    assert np.abs((images * 255).round().astype(int) - ours.astype(int)).max() <= 1


def test_flat_layout_with_legacy_keys_and_bin_weights(tiny_pipeline, tmp_path):
    folder = tmp_path / "flat"
    write_flat_checkpoint(folder, TINY_CONFIG, tiny_pipeline.unet.state_dict())
    (folder / "diffusion_pytorch_model.safetensors").unlink()
    torch.save(legacy_names(tiny_pipeline.unet.state_dict()), folder / "diffusion_pytorch_model.bin")
    pipe = load_pipeline(folder)
    assert pipe.default_options.variance_type == "fixed_large"  # read from scheduler_config.json
    for key, value in tiny_pipeline.unet.state_dict().items():
        assert torch.equal(pipe.unet.state_dict()[key], value), key


def test_convert_legacy_keys_is_a_no_op_on_new_keys(tiny_pipeline):
    sd = tiny_pipeline.unet.state_dict()
    assert list(convert_legacy_keys(sd)) == list(sd)
    assert list(convert_legacy_keys(legacy_names(sd))) == list(sd)


@pytest.fixture
def hub_cache(tiny_pipeline, tmp_path, monkeypatch):
    """A real huggingface_hub cache holding 'google/ddpm-cifar10-32' in the flat google layout (tiny weights)."""
    import huggingface_hub.constants

    files = write_flat_checkpoint(tmp_path / "files", TINY_CONFIG, tiny_pipeline.unet.state_dict())
    cache = tmp_path / "hub-cache"
    build_hub_cache(cache, "google/ddpm-cifar10-32", files)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))  # read at import time
    return cache


def test_hub_id_loads_from_the_cache_offline(hub_cache, tiny_pipeline):
    pipe = load_pipeline("google/ddpm-cifar10-32")
    assert pipe.source == "google/ddpm-cifar10-32" and pipe.default_options.variance_type == "fixed_large"
    a = pipe.sample(batch_size=1, sampler="ddim", num_steps=5, seed=0)
    assert np.array_equal(a, tiny_pipeline.sample(batch_size=1, sampler="ddim", num_steps=5, seed=0))


def test_unknown_hub_id_offline_is_one_clear_sentence(hub_cache):
    with pytest.raises(DDPMError, match="not in the local Hugging Face cache while the Hub cannot be reached"):
        load_pipeline("google/ddpm-ema-church-256")


def test_hub_cache_through_the_environment_end_to_end(hub_cache):
    """A fresh process with only HF_HUB_CACHE and HF_HUB_OFFLINE=1 set, as a user would, via the CLI."""
    env = {**os.environ, "HF_HUB_CACHE": str(hub_cache), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "ddpm", "info", "google/ddpm-cifar10-32"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "google/ddpm-cifar10-32" in done.stdout and "fixed_large" in done.stdout


@pytest.mark.parametrize(
    ("source", "match"),
    [("./no/such/folder", "There is no model folder"), ("not a valid id!", "neither a model folder nor a Hugging")],
)
def test_missing_folders_and_invalid_ids(source, match):
    with pytest.raises(DDPMError, match=match):
        load_pipeline(source)


@pytest.fixture
def saved(tiny_pipeline, tmp_path) -> Path:
    return save_pipeline(tiny_pipeline, tmp_path / "saved")


def test_truncated_safetensors(saved):
    weights = saved / "unet" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(DDPMError, match="damaged or incomplete"):
        load_pipeline(saved)


def test_weights_of_the_wrong_shape(saved):
    config = json.loads((saved / "unet" / "config.json").read_text())
    config["block_out_channels"] = [16, 32, 64]
    (saved / "unet" / "config.json").write_text(json.dumps(config))
    with pytest.raises(DDPMError, match="do not fit config.json: .*of the wrong shape"):
        load_pipeline(saved)


@pytest.mark.parametrize(
    ("key", "match"),
    [
        ("block_out_channels", "block_out_channels"),
        ("norm_num_groups", "norm_num_groups"),
        ("layers_per_block", "do not fit config.json: .* missing"),
    ],  # diffusers' default 2 ≠ our 1: strict load
)
def test_missing_config_keys(saved, key, match):
    config = json.loads((saved / "unet" / "config.json").read_text())
    del config[key]  # the loader falls back to diffusers' default, which does not fit this network
    (saved / "unet" / "config.json").write_text(json.dumps(config))
    with pytest.raises(DDPMError, match=match):
        load_pipeline(saved)


def test_missing_and_broken_files(saved):
    (saved / "scheduler" / "scheduler_config.json").write_text("{not json")
    with pytest.raises(DDPMError, match="Could not read scheduler_config.json"):
        load_pipeline(saved)
    (saved / "unet" / "diffusion_pytorch_model.safetensors").unlink()
    with pytest.raises(DDPMError, match="has no diffusion_pytorch_model"):
        load_pipeline(saved)
    (saved / "unet" / "config.json").unlink()
    with pytest.raises(DDPMError, match="holds no UNet config"):
        load_pipeline(saved)


class RunsCode:
    """A pickle that would run code when unpickled."""

    def __reduce__(self):
        return (Path.touch, (Path(os.environ["DDPM_TEST_MARKER"]),))


def test_pickles_that_would_run_code_are_refused(saved, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("DDPM_TEST_MARKER", str(marker))
    (saved / "unet" / "diffusion_pytorch_model.safetensors").unlink()
    torch.save({"conv_in.weight": RunsCode()}, saved / "unet" / "diffusion_pytorch_model.bin")
    with pytest.raises(DDPMError, match="not a plain tensor file"):
        load_pipeline(saved)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"prediction_type": "v_prediction"}, "prediction_type='v_prediction' is not supported"),
        ({"variance_type": "learned_range"}, "Unknown variance type 'learned_range'"),
        ({"beta_schedule": "exotic"}, "beta_schedule 'exotic' is not supported"),
    ],
)
def test_unsupported_scheduler_configs(saved, change, match):
    path = saved / "scheduler" / "scheduler_config.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | change))
    with pytest.raises(DDPMError, match=match):
        load_pipeline(saved)


def test_cli_sample_writes_grid_and_npz(saved, tmp_path):
    out, npz = tmp_path / "grid.png", tmp_path / "samples.npz"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ddpm",
            "sample",
            "--model",
            str(saved),
            "--num",
            "3",
            "--sampler",
            "ddim",
            "--steps",
            "4",
            "--seed",
            "1",
            "--out",
            str(out),
            "--npz",
            str(npz),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    from PIL import Image

    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (2 + 2 * 34, 2 + 2 * 34)  # 3 images on a 2×2 grid
    images = np.load(npz)["images"]
    assert images.shape == (3, 32, 32, 1) and images.dtype == np.uint8
    assert np.array_equal(images, load_pipeline(saved).sample(batch_size=3, sampler="ddim", num_steps=4, seed=1))
    assert "ddim sampling" in done.stderr  # the progress bar


def test_cli_reports_bad_models_in_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "ddpm", "sample", "--model", str(tmp_path / "nope"), "--out", str(tmp_path / "g.png")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2 and done.stderr.strip().startswith("error: There is no model folder")
    assert "Traceback" not in done.stderr
