"""default_options per checkpoint (ddpm.defaults): a measured choice shipped with the checkpoint, else the published
rule — never few-step ancestral DDPM, never one choice for every checkpoint."""

import json

import pytest

from ddpm import DDPMError, load_pipeline, save_pipeline
from ddpm.defaults import PUBLISHED_CHOICE, SAMPLING_DEFAULTS_FILE

from .conftest import TINY_CONFIG, build_hub_cache, write_flat_checkpoint


@pytest.fixture
def flat_checkpoint(tiny_pipeline, tmp_path):
    """A google/ddpm-cifar10-32-like folder: flat layout, "fixed_large", clip_sample on, no measurement."""
    return write_flat_checkpoint(tmp_path / "flat", TINY_CONFIG, tiny_pipeline.unet.state_dict())


def test_an_unmeasured_checkpoint_gets_the_published_rule(flat_checkpoint):
    pipe = load_pipeline(str(flat_checkpoint))
    for name, value in PUBLISHED_CHOICE.items():
        assert getattr(pipe.default_options, name) == value
    assert pipe.default_options.sampler != "ddpm" and "published" in pipe.default_why
    # the checkpoint's own scheduler config is kept for DDPM and for saving
    assert pipe.scheduler_options.variance_type == "fixed_large" and pipe.scheduler_options.clip_sample
    assert pipe.options(sampler="ddpm").variance_type == "fixed_large"


def test_a_measured_choice_ships_with_the_checkpoint(flat_checkpoint):
    choice = {"sampler": "ddim", "num_steps": 30, "eta": 1.0, "why": "Measured: DDIM-30 η=1 wins here."}
    (flat_checkpoint / SAMPLING_DEFAULTS_FILE).write_text(json.dumps(choice))
    pipe = load_pipeline(str(flat_checkpoint))
    o = pipe.default_options
    assert (o.sampler, o.num_steps, o.eta, o.variance_type, o.clip_sample) == ("ddim", 30, 1.0, "fixed_large", True)
    assert pipe.default_why == choice["why"]


def test_the_choice_survives_save_and_load_and_through_the_hub_cache(flat_checkpoint, tmp_path, monkeypatch):
    import huggingface_hub.constants

    (flat_checkpoint / SAMPLING_DEFAULTS_FILE).write_text(json.dumps({"sampler": "unipc", "num_steps": 8, "why": "x"}))
    saved = save_pipeline(load_pipeline(str(flat_checkpoint)), tmp_path / "saved")
    again = load_pipeline(str(saved))
    assert again.default_options == load_pipeline(str(flat_checkpoint)).default_options
    assert json.loads((saved / "scheduler" / "scheduler_config.json").read_text())["variance_type"] == "fixed_large"
    cache = tmp_path / "hub-cache"
    build_hub_cache(cache, "org/measured", flat_checkpoint)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert load_pipeline("org/measured").default_options.sampler == "unipc"


def test_a_pipeline_built_in_code_writes_no_choice(tiny_pipeline, tmp_path):
    saved = save_pipeline(tiny_pipeline, tmp_path / "built")
    assert not (saved / SAMPLING_DEFAULTS_FILE).exists()
    assert load_pipeline(str(saved)).default_options.sampler == PUBLISHED_CHOICE["sampler"]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("{not json", "Could not read sampling_defaults.json as JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"sampler": "euler"}', "Unknown sampler 'euler'"),
        ('{"num_steps": 1e9, "sampler": "ddim"}', "sampling steps"),
        ('{"num_steps": "20"}', "sampling steps"),
        ('{"eta": NaN}', "finite number"),
        ('{"unet": {"block_out_channels": [4096]}}', "may set only"),
        ('{"why": 3}', "'why' must be a sentence"),
    ],
)
def test_a_hostile_choice_file_is_one_sentence(flat_checkpoint, content, match):
    (flat_checkpoint / SAMPLING_DEFAULTS_FILE).write_text(content)
    with pytest.raises(DDPMError, match=match):
        load_pipeline(str(flat_checkpoint))
