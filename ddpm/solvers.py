"""Few-step solvers of the reverse process in log-SNR time: DPM-Solver++(2M), SDE-DPM-Solver++(2M) and UniPC.

All three integrate the reverse process with an *exponential integrator* over λ_t = log(α_t/σ_t) (half the log-SNR),
where the sample is x_t = α_t x_0 + σ_t ε with α_t = √ᾱ_t, σ_t = √(1 - ᾱ_t). They use the network only through its
data prediction x_θ(x_t, t) = x̂_0 (Eq. 15 of Ho et al.), and reuse the x̂_0 of earlier steps instead of extra calls
("multistep"), so each step costs one network call. With h = λ_t - λ_s the step from s to t is exact for the
linear part and approximates only x_θ along the way:

  first order (= DDIM with η = 0):   x_t = (σ_t/σ_s) x_s - α_t (e^{-h} - 1) x_θ(x_s, s)                     (Eq. A)

The chain's last step lands on σ = 0 (ᾱ = 1, λ = +∞), as diffusers' ``final_sigmas_type="zero"``; it is always first
order and returns x̂_0 of the last visited timestep. Formulas follow the papers and diffusers' schedulers
(``DPMSolverMultistepScheduler``, ``UniPCMultistepScheduler`` at their defaults), with which they are tested to agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .samplers import Sampler, StepOutput, predict_clipped_x0
from .schedule import NoiseSchedule


@dataclass(frozen=True)
class Point:
    """Where chain position k sits: x = α x_0 + σ ε, λ = log(α/σ). Position -1 is the clean end (α 1, σ 0, λ +∞)."""

    alpha: float
    sigma: float
    lam: float

    @classmethod
    def at(cls, chain: NoiseSchedule, k: int) -> Point:
        if k < 0:
            return cls(1.0, 0.0, math.inf)
        alpha_bar = float(chain.alpha_bars[k])
        return cls(math.sqrt(alpha_bar), math.sqrt(1.0 - alpha_bar), 0.5 * float(chain.log_snr[k]))


@dataclass(frozen=True)
class Estimate:
    """A data prediction x̂_0 the solver keeps, and the λ of the sample it was made from."""

    x0: torch.Tensor  # (B, …)
    lam: float


def _scalar(value: float, like: torch.Tensor) -> torch.Tensor:
    return torch.tensor(value, dtype=like.dtype, device=like.device)


class MultistepSolver(Sampler):
    """A solver that keeps its latest x̂_0 estimates (newest last) and steps from chain position k to k - 1."""

    order = 2

    def __init__(self, chain: NoiseSchedule, options):
        super().__init__(chain, options)
        self.estimates: list[Estimate] = []

    def remember(self, k: int, x0: torch.Tensor) -> None:
        self.estimates = [*self.estimates, Estimate(x0, Point.at(self.chain, k).lam)][-self.order :]

    def step_order(self, k: int) -> int:
        """First order at the first step (nothing to reuse yet) and at the last one (σ → 0), else ``order``."""
        return min(self.order, len(self.estimates), k + 1)


class DPMSolverPP2M(MultistepSolver):
    """DPM-Solver++(2M), Lu et al. 2022 ("DPM-Solver++", Algorithm 2), data prediction, midpoint form.

    With r = h_{prev}/h, the 2M step replaces x_θ in Eq. A by D = x̂_0 + (x̂_0 - x̂_0,prev) / (2r),
    a linear extrapolation of x_θ in λ from the last two estimates.
    """

    stochastic = False

    def step(self, k, x_t, eps, generator):
        x0 = predict_clipped_x0(self.chain, k, x_t, eps, self.options)
        self.remember(k, x0)
        s, t = Point.at(self.chain, k), Point.at(self.chain, k - 1)
        h = t.lam - s.lam
        D = x0
        if self.step_order(k) == 2:
            prev = self.estimates[-2]
            r = (s.lam - prev.lam) / h
            D = x0 + (x0 - prev.x0) / (2.0 * r)
        if not self.stochastic:
            # Eq. A with D for x_θ: x_t = (σ_t/σ_s) x_s - α_t (e^{-h} - 1) D
            x_prev = _scalar(t.sigma / s.sigma, x_t) * x_t - _scalar(t.alpha * math.expm1(-h), x_t) * D
            return StepOutput(x_prev, x0)
        # SDE-DPM-Solver++(2M) (Lu et al. 2022, Sec. 5 / diffusers "sde-dpmsolver++"): the reverse SDE in λ,
        #   x_t = (σ_t/σ_s) e^{-h} x_s + α_t (1 - e^{-2h}) D + σ_t √(1 - e^{-2h}) z
        x_prev = _scalar(t.sigma / s.sigma * math.exp(-h), x_t) * x_t - _scalar(t.alpha * math.expm1(-2 * h), x_t) * D
        if k > 0:
            z = self.noise_like(x_t, generator)
            x_prev = x_prev + _scalar(t.sigma * math.sqrt(-math.expm1(-2 * h)), x_t) * z
        return StepOutput(x_prev, x0)


class DPMSolverPP2MSDE(DPMSolverPP2M):
    """SDE-DPM-Solver++(2M): the same extrapolated x_θ, but the step solves the reverse SDE and adds fresh noise."""

    stochastic = True


def _unipc_b(h: float, order: int) -> list[float]:
    """The right-hand side b of UniPC's order conditions R ρ = b, with B(h) = e^{-h} - 1 ("bh2").

    b_i = i! (-h) φ_{i+1}(-h) / B(h), i = 1…order, with φ_1(x) = (e^x - 1)/x and φ_{k+1}(x) = (φ_k(x) - 1/k!)/x
    (Zhao et al. 2023, Sec. 3 and Algorithm 2), evaluated in float64 exactly as diffusers' UniPCMultistepScheduler.
    """
    hh = -h
    h_phi_1 = math.expm1(hh)
    h_phi_k = h_phi_1 / hh - 1.0
    factorial, b = 1, []
    for i in range(1, order + 1):
        b.append(h_phi_k * factorial / h_phi_1)
        factorial *= i + 1
        h_phi_k = h_phi_k / hh - 1.0 / factorial
    return b


class UniPC(MultistepSolver):
    """UniPC, Zhao et al. 2023: the predictor UniP-2 (Algorithm 2, B(h) = e^h - 1, "bh2") and the corrector UniC.

    Predictor: Eq. A with x_θ replaced by x̂_0 + ρ_p (x̂_0,prev - x̂_0)/r, ρ_p = ½ (which makes UniP-2 equal
    DPM-Solver++(2M)). Corrector: once the network has seen the predicted x_t, the same step is taken again from the
    previous sample with the new x̂_0(x_t) among the estimates (weights ρ_c solving R ρ_c = b), and the corrected x_t
    replaces the predicted one before the next prediction. No extra network call: the x̂_0 the corrector uses is the
    one the next step needs anyway.
    """

    def __init__(self, chain, options):
        super().__init__(chain, options)
        self.last: tuple[int, torch.Tensor] | None = None  # (k, x) of the previous step's start
        self.last_order = 1

    def _update(self, x_s, s: Point, t: Point, m0, history: list[Estimate], rho: list[float], newest=None):
        """x_t = (σ_t/σ_s) x_s - α_t (e^{-h} - 1) [m0 + Σ_j ρ_j D_j], D_j = (m_j - m0)/r_j (older estimates) and, for
        the corrector, + ρ_last (m_t - m0) with the estimate made at t."""
        h = t.lam - s.lam
        B_h = math.expm1(-h)
        x = _scalar(t.sigma / s.sigma, x_s) * x_s - _scalar(t.alpha * B_h, x_s) * m0
        terms = [(e.x0 - m0) / ((e.lam - s.lam) / h) for e in history]
        if newest is not None:
            terms.append(newest - m0)
        if terms:
            correction = sum(_scalar(r, x_s) * d for r, d in zip(rho, terms, strict=True))
            x = x - _scalar(t.alpha * B_h, x_s) * correction
        return x

    def _correct(self, k: int, x_t: torch.Tensor, x0: torch.Tensor) -> torch.Tensor:
        """UniC-p with p = the order of the step that produced x_t."""
        k_last, x_last = self.last
        s, t = Point.at(self.chain, k_last), Point.at(self.chain, k)
        m0, older = self.estimates[-1], self.estimates[-self.last_order : -1]
        h = t.lam - s.lam
        b = _unipc_b(h, self.last_order)
        if self.last_order == 1:
            rho = [0.5]  # diffusers' simplified first-order corrector
        else:
            r = [(e.lam - s.lam) / h for e in older] + [1.0]
            R = torch.tensor([[rk**i for rk in r] for i in range(self.last_order)], dtype=torch.float64)
            rho = torch.linalg.solve(R, torch.tensor(b, dtype=torch.float64)).tolist()
        return self._update(x_last, s, t, m0.x0, older, rho, newest=x0)

    def step(self, k, x_t, eps, generator):
        x0 = predict_clipped_x0(self.chain, k, x_t, eps, self.options)  # from the sample the network saw
        if self.last is not None:
            x_t = self._correct(k, x_t, x0)
        self.remember(k, x0)
        order = self.step_order(k)
        self.last, self.last_order = (k, x_t), order
        s, t = Point.at(self.chain, k), Point.at(self.chain, k - 1)
        history = self.estimates[-order:-1]
        x_prev = self._update(x_t, s, t, x0, history, [0.5] * len(history))  # UniP-2: ρ_p = ½
        return StepOutput(x_prev, x0)
