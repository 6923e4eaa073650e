"""The reverse process: DDPM (Ho et al. 2020, Algorithm 2) and DDIM (Song et al. 2021) steps, and ``denoise``,
the step-by-step generator every sampler in this project runs (the full loop just runs it to the end).

A sampler with K < T steps walks a *respaced* chain (``NoiseSchedule.respace``): position k of the chain stands for
training timestep t_k, keeps its marginal ᾱ'_k = ᾱ_{t_k}, and has β'_k = 1 - ᾱ_{t_k}/ᾱ_{t_{k-1}}. With K = T the
chain is the training schedule itself. The step functions below index the chain by position k.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import torch

from .diffusion import EpsModel, predict_x0_from_eps, q_posterior, randn
from .errors import DDPMError
from .schedule import NoiseSchedule, extract

Sampler = Literal["ddpm", "ddim"]
VarianceType = Literal["fixed_small", "fixed_large"]
Spacing = Literal["leading", "trailing", "linspace"]


def _check_option(name: str, value: str, allowed: type) -> None:
    options = get_args(allowed)
    if value not in options:
        raise DDPMError(f"Unknown {name} {value!r}; choose one of {', '.join(options)}.")


def _check_eta(eta: float) -> None:
    if not 0.0 <= eta <= 1.0:
        raise DDPMError(f"DDIM η must be between 0 and 1; got {eta}.")


def timesteps_for(
    num_train_timesteps: int, num_steps: int, spacing: Spacing = "leading", steps_offset: int = 0
) -> torch.Tensor:
    """The K = ``num_steps`` training timesteps a sampler visits, in the order it visits them (descending),
    spaced exactly as diffusers' DDPMScheduler/DDIMScheduler ``set_timesteps`` space them."""
    _check_option("timestep spacing", spacing, Spacing)
    T, K = int(num_train_timesteps), int(num_steps)
    if not 1 <= K <= T:
        raise DDPMError(f"The number of sampling steps must be between 1 and {T}; got {K}.")
    if spacing == "linspace":
        ts = np.linspace(0, T - 1, K).round()[::-1]
    elif spacing == "leading":
        ts = (np.arange(0, K) * (T // K)).round()[::-1] + steps_offset
    else:  # "trailing"
        ts = np.round(np.arange(T, 0, -T / K)) - 1
    return torch.from_numpy(ts.astype(np.int64).copy())


@dataclass(frozen=True)
class StepOutput:
    x_prev: torch.Tensor  # (B, C, H, W) the sample one position further down the chain
    x0_pred: torch.Tensor  # (B, C, H, W) x̂_0 the step used (after optional clipping)


def _predict_x0(chain: NoiseSchedule, k: int, x_t, eps, clip_sample: bool, clip_range: float) -> torch.Tensor:
    x0_pred = predict_x0_from_eps(chain, x_t, k, eps)
    return x0_pred.clamp(-clip_range, clip_range) if clip_sample else x0_pred


def ddpm_step(
    chain: NoiseSchedule,
    k: int,
    x_t: torch.Tensor,
    eps: torch.Tensor,
    *,
    variance_type: VarianceType = "fixed_small",
    clip_sample: bool = True,
    clip_range: float = 1.0,
    noise: torch.Tensor | None = None,
) -> StepOutput:
    """One ancestral step x_t → x_{t-1} ~ p_θ(x_{t-1} | x_t) at chain position k (Algorithm 2).

    p_θ(x_{t-1} | x_t) = N(μ̃_t(x_t, x̂_0), σ_t² I) with x̂_0 from ε_θ (Eq. 15, optionally clipped to the data range),
    μ̃_t the posterior mean (Eq. 7), and σ_t² = β̃_t ("fixed_small") or β_t ("fixed_large"), Sec. 3.2.
    No noise is added at the last position (k = 0). ``noise`` (shaped like x_t) is required for k > 0.
    """
    _check_option("variance type", variance_type, VarianceType)
    x0_pred = _predict_x0(chain, k, x_t, eps, clip_sample, clip_range)
    mean, posterior_variance = q_posterior(chain, x0_pred, x_t, k)
    if k == 0:
        return StepOutput(mean, x0_pred)
    assert noise is not None and noise.shape == x_t.shape, "ddpm_step needs noise shaped like x_t for k > 0"
    variance = posterior_variance if variance_type == "fixed_small" else extract(chain.betas, k, x_t)
    return StepOutput(mean + variance.sqrt() * noise, x0_pred)


def ddim_step(
    chain: NoiseSchedule,
    k: int,
    x_t: torch.Tensor,
    eps: torch.Tensor,
    *,
    eta: float = 0.0,
    clip_sample: bool = True,
    clip_range: float = 1.0,
    noise: torch.Tensor | None = None,
) -> StepOutput:
    """One DDIM step x_t → x_{t-1} at chain position k (Song et al. 2021, Eq. 12 with σ from Eq. 16).

    x_{t-1} = √ᾱ_{t-1} x̂_0 + √(1 - ᾱ_{t-1} - σ_t²) ε_θ + σ_t z,  σ_t = η √β̃_t  (η = 0: deterministic; η = 1: DDPM).
    As in diffusers, the direction term uses the network's ε even when x̂_0 was clipped.
    ``noise`` is needed when σ_t > 0.
    """
    _check_eta(eta)
    x0_pred = _predict_x0(chain, k, x_t, eps, clip_sample, clip_range)
    sigma2 = eta**2 * chain.posterior_variance  # Eq. 16: σ_t² = η² β̃_t (tables in float64: 1 - ᾱ - σ² cancels)
    x_prev = (
        extract(chain.alpha_bars_prev.sqrt(), k, x_t) * x0_pred
        + extract((1.0 - chain.alpha_bars_prev - sigma2).sqrt(), k, x_t) * eps
    )
    if eta > 0 and k > 0:
        assert noise is not None and noise.shape == x_t.shape, "ddim_step needs noise shaped like x_t when η > 0"
        x_prev = x_prev + extract(sigma2.sqrt(), k, x_t) * noise
    return StepOutput(x_prev, x0_pred)


@dataclass(frozen=True)
class DenoiseStep:
    """The state of the chain at one moment: x_t (B, C, H, W) and the model's x̂_0 from it, in [-1, 1] scale.

    ``denoise`` yields K + 1 of these: index 0 is x_T (the starting noise), index k is the sample after k steps,
    and the last (index K, timestep -1) is the final sample, whose ``x0_pred`` is the sample itself.
    """

    index: int
    timestep: int
    x_t: torch.Tensor
    x0_pred: torch.Tensor


def denoise(
    model: EpsModel,
    schedule: NoiseSchedule,
    x_T: torch.Tensor,
    *,
    sampler: Sampler = "ddpm",
    num_steps: int | None = None,
    eta: float = 0.0,
    variance_type: VarianceType = "fixed_small",
    clip_sample: bool = True,
    clip_range: float = 1.0,
    spacing: Spacing = "leading",
    timesteps: Sequence[int] | torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> Iterator[DenoiseStep]:
    """Run the reverse chain from x_T, yielding a ``DenoiseStep`` before every step and once after the last.

    ``model(x_t, t)`` is any ε-network; ``t`` is a (B,) long tensor of training timesteps. ``num_steps`` (default T)
    and ``spacing`` pick the timesteps, or ``timesteps`` gives them explicitly (descending; e.g. SDEdit starts the
    chain below T-1). Noise comes only from ``generator``, drawn on the CPU and moved to x_T's device.
    """
    _check_option("sampler", sampler, Sampler)
    _check_option("variance type", variance_type, VarianceType)
    _check_eta(eta)
    if timesteps is None:
        timesteps = timesteps_for(schedule.num_timesteps, num_steps or schedule.num_timesteps, spacing)
    timesteps = torch.as_tensor(timesteps, dtype=torch.long)
    chain = schedule.respace(timesteps)
    if not torch.equal(chain.timesteps.flip(0), timesteps):
        raise DDPMError(f"Sampling timesteps must be distinct and descending; got {timesteps.tolist()[:8]}…")
    K, B = len(chain), x_T.shape[0]

    x_t = x_T
    for i in range(K):
        k = K - 1 - i  # chain position, counting down to 0
        t = int(chain.timesteps[k])
        eps = model(x_t, torch.full((B,), t, dtype=torch.long, device=x_t.device)).to(x_t.dtype)
        needs_noise = k > 0 and (sampler == "ddpm" or eta > 0)
        noise = randn(x_t.shape, generator, x_t.device, x_t.dtype) if needs_noise else None
        if sampler == "ddpm":
            out = ddpm_step(
                chain,
                k,
                x_t,
                eps,
                variance_type=variance_type,
                clip_sample=clip_sample,
                clip_range=clip_range,
                noise=noise,
            )
        else:
            out = ddim_step(chain, k, x_t, eps, eta=eta, clip_sample=clip_sample, clip_range=clip_range, noise=noise)
        yield DenoiseStep(i, t, x_t, out.x0_pred)
        x_t = out.x_prev
    yield DenoiseStep(K, -1, x_t, x_t)


def run_to_end(steps: Iterator[DenoiseStep]) -> DenoiseStep:
    """Exhaust a ``denoise`` run, keeping only its last step in memory."""
    (last,) = deque(steps, maxlen=1)
    return last


def sample_loop(model: EpsModel, schedule: NoiseSchedule, x_T: torch.Tensor, **kwargs) -> torch.Tensor:
    """Run ``denoise`` to the end and return the final sample x_0 (B, C, H, W)."""
    return run_to_end(denoise(model, schedule, x_T, **kwargs)).x_t
