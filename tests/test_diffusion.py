"""Forward process q: closed form vs the iterated chain, posterior vs exact Bayes, inverses, L_simple."""

import math

import pytest
import torch

from ddpm import NoiseSchedule
from ddpm.diffusion import (
    predict_eps_from_x0,
    predict_x0_from_eps,
    q_chain,
    q_posterior,
    q_sample,
    q_step,
    training_loss,
)
from ddpm.schedule import SCHEDULE_KINDS

N = 20_000  # Monte-Carlo samples per pixel
X0 = torch.tensor([-1.0, -0.3, 0.5, 1.0], dtype=torch.float64).reshape(1, 1, 1, 4)  # (1, C, H, W)


@pytest.mark.parametrize("kind", SCHEDULE_KINDS)
def test_closed_form_equals_iterated_chain_in_distribution(kind):
    """Applying q_step for timesteps 0…t to x_0 gives the same distribution as q_sample(x_0, t) (Eq. 4 from Eq. 2)."""
    s = NoiseSchedule.make(kind, 1000)
    g = torch.Generator().manual_seed(0)
    checkpoints = {0, 10, 250, 600, 999}
    x0 = X0.expand(N, 1, 1, 4)
    x = x0
    for t in range(max(checkpoints) + 1):
        x = q_step(s, x, t, torch.randn(x.shape, generator=g, dtype=torch.float64))
        if t not in checkpoints:
            continue
        closed = q_sample(s, x0, t, torch.randn(x.shape, generator=g, dtype=torch.float64))
        mean, std = s.sqrt_alpha_bars[t] * X0.flatten(), s.sqrt_one_minus_alpha_bars[t].item()
        # 5 standard errors: SE(mean) = σ/√N, SE(std) ≈ σ/√(2N).
        for name, samples in (("chain", x), ("closed form", closed)):
            flat = samples.reshape(N, 4)
            assert torch.allclose(flat.mean(0), mean, atol=5 * std / math.sqrt(N)), (name, t)
            assert torch.allclose(
                flat.std(0), torch.full((4,), std, dtype=torch.float64), atol=5 * std / math.sqrt(2 * N)
            ), (name, t)


def test_q_sample_is_the_sqrt_form_not_the_erratum():
    s = NoiseSchedule.make("linear", 1000)
    x0, eps = torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2)
    # One seed tutorial writes ᾱ_t x_0 instead of √ᾱ_t x_0; at t=500 the two differ by a factor ≈ 4.
    assert q_sample(s, x0, 500, eps).mean().item() == pytest.approx(s.sqrt_alpha_bars[500].item(), rel=1e-6)
    per_sample_t = torch.tensor([0, 999])
    out = q_sample(s, torch.ones(2, 1, 1, 1), per_sample_t, torch.ones(2, 1, 1, 1))
    expected = s.sqrt_alpha_bars[per_sample_t] + s.sqrt_one_minus_alpha_bars[per_sample_t]
    torch.testing.assert_close(out.flatten(), expected.float())


