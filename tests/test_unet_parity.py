"""ddpm.unet.UNet against diffusers.UNet2DModel: same config keys, same weight names, same outputs (fp32, CPU).

Run with `pytest -s tests/test_unet_parity.py` to see the measured max |ours - diffusers| per case.
"""

import json
import math
import warnings
from pathlib import Path

import pytest
import torch
from diffusers import UNet2DModel

from ddpm.errors import DDPMError
from ddpm.unet import UNet, UNetConfig, convert_legacy_keys

FIXTURES = Path(__file__).parent / "fixtures" / "configs"
TOLERANCE = 1e-4  # max abs error allowed between our forward and diffusers' (DESIGN.md, "Parity is the proof")

# The shape of the model we train on MNIST: three levels, one ResNet per level, attention only at 8×8.
MNIST_PRESET = {
    "sample_size": 32,
    "in_channels": 1,
    "out_channels": 1,
    "block_out_channels": [32, 64, 64],
    "layers_per_block": 1,
    "down_block_types": ["DownBlock2D", "DownBlock2D", "AttnDownBlock2D"],
    "up_block_types": ["AttnUpBlock2D", "UpBlock2D", "UpBlock2D"],
    "norm_num_groups": 8,
}
# Two levels, narrow: cheap enough to try every config switch we implement.
TINY = {
    "sample_size": 16,
    "in_channels": 2,
    "out_channels": 2,
    "block_out_channels": [16, 32],
    "layers_per_block": 1,
    "down_block_types": ["AttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "AttnUpBlock2D"],
    "norm_num_groups": 8,
    "attention_head_dim": 8,
}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def build_pair(config: dict, seed: int = 0) -> tuple[UNet2DModel, UNet]:
    """A seeded diffusers model with randomised GroupNorm affines (default 1/0 would hide swapped norms) and ours
    carrying the same weights."""
    torch.manual_seed(seed)
    reference = UNet2DModel.from_config(config).eval()
    with torch.no_grad():
        for module in reference.modules():
            if isinstance(module, torch.nn.GroupNorm):
                module.weight.normal_(1.0, 0.2)
                module.bias.normal_(0.0, 0.2)
    ours = UNet(UNetConfig.from_dict(config)).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    return reference, ours


def max_error(reference: UNet2DModel, ours: UNet, x: torch.Tensor, t) -> tuple[float, torch.Tensor]:
    with torch.no_grad():
        expected = reference(x, t).sample
        actual = ours(x, t)
    assert type(actual) is torch.Tensor and actual.shape == x.shape
    return (actual - expected).abs().max().item(), actual


def assert_parity(label: str, reference: UNet2DModel, ours: UNet, x: torch.Tensor, timesteps: list) -> None:
    outputs = []
    for t in timesteps:
        err, out = max_error(reference, ours, x, t)
        shown = t.tolist() if isinstance(t, torch.Tensor) else t
        print(f"\n{label}: t={shown} max|ours - diffusers| = {err:.2e} (max|eps| {out.abs().max().item():.2f})")
        assert err <= TOLERANCE
        outputs.append(out)
    # The comparison means something only if the output depends on t by far more than the tolerance.
    assert (outputs[0] - outputs[-1]).abs().max().item() > 100 * TOLERANCE


def test_cifar10_config_matches_diffusers():
    reference, ours = build_pair(fixture("ddpm-cifar10-32"))
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    assert_parity("ddpm-cifar10-32", reference, ours, x, [0, 500, 999, torch.tensor([3, 777])])


@pytest.mark.slow
def test_celebahq_config_matches_diffusers_on_64px_input():
    reference, ours = build_pair(fixture("ddpm-ema-celebahq-256"))  # 114M parameters; 64 px keeps it to seconds
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    assert_parity("ddpm-ema-celebahq-256", reference, ours, x, [torch.tensor([0, 999]), torch.tensor([999, 500])])


def test_half_width_celebahq_config_matches_diffusers():
    config = fixture("ddpm-ema-celebahq-256") | {"block_out_channels": [64, 64, 128, 128, 256, 256]}
    reference, ours = build_pair(config)
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(3))
    assert_parity("celebahq half width", reference, ours, x, [0, 500, 999, torch.tensor([10, 900])])


@pytest.mark.parametrize("attention_head_dim", [8, None], ids=["8-channel heads", "one head"])
def test_mnist_preset_matches_diffusers(attention_head_dim):
    reference, ours = build_pair(MNIST_PRESET | {"attention_head_dim": attention_head_dim})
    assert ours.down_blocks[2].attentions[0].heads == (8 if attention_head_dim else 1)
    x = torch.randn(4, 1, 32, 32, generator=torch.Generator().manual_seed(4))
    label = f"mnist preset, attention_head_dim={attention_head_dim}"
    assert_parity(label, reference, ours, x, [0, 999, torch.tensor([0, 250, 500, 999])])


@pytest.mark.parametrize(
    "overrides",
    [
        {"center_input_sample": True},
        {"mid_block_scale_factor": math.sqrt(2)},
        {"act_fn": "mish"},
        {"act_fn": "gelu"},
        {"add_attention": False},
        {"mid_block_type": None},
        {"time_embedding_dim": 40},
        {"attn_norm_num_groups": 4},
        {"downsample_padding": 0},
        {"flip_sin_to_cos": False, "freq_shift": 1},
        {"norm_eps": 1e-2},
        {"dropout": 0.5},  # eval mode: dropout is off in both
        {"attention_head_dim": None},
    ],
    ids=lambda overrides: ",".join(f"{k}={v}" for k, v in overrides.items()),
)
def test_config_switches_match_diffusers(overrides):
    reference, ours = build_pair(TINY | overrides)
    x = torch.randn(3, 2, 16, 24, generator=torch.Generator().manual_seed(5))  # not square on purpose
    assert_parity(f"tiny {overrides}", reference, ours, x, [1, torch.tensor([0, 400, 999])])


