"""SamplingOptions: one frozen value that checks itself, the keyword front doors, the checkpoint's defaults."""

import dataclasses
from typing import get_args

import numpy as np
import pytest

from ddpm import DDPMError, NoiseSchedule, Pipeline
from ddpm.options import SamplerName, Spacing, VarianceType
from ddpm.sampling import SamplingOptions, timesteps_for


def test_defaults_are_ddpm_over_every_timestep_as_ho_et_al_sample():
    o = SamplingOptions()
    assert (o.sampler, o.num_steps, o.eta, o.variance_type, o.clip_sample, o.clip_range, o.spacing) == (
        "ddpm",
        None,
        0.0,
        "fixed_small",
        True,
        1.0,
        "leading",
    )
    assert o.timesteps(1000).tolist() == list(range(999, -1, -1))


def test_options_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SamplingOptions().sampler = "ddim"


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [("sampler", "euler", SamplerName), ("variance_type", "learned", VarianceType), ("spacing", "middle", Spacing)],
)
def test_an_unknown_choice_names_every_allowed_value(field, value, allowed):
    with pytest.raises(DDPMError, match=repr(value)) as error:
        SamplingOptions(**{field: value})
    for name in get_args(allowed):
        assert name in str(error.value)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"num_steps": 0}, "at least 1"),
        ({"num_steps": 2.5}, "whole number"),
        ({"num_steps": "50"}, "whole number"),
        ({"eta": 1.5}, "between 0 and 1"),
        ({"eta": float("nan")}, "finite"),
        ({"eta": "0.5"}, "must be a number"),
        ({"clip_range": 0}, "positive"),
        ({"clip_range": float("inf")}, "finite"),
        ({"clip_sample": "yes"}, "True or False"),
    ],
)
def test_bad_values_are_one_sentence_errors(fields, match):
    with pytest.raises(DDPMError, match=match):
        SamplingOptions(**fields)


def test_numpy_numbers_from_a_ui_are_normalised_to_python_ones():
    o = SamplingOptions(num_steps=np.int64(20), eta=np.float32(0.5), clip_sample=np.bool_(False))
    assert type(o.num_steps) is int and type(o.eta) is float and o.clip_sample is False
    assert o == SamplingOptions(num_steps=20, eta=0.5, clip_sample=False)


def test_replace_keeps_what_is_none_and_refuses_unknown_fields():
    o = SamplingOptions(sampler="ddim", num_steps=50)
    assert o.replace(num_steps=None, eta=None) is o
    assert o.replace(num_steps=10) == SamplingOptions(sampler="ddim", num_steps=10)
    with pytest.raises(DDPMError, match="Unknown sampling option stepz; the options are sampler, num_steps"):
        o.replace(stepz=3)


def test_scheduler_config_gives_the_checkpoints_defaults():
    config = {
        "variance_type": "fixed_large",
        "clip_sample": False,
        "clip_sample_range": 2.0,
        "timestep_spacing": "trailing",
        "num_train_timesteps": 1000,
    }
    assert SamplingOptions.from_scheduler_config(config) == SamplingOptions(
        variance_type="fixed_large", clip_sample=False, clip_range=2.0, spacing="trailing"
    )
    assert SamplingOptions.from_scheduler_config({}) == SamplingOptions()


def test_options_pick_the_timesteps_diffusers_would():
    o = SamplingOptions(num_steps=10, spacing="trailing")
    assert o.timesteps(1000).tolist() == timesteps_for(1000, 10, "trailing").tolist()
    assert o.timesteps(1000).tolist()[:2] == [999, 899]


def test_pipeline_keywords_are_a_front_door_to_the_options(tiny_pipeline):
    tiny_pipeline.scheduler_options = SamplingOptions(variance_type="fixed_large", clip_sample=False)
    tiny_pipeline.default_options = tiny_pipeline.scheduler_options
    assert tiny_pipeline.options(sampler="ddim", num_steps=5) == SamplingOptions(
        sampler="ddim", num_steps=5, variance_type="fixed_large", clip_sample=False
    )
    by_keywords = tiny_pipeline.sample(2, "ddim", 5, 0.5, seed=1, spacing="trailing")
    by_options = tiny_pipeline.sample(
        2, seed=1, options=tiny_pipeline.options(sampler="ddim", num_steps=5, eta=0.5, spacing="trailing")
    )
    assert np.array_equal(by_keywords, by_options)
    with pytest.raises(DDPMError, match="Unknown sampling option"):
        tiny_pipeline.sample(1, num_steps=2, temperature=0.5)


def test_the_checkpoints_default_variance_is_what_sample_uses(tiny_pipeline):
    large = Pipeline(
        tiny_pipeline.unet,
        NoiseSchedule.make("linear", 1000),
        default_options=SamplingOptions(variance_type="fixed_large"),
    )
    a = large.sample(2, num_steps=5, seed=0)
    assert np.array_equal(a, tiny_pipeline.sample(2, num_steps=5, seed=0, variance_type="fixed_large"))
    assert not np.array_equal(a, tiny_pipeline.sample(2, num_steps=5, seed=0))


def test_naming_another_sampler_starts_from_the_scheduler_config_not_from_the_default(tiny_pipeline):
    """The default may be a solver's (trailing, unclipped); DDPM named by the caller runs as the checkpoint's
    DDPMScheduler config says, and a solver named runs unclipped, as diffusers runs it after a scheduler swap."""
    tiny_pipeline.scheduler_options = SamplingOptions(variance_type="fixed_large", clip_sample=True, spacing="leading")
    tiny_pipeline.default_options = SamplingOptions(
        sampler="dpmpp_2m", num_steps=20, clip_sample=False, spacing="trailing"
    )
    assert tiny_pipeline.options() == tiny_pipeline.default_options
    assert tiny_pipeline.options(num_steps=10) == tiny_pipeline.default_options.replace(num_steps=10)
    assert tiny_pipeline.options(sampler="ddpm", num_steps=50) == SamplingOptions(
        sampler="ddpm", num_steps=50, variance_type="fixed_large", clip_sample=True, spacing="leading"
    )
    assert tiny_pipeline.options(sampler="unipc") == SamplingOptions(
        sampler="unipc", variance_type="fixed_large", clip_sample=False, spacing="leading"
    )
    assert tiny_pipeline.options(sampler="unipc", clip_sample=True).clip_sample