@pytest.mark.parametrize("kind", SCHEDULE_KINDS)
@pytest.mark.parametrize("t", [1, 37, 500, 999])
def test_posterior_matches_exact_bayes(kind, t):
    """q(x_{t-1} | x_t, x_0) ∝ q(x_t | x_{t-1}) q(x_{t-1} | x_0): a product of two Gaussians in x_{t-1}."""
    s = NoiseSchedule.make(kind, 1000)
    x0 = torch.linspace(-1, 1, 7, dtype=torch.float64).reshape(7, 1, 1, 1)
    x_t = torch.linspace(-2, 2, 7, dtype=torch.float64).reshape(7, 1, 1, 1)
    alpha, beta, ab_prev = s.alphas[t], s.betas[t], s.alpha_bars_prev[t]
    precision = alpha / beta + 1 / (1 - ab_prev)  # likelihood N(x_t; √α x_{t-1}, β) × prior N(√ᾱ_{t-1} x0, 1-ᾱ_{t-1})
    bayes_mean = (alpha.sqrt() * x_t / beta + ab_prev.sqrt() * x0 / (1 - ab_prev)) / precision
    mean, var = q_posterior(s, x0, x_t, t)
    torch.testing.assert_close(mean, bayes_mean, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(var.flatten(), (1 / precision).reshape(1), rtol=1e-9, atol=1e-15)


def test_posterior_for_gaussian_data_monte_carlo():
    """With x_0 ~ N(m, v), sample (x_0, x_{t-1}, x_t) jointly; the residual x_{t-1} - μ̃(x_t, x_0) has mean 0,
    variance β̃_t, and is uncorrelated with x_t and x_0 (what makes μ̃ the conditional mean)."""
    s, t, n = NoiseSchedule.make("linear", 1000), 300, 200_000
    g = torch.Generator().manual_seed(1)
    x0 = 0.3 + 0.5 * torch.randn(n, 1, 1, 1, generator=g, dtype=torch.float64)
    x_prev = q_sample(s, x0, t - 1, torch.randn(x0.shape, generator=g, dtype=torch.float64))
    x_t = q_step(s, x_prev, t, torch.randn(x0.shape, generator=g, dtype=torch.float64))
    mean, var = q_posterior(s, x0, x_t, t)
    r = (x_prev - mean).flatten()
    se = var.sqrt().item() / math.sqrt(n)
    assert abs(r.mean().item()) < 5 * se
    assert r.var().item() == pytest.approx(var.item(), rel=5 * math.sqrt(2 / n))
    for other in (x_t.flatten(), x0.flatten()):
        assert abs(torch.corrcoef(torch.stack([r, other]))[0, 1].item()) < 5 / math.sqrt(n)


def test_x0_and_eps_predictions_invert_q_sample():
    s = NoiseSchedule.make("cosine", 1000)
    g = torch.Generator().manual_seed(2)
    x0, eps = (
        torch.rand(3, 2, 4, 4, generator=g, dtype=torch.float64) * 2 - 1,
        torch.randn(3, 2, 4, 4, generator=g, dtype=torch.float64),
    )
    t = torch.tensor([0, 400, 900])
    x_t = q_sample(s, x0, t, eps)
    torch.testing.assert_close(predict_x0_from_eps(s, x_t, t, eps), x0, rtol=1e-7, atol=1e-7)
    torch.testing.assert_close(predict_eps_from_x0(s, x_t, t, x0), eps, rtol=1e-7, atol=1e-7)


def test_inputs_are_not_modified():
    s = NoiseSchedule.make("linear", 1000)
    x0, eps = torch.randn(2, 1, 3, 3), torch.randn(2, 1, 3, 3)
    x0_copy, eps_copy = x0.clone(), eps.clone()
    q_sample(s, x0, 5, eps), q_step(s, x0, 5, eps), q_posterior(s, x0, eps, 5)
    assert torch.equal(x0, x0_copy) and torch.equal(eps, eps_copy)


def test_training_loss_is_l_simple():
    s = NoiseSchedule.make("linear", 1000)
    g = torch.Generator().manual_seed(3)
    x0 = torch.rand(64, 1, 8, 8, generator=g) * 2 - 1
    seen = {}

    def oracle(x_t, t):  # knows x0, so it can return exactly the ε that produced x_t if x_t is the closed form
        seen["t"] = t
        return predict_eps_from_x0(s, x_t, t, x0)

    assert training_loss(oracle, s, x0, generator=g).item() < 1e-8
    assert seen["t"].shape == (64,) and seen["t"].min() >= 0 and seen["t"].max() < 1000
    assert len(seen["t"].unique()) > 30  # uniform t over the batch, not one t
    zero = training_loss(lambda x_t, t: torch.zeros_like(x_t), s, x0, generator=g)
    assert zero.item() == pytest.approx(1.0, abs=0.05)  # E‖ε‖² / dim = 1
    noise = torch.randn(x0.shape, generator=g)
    fixed = training_loss(lambda x_t, t: torch.zeros_like(x_t), s, x0, t=torch.zeros(64, dtype=torch.long), noise=noise)
    assert fixed.item() == pytest.approx(noise.pow(2).mean().item(), rel=1e-6)


def test_q_chain_matches_q_sample_moments():
    s = NoiseSchedule.make("cosine", 50)
    x0 = torch.full((4000, 1, 1, 1), 0.7)
    x_t = q_chain(s, x0, 30, torch.Generator().manual_seed(0))
    assert abs(x_t.mean().item() - s.sqrt_alpha_bars[30].item() * 0.7) < 0.05
    assert abs(x_t.std().item() - s.sqrt_one_minus_alpha_bars[30].item()) < 0.05


def test_t_at_snr():
    s = NoiseSchedule.make("linear", 1000)
    t = s.t_at_snr(1.0)
    assert s.snr[t] <= 1 < s.snr[t - 1]
    assert s.t_at_snr(1e-12) is None
