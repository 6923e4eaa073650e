"""Noise schedules: the β_t table and every table derived from it, in float64.

Notation follows Ho et al. 2020 ("Denoising Diffusion Probabilistic Models"), with 0-based timesteps like diffusers:
t ∈ {0, …, T-1}, α_t = 1 - β_t, ᾱ_t = ∏_{s≤t} α_s, and ᾱ_{-1} = 1 (stored as ``alpha_bars_prev[0]``).
Everything here is computed in float64 ("computations here in float64 for accuracy", Ho's diffusion_utils_2.py)
and cast to the sample's dtype only where a value is used (see ``extract``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, get_args

import torch

from .checks import real, whole
from .errors import DDPMError

ScheduleKind = Literal["linear", "quadratic", "sigmoid", "cosine"]
SCHEDULE_KINDS: tuple[str, ...] = get_args(ScheduleKind)

# Our names ↔ the `beta_schedule` names of diffusers' scheduler_config.json.
DIFFUSERS_BETA_SCHEDULE = {
    "linear": "linear",
    "quadratic": "scaled_linear",
    "sigmoid": "sigmoid",
    "cosine": "squaredcos_cap_v2",
}
_FROM_DIFFUSERS = {v: k for k, v in DIFFUSERS_BETA_SCHEDULE.items()}

DEFAULT_BETA_START = 1e-4  # Ho et al. 2020, Sec. 4
DEFAULT_BETA_END = 0.02
DEFAULT_COSINE_S = 0.008  # Nichol & Dhariwal 2021, Eq. 17
DEFAULT_MAX_BETA = 0.999
MAX_TIMESTEPS = 100_000  # T beyond this is refused before any table is allocated (DDPM uses 1000)


def extract(table: torch.Tensor, t: torch.Tensor | int, x: torch.Tensor) -> torch.Tensor:
    """``table[t]`` cast to x's dtype, moved to x's device, and shaped to broadcast against x (B, C, H, W).

    The one place where a float64 table meets a sample (improved-diffusion's ``_extract_into_tensor``). ``t`` is
    an int (one timestep for the whole batch) or a (B,) integer tensor. The cast happens on the CPU, so MPS
    (no float64) works too.
    """
    if isinstance(t, int):
        return table[t].to(x.dtype).to(x.device).reshape((1,) * x.ndim)
    assert t.shape == (x.shape[0],), f"t must be (B,) = ({x.shape[0]},), got {tuple(t.shape)}"
    return table[t.cpu()].to(x.dtype).to(x.device).reshape((x.shape[0],) + (1,) * (x.ndim - 1))


def _linear_betas(T: int, beta_start: float, beta_end: float) -> torch.Tensor:
    return torch.linspace(beta_start, beta_end, T, dtype=torch.float64)


def _quadratic_betas(T: int, beta_start: float, beta_end: float) -> torch.Tensor:
    # Linear in √β, then squared (diffusers: "scaled_linear", used by latent diffusion).
    return torch.linspace(beta_start**0.5, beta_end**0.5, T, dtype=torch.float64) ** 2


def _sigmoid_betas(T: int, beta_start: float, beta_end: float) -> torch.Tensor:
    # As diffusers defines it: sigmoid(linspace(-6, 6, T)) rescaled to [β_start, β_end].
    return torch.sigmoid(torch.linspace(-6, 6, T, dtype=torch.float64)) * (beta_end - beta_start) + beta_start


def _cosine_betas(T: int, s: float, max_beta: float) -> torch.Tensor:
    # Nichol & Dhariwal 2021, Eq. 17: ᾱ(τ) = f(τ)/f(0), f(τ) = cos²((τ/T + s)/(1 + s) · π/2);
    # β_t = 1 - ᾱ(t+1)/ᾱ(t), clipped at max_beta to avoid the singularity at τ = T.
    def f(tau: float) -> float:
        return math.cos((tau + s) / (1 + s) * math.pi / 2) ** 2

    betas = [min(1 - f((i + 1) / T) / f(i / T), max_beta) for i in range(T)]
    return torch.tensor(betas, dtype=torch.float64)


class NoiseSchedule:
    """A variance schedule β_0…β_{T-1} and its derived float64 tables.

    Tables (all shape (T,)): ``betas, alphas, alpha_bars, alpha_bars_prev, sqrt_alpha_bars,
    sqrt_one_minus_alpha_bars, posterior_variance, posterior_log_variance_clipped, posterior_mean_coef1,
    posterior_mean_coef2, snr, log_snr, snr_db``. ``q_sample`` and ``q_mean_variance`` give the
    marginals q(x_t | x_0) of Eq. 4. ``timesteps[i]`` is the timestep of the original (training) chain that
    position i stands for: ``arange(T)`` for a full schedule, the kept timesteps for a ``respace``d one.
    """

    def __init__(
        self,
        betas: torch.Tensor | Sequence[float],
        kind: str = "custom",
        params: dict | None = None,
        timesteps: torch.Tensor | None = None,
    ):
        betas = torch.as_tensor(betas, dtype=torch.float64).detach().clone().cpu()
        if betas.ndim != 1 or betas.numel() < 1:
            raise DDPMError("A schedule needs a 1-D table of at least one β.")
        if not torch.isfinite(betas).all() or (betas <= 0).any() or (betas >= 1).any():
            raise DDPMError(
                f"Every β_t must lie strictly between 0 and 1; got min {betas.min().item():.3g}, "
                f"max {betas.max().item():.3g}."
            )
        self.kind = kind
        self.params = dict(params or {})
        self.timesteps = torch.arange(len(betas)) if timesteps is None else torch.as_tensor(timesteps, dtype=torch.long)
        assert self.timesteps.shape == betas.shape

        self.betas = betas
        self.alphas = 1.0 - betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)
        self.alpha_bars_prev = torch.cat([torch.ones(1, dtype=torch.float64), self.alpha_bars[:-1]])
        self.sqrt_alpha_bars = self.alpha_bars.sqrt()
        self.sqrt_one_minus_alpha_bars = (1.0 - self.alpha_bars).sqrt()

        # Eq. 7: q(x_{t-1} | x_t, x_0) = N(μ̃_t, β̃_t I) with
        #   β̃_t = (1 - ᾱ_{t-1}) / (1 - ᾱ_t) · β_t
        #   μ̃_t = √ᾱ_{t-1} β_t / (1 - ᾱ_t) · x_0 + √α_t (1 - ᾱ_{t-1}) / (1 - ᾱ_t) · x_t
        self.posterior_variance = (1.0 - self.alpha_bars_prev) / (1.0 - self.alpha_bars) * betas
        # β̃_0 = 0, so its log is clipped to log β̃_1 (as in Ho et al.'s and improved-diffusion's code).
        self.posterior_log_variance_clipped = torch.log(
            torch.cat([self.posterior_variance[1:2], self.posterior_variance[1:]]) if len(betas) > 1 else betas
        )
        self.posterior_mean_coef1 = self.alpha_bars_prev.sqrt() * betas / (1.0 - self.alpha_bars)
        self.posterior_mean_coef2 = self.alphas.sqrt() * (1.0 - self.alpha_bars_prev) / (1.0 - self.alpha_bars)

        # Signal-to-noise ratio of x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε (Kingma et al. 2021): SNR(t) = ᾱ_t / (1 - ᾱ_t).
        self.snr = self.alpha_bars / (1.0 - self.alpha_bars)
        self.log_snr = torch.log(self.snr)
        self.snr_db = 10.0 * torch.log10(self.snr)  # the same in decibels, as a signal engineer reads it

    # ----------------------------------------------------------------------------------------------- construction
    @classmethod
    def make(cls, kind: str = "linear", num_timesteps: int = 1000, **params) -> NoiseSchedule:
        """Build a named schedule: "linear", "quadratic", "sigmoid" (params beta_start, beta_end) or "cosine"
        (params s, max_beta)."""
        T = whole(num_timesteps, "The number of timesteps T", 2, MAX_TIMESTEPS)
        if kind == "cosine":
            unknown = set(params) - {"s", "max_beta"}
            p = {
                "s": real(params.get("s", DEFAULT_COSINE_S), "The cosine offset s"),
                "max_beta": real(params.get("max_beta", DEFAULT_MAX_BETA), "max_beta"),
            }
            if unknown:
                raise DDPMError(f"The cosine schedule takes s and max_beta, not {', '.join(sorted(unknown))}.")
            if not (p["s"] >= 0 and 0 < p["max_beta"] < 1):
                raise DDPMError(
                    f"Cosine schedule needs s ≥ 0 and 0 < max_beta < 1; got s={p['s']}, max_beta={p['max_beta']}."
                )
            return cls(_cosine_betas(T, p["s"], p["max_beta"]), kind, p)
        builders = {"linear": _linear_betas, "quadratic": _quadratic_betas, "sigmoid": _sigmoid_betas}
        if kind not in builders:
            raise DDPMError(f"Unknown schedule {kind!r}; choose one of {', '.join(SCHEDULE_KINDS)}.")
        unknown = set(params) - {"beta_start", "beta_end"}
        if unknown:
            raise DDPMError(f"The {kind} schedule takes beta_start and beta_end, not {', '.join(sorted(unknown))}.")
        p = {
            "beta_start": real(params.get("beta_start", DEFAULT_BETA_START), "β_start"),
            "beta_end": real(params.get("beta_end", DEFAULT_BETA_END), "β_end"),
        }
        if not 0 < p["beta_start"] < p["beta_end"] < 1:
            raise DDPMError(f"Need 0 < β_start < β_end < 1; got β_start={p['beta_start']:g}, β_end={p['beta_end']:g}.")
        return cls(builders[kind](T, p["beta_start"], p["beta_end"]), kind, p)

    @classmethod
    def from_betas(cls, betas: torch.Tensor | Sequence[float]) -> NoiseSchedule:
        return cls(betas)

    @classmethod
    def from_config(cls, config: dict) -> NoiseSchedule:
        """From a diffusers ``scheduler_config.json`` dict (DDPMScheduler / DDIMScheduler keys)."""
        T = whole(config.get("num_train_timesteps", 1000), "num_train_timesteps", 2, MAX_TIMESTEPS)
        if config.get("trained_betas") is not None:
            betas = config["trained_betas"]
            if not isinstance(betas, list) or not 2 <= len(betas) <= MAX_TIMESTEPS:
                raise DDPMError(f"trained_betas must be a list of 2 to {MAX_TIMESTEPS} numbers.")
            return cls.from_betas([real(beta, "Every trained β") for beta in betas])
        name = config.get("beta_schedule", "linear")
        if not isinstance(name, str) or name not in _FROM_DIFFUSERS:
            raise DDPMError(f"beta_schedule {name!r} is not supported; use one of {', '.join(_FROM_DIFFUSERS)}.")
        kind = _FROM_DIFFUSERS[name]
        if kind == "cosine":
            return cls.make(kind, T)
        return cls.make(
            kind,
            T,
            beta_start=real(config.get("beta_start", DEFAULT_BETA_START), "beta_start"),
            beta_end=real(config.get("beta_end", DEFAULT_BETA_END), "beta_end"),
        )

    def to_config(self) -> dict:
        """The schedule part of a diffusers ``scheduler_config.json``."""
        if self.kind not in DIFFUSERS_BETA_SCHEDULE or not self.is_full_chain:
            return {"num_train_timesteps": self.num_timesteps, "trained_betas": self.betas.tolist()}
        cfg = {"num_train_timesteps": self.num_timesteps, "beta_schedule": DIFFUSERS_BETA_SCHEDULE[self.kind]}
        if self.kind != "cosine":
            cfg.update(beta_start=self.params["beta_start"], beta_end=self.params["beta_end"])
        return cfg

    # ------------------------------------------------------------------------------------------------ properties
    @property
    def num_timesteps(self) -> int:
        return len(self.betas)

    def __len__(self) -> int:
        return self.num_timesteps

    @property
    def is_full_chain(self) -> bool:
        return bool(torch.equal(self.timesteps, torch.arange(self.num_timesteps)))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"NoiseSchedule({self.kind!r}, T={self.num_timesteps}{', ' + params if params else ''})"

    def t_at_snr(self, snr: float = 1.0) -> int | None:
        """The first timestep whose SNR(t) = ᾱ_t / (1 - ᾱ_t) has fallen to ``snr`` or below (None if never).

        SNR decreases with t, so for ``snr = 1`` this is where signal and noise carry equal variance.
        """
        below = torch.nonzero(self.snr <= snr)
        return int(below[0]) if len(below) else None

    # ---------------------------------------------------------------------------------------------------- chains
    def respace(self, timesteps: Sequence[int] | torch.Tensor) -> NoiseSchedule:
        """The schedule of the shorter chain that visits only ``timesteps`` (any order; used sorted ascending).

        The kept marginals are unchanged, ᾱ'_k = ᾱ_{t_k}, which forces β'_k = 1 - ᾱ_{t_k} / ᾱ_{t_{k-1}}
        (with ᾱ_{t_{-1}} = 1). This is the fix diffusers needed for DDPM with fewer steps than trained (PR #2076).
        """
        ts = torch.as_tensor(timesteps, dtype=torch.long).unique(sorted=True)
        if ts.numel() < 1 or ts[0] < 0 or ts[-1] >= self.num_timesteps:
            raise DDPMError(f"Respacing needs at least one timestep, all within 0…{self.num_timesteps - 1}.")
        kept = self.alpha_bars[ts]
        prev = torch.cat([torch.ones(1, dtype=torch.float64), kept[:-1]])
        betas = 1.0 - kept / prev
        return NoiseSchedule(betas, kind=self.kind, params=self.params, timesteps=self.timesteps[ts])

    # -------------------------------------------------------------------------------------- marginals q(x_t | x_0)
    def q_mean_variance(self, x0: torch.Tensor, t: torch.Tensor | int) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean √ᾱ_t x_0 and variance 1 - ᾱ_t (broadcastable) of q(x_t | x_0) (Eq. 4). x0: (B, …); t: int or (B,)."""
        return extract(self.sqrt_alpha_bars, t, x0) * x0, extract(1.0 - self.alpha_bars, t, x0)

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor | int, noise: torch.Tensor) -> torch.Tensor:
        """Sample x_t ~ q(x_t | x_0) in closed form. x0, noise: (B, …); t: int or (B,)."""
        assert noise.shape == x0.shape
        # Eq. 4: q(x_t | x_0) = N(√ᾱ_t x_0, (1 - ᾱ_t) I), i.e. x_t = √ᾱ_t x_0 + √(1 - ᾱ_t) ε.
        return extract(self.sqrt_alpha_bars, t, x0) * x0 + extract(self.sqrt_one_minus_alpha_bars, t, x0) * noise
