"""The samplers: one reverse step x_t → x_{t-1} each, behind one interface the loop in ``sampling.denoise`` drives.

Sampler interface, in five lines:
  - ``sampling.make_sampler(chain, options)`` builds a fresh sampler object for one run on the respaced ``chain``;
  - the loop calls ``sampler.step(k, x_t, eps, generator)`` once per chain position k = K-1, …, 0, in that order;
  - a step returns ``StepOutput(x_prev, x0_pred)``: the next sample and the x̂_0 it used;
  - any noise comes from ``generator`` (drawn on the CPU, moved to x_t's device), and nothing else is random;
  - state kept between steps (a multistep solver's previous x̂_0) lives on the object, so the loop stays generic.

The step formulas themselves are plain functions (``ddpm_step``, ``ddim_step``) indexed by chain position k. The
multistep solvers (DPM-Solver++, UniPC) live in ``ddpm.solvers``; the registry of every sampler in ``ddpm.sampling``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch

from .diffusion import predict_x0_from_eps, q_posterior, randn
from .options import SamplingOptions, VarianceType, check_choice, check_eta
from .schedule import NoiseSchedule, extract


@dataclass(frozen=True)
class StepOutput:
    x_prev: torch.Tensor  # (B, C, H, W) the sample one position further down the chain
    x0_pred: torch.Tensor  # (B, C, H, W) x̂_0 the step used (after optional clipping)


def clipped_x0(chain: NoiseSchedule, k: int, x_t, eps, clip_sample: bool, clip_range: float) -> torch.Tensor:
    """x̂_0 from ε (Eq. 15), clipped to [-clip_range, clip_range] when ``clip_sample``."""
    x0_pred = predict_x0_from_eps(chain, x_t, k, eps)
    return x0_pred.clamp(-clip_range, clip_range) if clip_sample else x0_pred


def predict_clipped_x0(chain: NoiseSchedule, k: int, x_t, eps, options: SamplingOptions) -> torch.Tensor:
    return clipped_x0(chain, k, x_t, eps, options.clip_sample, options.clip_range)


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
    check_choice("variance type", variance_type, VarianceType)
    x0_pred = clipped_x0(chain, k, x_t, eps, clip_sample, clip_range)
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
    check_eta(eta)
    x0_pred = clipped_x0(chain, k, x_t, eps, clip_sample, clip_range)
    sigma2 = eta**2 * chain.posterior_variance  # Eq. 16: σ_t² = η² β̃_t (tables in float64: 1 - ᾱ - σ² cancels)
    x_prev = (
        extract(chain.alpha_bars_prev.sqrt(), k, x_t) * x0_pred
        + extract((1.0 - chain.alpha_bars_prev - sigma2).sqrt(), k, x_t) * eps
    )
    if eta > 0 and k > 0:
        assert noise is not None and noise.shape == x_t.shape, "ddim_step needs noise shaped like x_t when η > 0"
        x_prev = x_prev + extract(sigma2.sqrt(), k, x_t) * noise
    return StepOutput(x_prev, x0_pred)


class Sampler(ABC):
    """One run's sampler on a respaced ``chain`` (see the module docstring for the contract)."""

    def __init__(self, chain: NoiseSchedule, options: SamplingOptions):
        self.chain = chain
        self.options = options

    @abstractmethod
    def step(self, k: int, x_t: torch.Tensor, eps: torch.Tensor, generator: torch.Generator | None) -> StepOutput:
        """x_t at chain position k and the network's ε_θ(x_t, t_k) → the sample at position k - 1 and its x̂_0."""

    def noise_like(self, x_t: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        return randn(x_t.shape, generator, x_t.device, x_t.dtype)


class DDPMSampler(Sampler):
    """Ancestral sampling, Ho et al. 2020, Algorithm 2: fresh noise at every step but the last."""

    def step(self, k, x_t, eps, generator):
        noise = self.noise_like(x_t, generator) if k > 0 else None
        o = self.options
        return ddpm_step(
            self.chain,
            k,
            x_t,
            eps,
            variance_type=o.variance_type,
            clip_sample=o.clip_sample,
            clip_range=o.clip_range,
            noise=noise,
        )


class DDIMSampler(Sampler):
    """DDIM, Song et al. 2021: deterministic at η = 0, noise only where σ_t = η √β̃_t > 0."""

    def step(self, k, x_t, eps, generator):
        o = self.options
        noise = self.noise_like(x_t, generator) if (k > 0 and o.eta > 0) else None
        return ddim_step(
            self.chain, k, x_t, eps, eta=o.eta, clip_sample=o.clip_sample, clip_range=o.clip_range, noise=noise
        )
