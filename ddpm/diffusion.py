"""The forward process q and the quantities derived from it (Ho et al. 2020, Sec. 2 and 3).

The marginals q(x_t | x_0) of Eq. 4 belong to the schedule (``NoiseSchedule.q_sample``, ``q_mean_variance``).

Every function takes the schedule's float64 tables and casts what it indexes to the sample's dtype (``extract``).
Inputs are never modified in place.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from .schedule import NoiseSchedule, extract

EpsModel = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # eps = model(x_t (B, C, H, W), t (B,))


def randn(shape, generator: torch.Generator | None, device=None, dtype=torch.float32) -> torch.Tensor:
    """Standard normal noise drawn on the CPU generator, then moved: the same seed gives the same picture on
    CPU, CUDA and MPS (diffusers #1514)."""
    return torch.randn(tuple(shape), generator=generator, dtype=torch.float32).to(device=device, dtype=dtype)


def q_sample(schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor | int, noise: torch.Tensor) -> torch.Tensor:
    """x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε (Eq. 4), written once in ``NoiseSchedule.q_sample``; this is its function form."""
    return schedule.q_sample(x0, t, noise)


def q_step(schedule: NoiseSchedule, x_prev: torch.Tensor, t: torch.Tensor | int, noise: torch.Tensor) -> torch.Tensor:
    """One forward step of the Markov chain: the noisier sample at timestep t from the one before it.

    With 0-based timesteps the sample before timestep 0 is the data x_0 itself, so applying ``q_step`` for
    t = 0, 1, …, k in turn to x_0 gives a draw from the same distribution as ``q_sample(x0, k)``.
    """
    assert noise.shape == x_prev.shape
    # Eq. 2: q(x_t | x_{t-1}) = N(√(1 - β_t) x_{t-1}, β_t I).
    return extract(schedule.alphas.sqrt(), t, x_prev) * x_prev + extract(schedule.betas.sqrt(), t, x_prev) * noise


def q_chain(
    schedule: NoiseSchedule, x0: torch.Tensor, t: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """x_t by running the Markov chain q(x_s | x_{s-1}) (Eq. 2) for s = 0, 1, …, t with fresh noise at each step.

    In distribution this equals the closed form ``q_sample(schedule, x0, t, ε)`` (Eq. 4); it exists to show that.
    Noise is drawn on the CPU ``generator`` and moved to x0's device. x0: (B, C, H, W); t: 0 ≤ t < T.
    """
    assert 0 <= t < schedule.num_timesteps, f"t must lie in 0…{schedule.num_timesteps - 1}, got {t}"
    x = x0
    for s in range(t + 1):
        x = q_step(schedule, x, s, randn(x0.shape, generator, x0.device, x0.dtype))
    return x


def q_posterior(
    schedule: NoiseSchedule, x0: torch.Tensor, x_t: torch.Tensor, t: torch.Tensor | int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance of the forward-process posterior q(x_{t-1} | x_t, x_0)."""
    assert x0.shape == x_t.shape
    # Eq. 6–7: μ̃_t(x_t, x_0) = √ᾱ_{t-1} β_t/(1-ᾱ_t) x_0 + √α_t (1-ᾱ_{t-1})/(1-ᾱ_t) x_t,  β̃_t = (1-ᾱ_{t-1})/(1-ᾱ_t) β_t
    mean = extract(schedule.posterior_mean_coef1, t, x_t) * x0 + extract(schedule.posterior_mean_coef2, t, x_t) * x_t
    variance = extract(schedule.posterior_variance, t, x_t)
    return mean, variance


def predict_x0_from_eps(schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor | int, eps: torch.Tensor):
    """x̂_0 = (x_t - √(1-ᾱ_t) ε) / √ᾱ_t: Eq. 4 solved for x_0 (the x̂_0 of Eq. 15)."""
    return (x_t - extract(schedule.sqrt_one_minus_alpha_bars, t, x_t) * eps) / extract(schedule.sqrt_alpha_bars, t, x_t)


def predict_eps_from_x0(schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor | int, x0: torch.Tensor):
    """ε = (x_t - √ᾱ_t x_0) / √(1-ᾱ_t): Eq. 4 solved for ε."""
    return (x_t - extract(schedule.sqrt_alpha_bars, t, x_t) * x0) / extract(schedule.sqrt_one_minus_alpha_bars, t, x_t)


def training_loss(
    model: EpsModel,
    schedule: NoiseSchedule,
    x0: torch.Tensor,
    *,
    t: torch.Tensor | None = None,
    noise: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """L_simple (Eq. 14): E_{t, x_0, ε} ‖ε - ε_θ(√ᾱ_t x_0 + √(1-ᾱ_t) ε, t)‖², t uniform (Algorithm 1).

    x0: (B, C, H, W) in [-1, 1]. ``t`` and ``noise`` may be given (tests); otherwise drawn from ``generator``.
    Returns the scalar mean squared error.
    """
    B = x0.shape[0]
    if t is None:
        t = torch.randint(0, schedule.num_timesteps, (B,), generator=generator).to(x0.device)
    if noise is None:
        noise = randn(x0.shape, generator, device=x0.device, dtype=x0.dtype)
    assert t.shape == (B,)
    x_t = schedule.q_sample(x0, t, noise)
    eps = model(x_t, t)
    return F.mse_loss(eps.float(), noise.float())
