"""NoiseSchedule: known values, table identities, validation, respacing, diffusers config round trips."""

import math

import pytest
import torch

from ddpm import DDPMError, NoiseSchedule
from ddpm.schedule import SCHEDULE_KINDS

TABLES = [
    "betas",
    "alphas",
    "alpha_bars",
    "alpha_bars_prev",
    "sqrt_alpha_bars",
    "sqrt_one_minus_alpha_bars",
    "posterior_variance",
    "posterior_log_variance_clipped",
    "posterior_mean_coef1",
    "posterior_mean_coef2",
    "snr",
    "log_snr",
]


@pytest.fixture(params=SCHEDULE_KINDS)
def schedule(request):
    return NoiseSchedule.make(request.param, 1000)


def test_linear_known_values():
    s = NoiseSchedule.make("linear", num_timesteps=1000, beta_start=1e-4, beta_end=0.02)
    assert s.betas[0].item() == pytest.approx(1e-4) and s.betas[-1].item() == pytest.approx(0.02)
    assert s.alpha_bars[-1].item() == pytest.approx(4.0358e-5, rel=1e-3)  # ᾱ_999 of the DDPM paper's schedule
    # diffusers' DDPMScheduler test: _get_variance(487) ≈ 0.00979 (fixed_small = β̃).
    assert s.posterior_variance[487].item() == pytest.approx(0.00979, abs=1e-5)
    assert s.posterior_variance[999].item() == pytest.approx(0.02, abs=1e-5)


def test_posterior_variance_formula_at_t1():
    s = NoiseSchedule.make("linear", 1000)
    b, ab = s.betas, s.alpha_bars
    assert s.posterior_variance[1].item() == pytest.approx((b[1] * (1 - ab[0]) / (1 - ab[1])).item(), rel=1e-12)
    assert s.posterior_variance[0].item() == 0.0  # β̃_0 = 0: x_{-1} is the data itself
    assert s.posterior_log_variance_clipped[0] == s.posterior_log_variance_clipped[1]


def test_tables_shapes_ranges_and_monotonicity(schedule):
    T = schedule.num_timesteps
    for name in TABLES:
        table = getattr(schedule, name)
        assert table.shape == (T,) and table.dtype == torch.float64, name
        assert torch.isfinite(table).all(), name
    assert ((schedule.betas > 0) & (schedule.betas < 1)).all()
    assert (schedule.alpha_bars.diff() < 0).all()
    assert (schedule.log_snr.diff() < 0).all()
    assert schedule.alpha_bars_prev[0] == 1.0
    assert torch.equal(schedule.alpha_bars_prev[1:], schedule.alpha_bars[:-1])
    assert torch.allclose(schedule.alpha_bars, torch.cumprod(1 - schedule.betas, 0), rtol=0, atol=0)
    assert (schedule.posterior_variance <= schedule.betas).all()  # β̃_t ≤ β_t


def test_posterior_coefficient_identities(schedule):
    s = schedule
    # Noise-free x_t = √ᾱ_t x0 must map to the noise-free x_{t-1} = √ᾱ_{t-1} x0: coef1 + coef2 √ᾱ_t = √ᾱ_{t-1}.
    torch.testing.assert_close(
        s.posterior_mean_coef1 + s.posterior_mean_coef2 * s.sqrt_alpha_bars,
        s.alpha_bars_prev.sqrt(),
        rtol=1e-10,
        atol=1e-12,
    )
    # Law of total variance for q(x_{t-1} | x0): 1 - ᾱ_{t-1} = coef2² (1 - ᾱ_t) + β̃_t.
    torch.testing.assert_close(
        s.posterior_mean_coef2**2 * (1 - s.alpha_bars) + s.posterior_variance,
        1 - s.alpha_bars_prev,
        rtol=1e-10,
        atol=1e-12,
    )