@pytest.mark.parametrize("config", [fixture("ddpm-cifar10-32"), MNIST_PRESET], ids=["cifar10", "mnist preset"])
def test_state_dicts_have_the_same_keys_and_shapes_and_load_both_ways(config):
    reference, ours = build_pair(config)
    ours_sd, reference_sd = ours.state_dict(), reference.state_dict()
    assert list(ours_sd) == list(reference_sd)  # same names, in the same order
    assert {k: v.shape for k, v in ours_sd.items()} == {k: v.shape for k, v in reference_sd.items()}

    fresh_ours = UNet(UNetConfig.from_dict(config))
    fresh_ours.load_state_dict(reference_sd, strict=True)  # diffusers → ours
    fresh_reference = UNet2DModel.from_config(config)
    fresh_reference.load_state_dict(ours_sd, strict=True)  # ours → diffusers
    for key, value in reference_sd.items():
        assert torch.equal(fresh_ours.state_dict()[key], value)
        assert torch.equal(fresh_reference.state_dict()[key], value)


def test_legacy_attention_keys_convert_and_load_strictly():
    reference, ours = build_pair(MNIST_PRESET)
    new_to_old = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}
    legacy = {}
    for key, value in reference.state_dict().items():
        for new, old in new_to_old.items():
            key = key.replace(f".{new}.", f".{old}.")
        legacy[key] = value
    assert "mid_block.attentions.0.proj_attn.weight" in legacy and "up_blocks.0.attentions.1.query.bias" in legacy
    with pytest.raises(RuntimeError):
        UNet(ours.config).load_state_dict(legacy, strict=True)

    snapshot = dict(legacy)
    converted = convert_legacy_keys(legacy)
    assert legacy == snapshot  # the caller's dict is left alone
    assert list(converted) == list(reference.state_dict())
    fresh = UNet(ours.config)
    fresh.load_state_dict(converted, strict=True)
    for key, value in reference.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)
    assert convert_legacy_keys(converted) == converted  # current names pass through unchanged


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("num_class_embeds", 10),
        ("class_embed_type", "timestep"),
        ("time_embedding_type", "fourier"),
        ("resnet_time_scale_shift", "scale_shift"),
        ("out_channels", 6),
        ("down_block_types", ["DownBlock2D", "AttnDownBlock2D", "SkipDownBlock2D", "DownBlock2D"]),
        ("up_block_types", ["UpBlock2D", "AttnSkipUpBlock2D", "UpBlock2D", "UpBlock2D"]),
        ("downsample_type", "resnet"),
        ("upsample_type", "resnet"),
        ("mid_block_type", "UNetMidBlock2DCrossAttn"),
        ("act_fn", "tanh"),
        ("attention_head_dim", 48),
        ("norm_num_groups", 24),
        ("block_out_channels", [128, 256, 256]),
        ("sample_size", None),
        ("attention_head_dim", 0),
        ("_class_name", "UNet2DConditionModel"),
    ],
)
def test_unsupported_configs_are_refused_naming_the_field(field, value):
    with pytest.raises(DDPMError, match=field) as excinfo:
        UNetConfig.from_dict(fixture("ddpm-cifar10-32") | {field: value})
    assert str(excinfo.value).count(". ") == 0  # one sentence


def test_unknown_keys_are_ignored_with_a_warning_and_private_keys_silently():
    config = fixture("ddpm-cifar10-32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert UNetConfig.from_dict(config | {"_name_or_path": "x", "num_train_timesteps": 1000}).freq_shift == 1
    with pytest.warns(UserWarning, match="some_future_key"):
        UNetConfig.from_dict(config | {"some_future_key": 1})


@pytest.mark.parametrize(
    "config",
    [fixture("ddpm-cifar10-32"), fixture("ddpm-ema-celebahq-256"), MNIST_PRESET, TINY | {"mid_block_type": None}],
    ids=["cifar10", "celebahq", "mnist preset", "tiny without mid block"],
)
def test_to_dict_round_trips_through_diffusers(config):
    ours_config = UNetConfig.from_dict(config)
    as_dict = json.loads(json.dumps(ours_config.to_dict()))  # what lands in config.json
    assert as_dict["_class_name"] == "UNet2DModel"
    assert UNetConfig.from_dict(as_dict) == ours_config

    reference = UNet2DModel.from_config(as_dict)
    for key, value in as_dict.items():
        if not key.startswith("_"):
            registered = reference.config[key]
            assert (list(registered) if isinstance(registered, tuple) else registered) == value, key
    UNet(ours_config).load_state_dict(reference.state_dict(), strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # diffusers' own full config has no key we would ignore
        assert UNetConfig.from_dict(dict(reference.config)) == ours_config


def test_timestep_may_be_int_scalar_tensor_or_batch_vector():
    _, ours = build_pair(TINY)
    x = torch.randn(3, 2, 16, 16, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        expected = ours(x, torch.tensor([7, 7, 7]))
        for t in (7, torch.tensor(7), torch.tensor([7]), torch.tensor(7.0)):
            assert torch.equal(ours(x, t), expected)
        with pytest.raises(DDPMError, match="shape"):
            ours(x, torch.tensor([1, 2]))
