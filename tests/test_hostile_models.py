"""Model folders and configs as an attacker writes them: every field checked and the network costed before anything
is allocated, every OS error a sentence, and ``python -m ddpm`` never prints a traceback."""

import resource
import subprocess
import sys
import time

import pytest

from ddpm import DDPMError, load_pipeline
from ddpm.__main__ import main
from ddpm.hub import ModelLimits
from ddpm.unet import UNetConfig, UNetCost

from .conftest import TINY_CONFIG, random_unet, write_flat_checkpoint
from .serving import ROOT

HOSTILE_UNET = [
    (
        {
            "block_out_channels": [4096] * 3,
            "down_block_types": ["DownBlock2D"] * 3,
            "up_block_types": ["UpBlock2D"] * 3,
        },
        "too large for this machine",
    ),
    ({"time_embedding_dim": 1e6}, "time_embedding_dim=1000000.0"),
    (
        {
            "time_embedding_dim": 16384,
            "block_out_channels": [4096, 4096],
            "down_block_types": ["DownBlock2D"] * 2,
            "up_block_types": ["UpBlock2D"] * 2,
        },
        "too large",
    ),
    ({"sample_size": 10**6}, "sample_size"),
    (
        {
            "sample_size": 2048,
            "block_out_channels": [512] * 2,
            "down_block_types": ["AttnDownBlock2D", "DownBlock2D"],
            "up_block_types": ["UpBlock2D", "AttnUpBlock2D"],
        },
        "activations per image",
    ),
    ({"block_out_channels": "abc"}, "block_out_channels"),
    ({"in_channels": "3"}, "in_channels"),
    ({"layers_per_block": True}, "layers_per_block"),
    ({"norm_eps": float("nan")}, "norm_eps"),
    ({"act_fn": ["silu"]}, "act_fn"),
    ({"down_block_types": [None, 1]}, "down_block_types"),
    ({"attention_head_dim": -8}, "attention_head_dim"),
]


@pytest.mark.parametrize(("change", "words"), HOSTILE_UNET)
def test_hostile_unet_configs_are_refused_before_anything_is_allocated(tmp_path, change, words):
    folder = write_flat_checkpoint(tmp_path / "m", {**TINY_CONFIG, **change}, {})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(DDPMError, match=words):
        load_pipeline(folder, device="cpu")
    assert time.perf_counter() - start < 2 and resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000


@pytest.mark.parametrize(
    "scheduler",
    [
        {"num_train_timesteps": 1e9},
        {"num_train_timesteps": "1000"},
        {"beta_start": "x"},
        {"beta_end": float("inf")},
        {"beta_schedule": ["linear"]},
        {"trained_betas": "abc"},
        {"trained_betas": [0.5] * 200_000},
        {"variance_type": 3},
        {"clip_sample": "yes"},
        {"timestep_spacing": {}},
    ],
)
def test_hostile_scheduler_configs_are_sentences(tmp_path, scheduler):
    unet = random_unet(TINY_CONFIG)
    folder = write_flat_checkpoint(
        tmp_path / "m", TINY_CONFIG, unet.state_dict(), {"beta_schedule": "linear", **scheduler}
    )
    with pytest.raises(DDPMError):
        load_pipeline(folder, device="cpu")


def test_the_cost_is_exact_in_parameters_and_close_in_activations():
    cost = UNetCost.of(UNetConfig.from_dict(TINY_CONFIG))
    assert cost.parameters == sum(p.numel() for p in random_unet(TINY_CONFIG).parameters())
    cifar = UNetConfig(
        sample_size=32,
        block_out_channels=(128, 256, 256, 256),
        down_block_types=("DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=None,
    )
    assert UNetCost.of(cifar).parameters == 35_746_307  # google/ddpm-cifar10-32, as diffusers counts it
    assert ModelLimits(max_weight_bytes=10**6).max_weight_bytes == 10**6


def test_paths_that_the_os_refuses_are_sentences(tmp_path):
    link = tmp_path / "evil"
    write_flat_checkpoint(link, TINY_CONFIG, random_unet(TINY_CONFIG).state_dict())
    (link / "diffusion_pytorch_model.safetensors").unlink()
    (link / "diffusion_pytorch_model.safetensors").symlink_to("/etc/passwd")
    for source in ("x" * 5000, "/proc/1/root/etc", str(link), "a\x00b", "/dev/null"):
        with pytest.raises(DDPMError):
            load_pipeline(source, device="cpu")


def test_a_config_file_of_gigabytes_is_not_read(tmp_path):
    folder = write_flat_checkpoint(tmp_path / "m", TINY_CONFIG, {})
    with open(folder / "config.json", "a") as f:
        f.write(" " * (5 * 1024**2))
    with pytest.raises(DDPMError, match="larger than 4 MB"):
        load_pipeline(folder, device="cpu")


CLI_BAD = [
    ["sample", "--num", "0"],
    ["sample", "--num", "100000000"],
    ["sample", "--seed", "-1"],
    ["sample", "--steps", "0"],
    ["sample", "--steps", "5000"],
    ["sample", "--eta", "nan", "--sampler", "ddim"],
    ["sample", "--out", "/no/such/folder/grid.png"],
    ["sample", "--out", "grid.unknown"],
    ["sample", "--dtype", "int8"],
    ["sample", "--device", "tpu"],
    ["info", "/proc/1/root"],
    ["info", "y" * 5000],
    ["info", "/etc"],
    ["info", "not a repo id!"],
]


@pytest.mark.parametrize("argv", CLI_BAD, ids=[" ".join(a)[:40] for a in CLI_BAD])
def test_the_cli_answers_bad_input_in_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and not any("Traceback" in line for line in err)


def test_the_cli_in_a_process_prints_no_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "ddpm", "sample", "--num", "-3"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.startswith("error: ")
