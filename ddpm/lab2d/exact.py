"""The exact noised distribution of a Gaussian mixture, its score, and the ideal denoiser ε* (Tweedie's formula).

Data x_0 ~ Σ_k w_k N(μ_k, v_k I) (a point cloud is the case v_k = 0, w_k = 1/N). Noising by Eq. 4,
x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε, keeps it a mixture:

  q(x_t) = Σ_k w_k N(x_t; √ᾱ_t μ_k, (ᾱ_t v_k + 1 - ᾱ_t) I),                                            (M1)

and the posterior of x_0 given x_t is a mixture of Gaussians with responsibilities
r_k(x_t) = w_k N(x_t; √ᾱ_t μ_k, s_k² I) / q(x_t), s_k² = ᾱ_t v_k + 1 - ᾱ_t (a softmax over k), and means

  E[x_0 | x_t, k] = μ_k + √ᾱ_t v_k / s_k² · (x_t - √ᾱ_t μ_k).                                           (M2)

Tweedie's formula (Efron 2011) links the posterior mean to the score: √ᾱ_t E[x_0 | x_t] = x_t + (1-ᾱ_t) ∇log q(x_t),
so the ε that minimises L_simple (Eq. 14) at every x_t is ε*(x_t, t) = (x_t - √ᾱ_t E[x_0 | x_t]) / √(1-ᾱ_t) (Eq. 4
solved for ε, ``predict_eps_from_x0``) and ∇log q(x_t) = -ε*(x_t, t) / √(1-ᾱ_t). Everything is batched over x_t,
takes t as an int or a (B,) tensor, and computes the softmax by log-sum-exp, so t = 0 (σ = √β_0) stays finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..diffusion import predict_eps_from_x0
from ..schedule import NoiseSchedule, extract
from .data import EIGHT_GAUSSIANS_STD, eight_gaussians_centres


@dataclass(frozen=True)
class GaussianMixture:
    """Σ_k w_k N(μ_k, v_k I) in D dimensions: ``means`` (K, D), ``variances`` (K,) ≥ 0, ``log_weights`` (K,)."""

    means: torch.Tensor
    variances: torch.Tensor
    log_weights: torch.Tensor

    def __post_init__(self):
        K = self.means.shape[0]
        assert self.means.ndim == 2 and self.variances.shape == (K,) and self.log_weights.shape == (K,)
        assert bool((self.variances >= 0).all()), "component variances must be ≥ 0"

    @classmethod
    def empirical(cls, points: torch.Tensor) -> GaussianMixture:
        """The empirical distribution (1/N) Σ_i δ(x - x_i) of a point cloud (N, D)."""
        N = points.shape[0]
        return cls(points, points.new_zeros(N), points.new_full((N,), -math.log(N)))

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def to(self, dtype: torch.dtype) -> GaussianMixture:
        return GaussianMixture(self.means.to(dtype), self.variances.to(dtype), self.log_weights.to(dtype))


def eight_gaussians_mixture() -> GaussianMixture:
    """The exact law of ``data.eight_gaussians``."""
    centres = eight_gaussians_centres().to(torch.float32)
    return GaussianMixture(centres, torch.full((8,), EIGHT_GAUSSIANS_STD**2), torch.full((8,), -math.log(8)))


@dataclass(frozen=True)
class Noised:
    """The mixture's components after noising to t, against a batch x_t (B, D): what (M1) and (M2) need."""

    log_joint: torch.Tensor  # (B, K) log w_k + log N(x_t; √ᾱ_t μ_k, s_k² I)
    sqrt_alpha_bar: torch.Tensor  # (B, 1), or (1, 1) for one t
    component_variance: torch.Tensor  # (B, K), or (1, K) for one t: s_k² = ᾱ_t v_k + 1 - ᾱ_t


def noised(mixture: GaussianMixture, schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor | int) -> Noised:
    B, D = x_t.shape
    assert D == mixture.dim, f"x_t has {D} coordinates, the mixture {mixture.dim}"
    if isinstance(t, torch.Tensor) and bool((t == t[0]).all()):
        t = int(t[0])  # one t for the batch (as in sampling): the tables broadcast as (1, 1), s_k² as (1, K)
    means, variances = mixture.means.to(x_t.dtype), mixture.variances.to(x_t.dtype)
    sqrt_alpha_bar = extract(schedule.sqrt_alpha_bars, t, x_t)  # (B, 1)
    # (M1): component k of q(x_t) is N(√ᾱ_t μ_k, (ᾱ_t v_k + 1 - ᾱ_t) I)
    component_variance = sqrt_alpha_bar**2 * variances[None, :] + extract(1.0 - schedule.alpha_bars, t, x_t)
    # ‖x_t - √ᾱ_t μ_k‖², one coordinate at a time: no (B, K, D) tensor, and no cancellation as in ‖x‖² - 2x·μ + ‖μ‖²
    squared = sum((x_t[:, d, None] - sqrt_alpha_bar * means[None, :, d]).square() for d in range(D))  # (B, K)
    log_normal = -0.5 * (squared / component_variance + D * torch.log(2 * math.pi * component_variance))
    return Noised(mixture.log_weights.to(x_t.dtype)[None, :] + log_normal, sqrt_alpha_bar, component_variance)


def log_density(mixture: GaussianMixture, schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor | int):
    """(B,) log q(x_t) of (M1), by log-sum-exp over the components."""
    return torch.logsumexp(noised(mixture, schedule, x_t, t).log_joint, dim=1)


def posterior_mean(mixture: GaussianMixture, schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor | int):
    """(B, D) E[x_0 | x_t] = Σ_k r_k(x_t) E[x_0 | x_t, k]: responsibilities r (a softmax over k) times (M2)."""
    n = noised(mixture, schedule, x_t, t)
    means = mixture.means.to(x_t.dtype)
    responsibilities = torch.softmax(n.log_joint, dim=1)  # (B, K)
    mean = F.linear(responsibilities, means.T)  # (B, D) Σ r_k μ_k (a (B, K) @ (K, 2) matmul is 4× slower here)
    if not bool((mixture.variances > 0).any()):
        return mean  # a point cloud: E[x_0 | x_t, k] = x_k
    # the rest of (M2) summed over k: Σ r_k c_k (x_t - √ᾱ_t μ_k), with c_k = √ᾱ_t v_k / s_k²
    pulled = responsibilities * (n.sqrt_alpha_bar * mixture.variances.to(x_t.dtype)[None, :] / n.component_variance)
    return mean + pulled.sum(1, keepdim=True) * x_t - n.sqrt_alpha_bar * F.linear(pulled, means.T)


def ideal_eps(mixture: GaussianMixture, schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor | int):
    """(B, D) ε*(x_t, t) = (x_t - √ᾱ_t E[x_0 | x_t]) / √(1-ᾱ_t): Tweedie's posterior mean, put through Eq. 4."""
    return predict_eps_from_x0(schedule, x_t, t, posterior_mean(mixture, schedule, x_t, t))


def score(mixture: GaussianMixture, schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor | int):
    """(B, D) ∇_x log q(x_t) = -ε*(x_t, t) / √(1-ᾱ_t) (Tweedie's formula)."""
    return -ideal_eps(mixture, schedule, x_t, t) / extract(schedule.sqrt_one_minus_alpha_bars, t, x_t)


@dataclass(frozen=True)
class IdealDenoiser:
    """ε* as an ε-model, ``model(x_t, t)``: what ``ddpm.sampling.denoise`` runs in place of a network."""

    mixture: GaussianMixture
    schedule: NoiseSchedule

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return ideal_eps(self.mixture, self.schedule, x_t, t)