def test_quadratic_sigmoid_cosine_shapes():
    T = 1000
    q = NoiseSchedule.make("quadratic", T, beta_start=1e-4, beta_end=0.02)
    torch.testing.assert_close(q.betas.sqrt(), torch.linspace(1e-2, 0.02**0.5, T, dtype=torch.float64))
    sg = NoiseSchedule.make("sigmoid", T, beta_start=1e-4, beta_end=0.02)
    assert sg.betas[0].item() == pytest.approx(1e-4 + 0.0199 / (1 + math.exp(6)), rel=1e-9)
    assert sg.betas[T // 2].item() > 0.0100  # sigmoid is centred: half way it is ~ the middle of the range
    c = NoiseSchedule.make("cosine", T)
    assert c.betas.max().item() == pytest.approx(0.999)

    def f(tau):
        return math.cos((tau / T + 0.008) / 1.008 * math.pi / 2) ** 2

    for t in (0, 100, 500, 900):  # ᾱ_t = f(t+1)/f(0) wherever β was not clipped
        assert c.alpha_bars[t].item() == pytest.approx(f(t + 1) / f(0), rel=1e-9)


def test_cosine_keeps_information_longer_than_linear():
    lin, cos = NoiseSchedule.make("linear", 1000), NoiseSchedule.make("cosine", 1000)
    t_lin = int((lin.log_snr < 0).nonzero()[0])  # first t where SNR < 1
    t_cos = int((cos.log_snr < 0).nonzero()[0])
    assert t_cos > t_lin


@pytest.mark.parametrize(
    ("kind", "T", "params", "match"),
    [
        ("linear", 1000, {"beta_start": 0.02, "beta_end": 0.01}, "β_start < β_end"),
        ("linear", 1000, {"beta_start": 0.02, "beta_end": 0.02}, "β_start < β_end"),
        ("quadratic", 1000, {"beta_start": 0.1, "beta_end": 1.5}, "β_end < 1"),
        ("sigmoid", 1000, {"beta_start": -0.1, "beta_end": 0.02}, "0 < β_start"),
        ("linear", 1, {}, "timesteps T must be a whole number from 2"),
        ("banana", 1000, {}, "Unknown schedule 'banana'"),
        ("cosine", 1000, {"beta_end": 0.02}, "takes s and max_beta"),
        ("cosine", 1000, {"max_beta": 1.0}, "max_beta"),
    ],
)
def test_bad_parameters_raise_clear_errors(kind, T, params, match):
    with pytest.raises(DDPMError, match=match):
        NoiseSchedule.make(kind, T, **params)


def test_from_betas_validates():
    with pytest.raises(DDPMError, match="strictly between 0 and 1"):
        NoiseSchedule.from_betas([0.1, 1.0])
    s = NoiseSchedule.from_betas([0.1, 0.2, 0.3])
    assert s.alpha_bars[-1].item() == pytest.approx(0.9 * 0.8 * 0.7)


def test_respace_keeps_marginals_and_timesteps(schedule):
    ts = [999, 500, 10, 0, 250]
    chain = schedule.respace(ts)
    assert chain.timesteps.tolist() == [0, 10, 250, 500, 999]
    # rtol 1e-8: cosine ᾱ_999 ≈ 2e-9 comes back through 1 - β' products, which cost a few relative ulps of 1.
    torch.testing.assert_close(chain.alpha_bars, schedule.alpha_bars[chain.timesteps], rtol=1e-8, atol=0)
    kept = schedule.alpha_bars[chain.timesteps]
    torch.testing.assert_close(chain.betas[1:], 1 - kept[1:] / kept[:-1], rtol=1e-12, atol=0)  # β'_t = 1 - ᾱ_t/ᾱ_prev
    full = schedule.respace(range(1000))
    torch.testing.assert_close(full.betas, schedule.betas, rtol=1e-12, atol=0)
    assert full.is_full_chain and not chain.is_full_chain
    with pytest.raises(DDPMError):
        schedule.respace([0, 1000])


@pytest.mark.parametrize("kind", SCHEDULE_KINDS)
def test_diffusers_config_round_trip(kind):
    s = (
        NoiseSchedule.make(kind, 500)
        if kind == "cosine"
        else NoiseSchedule.make(kind, 500, beta_start=2e-4, beta_end=0.03)
    )
    again = NoiseSchedule.from_config(s.to_config())
    assert again.kind == kind and torch.equal(again.betas, s.betas)


def test_from_config_trained_betas_and_unknown_name():
    s = NoiseSchedule.from_config({"num_train_timesteps": 3, "trained_betas": [0.1, 0.2, 0.3]})
    assert s.betas.tolist() == pytest.approx([0.1, 0.2, 0.3])
    with pytest.raises(DDPMError, match="beta_schedule 'exotic'"):
        NoiseSchedule.from_config({"beta_schedule": "exotic"})


def test_snr_in_decibels_and_the_moments_of_q_xt_given_x0():
    s = NoiseSchedule.make("linear", 1000)
    assert torch.allclose(s.snr_db, 10 * torch.log10(s.alpha_bars / (1 - s.alpha_bars)))
    assert s.snr_db[0] > 0 > s.snr_db[-1]  # signal first, noise at the end
    t = s.t_at_snr(1.0)
    assert s.snr_db[t] <= 0 < s.snr_db[t - 1]  # 0 dB is where SNR crosses 1
    x0 = torch.full((2, 3), 0.5, dtype=torch.float64)
    mean, variance = s.q_mean_variance(x0, 400)
    assert torch.allclose(mean, s.alpha_bars[400].sqrt() * x0)
    assert torch.allclose(variance, 1 - s.alpha_bars[400]) and variance.shape == (1, 1)
    noise = torch.randn(100_000, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    draws = s.q_sample(torch.full((100_000, 3), 0.5, dtype=torch.float64), 400, noise)
    assert abs(draws.mean() - mean[0, 0]) < 0.01 and abs(draws.var() - variance[0, 0]) < 0.01
