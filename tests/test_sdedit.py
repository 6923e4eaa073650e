"""SDEdit's start: an image noised to t_0 by the closed form, and the timesteps from t_0 down to 0."""

import pytest
import torch

from ddpm import DDPMError, NoiseSchedule
from ddpm.diffusion import randn
from ddpm.sdedit import sdedit_start, sdedit_timesteps


@pytest.mark.parametrize(
    ("t_start", "num_steps", "expected"),
    [(500, 6, [500, 400, 300, 200, 100, 0]), (3, 50, [3, 2, 1, 0]), (0, 10, [0]), (999, 1, [999])],
)
def test_timesteps_descend_evenly_from_t_start_to_zero(t_start, num_steps, expected):
    assert sdedit_timesteps(t_start, num_steps).tolist() == expected


def test_the_start_is_the_closed_form_with_the_generators_noise():
    s = NoiseSchedule.make("cosine", 1000)
    x0 = torch.linspace(-1, 1, 2 * 16).reshape(2, 1, 4, 4)
    start = sdedit_start(s, x0, 300, 20, torch.Generator().manual_seed(4))
    noise = randn(x0.shape, torch.Generator().manual_seed(4))
    assert torch.equal(
        start.x_t, s.sqrt_alpha_bars[300].float() * x0 + s.sqrt_one_minus_alpha_bars[300].float() * noise
    )
    assert start.timesteps.tolist() == sdedit_timesteps(300, 20).tolist()


@pytest.mark.parametrize(
    ("t_start", "num_steps", "match"),
    [(1000, 5, "from 0 to 999"), (-1, 5, "from 0 to 999"), (10, 0, "at least one step")],
)
def test_out_of_range_starts_are_refused_in_a_sentence(t_start, num_steps, match):
    with pytest.raises(DDPMError, match=match):
        sdedit_start(NoiseSchedule.make("linear", 1000), torch.zeros(1, 1, 2, 2), t_start, num_steps, None)
