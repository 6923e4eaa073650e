"""What a reverse run is asked to do: ``SamplingOptions``, one frozen, self-checking value, and the timesteps it walks.

The allowed values of every choice are the ``Literal`` types below; error messages read them with ``get_args``, so a
new sampler or spacing is added in one place.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import torch

from .checks import real, whole
from .errors import DDPMError

SamplerName = Literal["ddpm", "ddim", "dpmpp_2m", "dpmpp_2m_sde", "unipc"]
# The multistep solvers (``ddpm.solvers``) end on σ = 0 after their last visited timestep, as diffusers' do.
MULTISTEP_SOLVERS = ("dpmpp_2m", "dpmpp_2m_sde", "unipc")
VarianceType = Literal["fixed_small", "fixed_large"]
Spacing = Literal["leading", "trailing", "linspace"]


def check_choice(name: str, value: object, allowed: object) -> None:
    """``DDPMError`` naming the allowed values unless ``value`` is one of the ``Literal`` ``allowed``."""
    options = get_args(allowed)
    if value not in options:
        raise DDPMError(f"Unknown {name} {value!r}; choose one of {', '.join(options)}.")


@dataclass(frozen=True)
class SamplingOptions:
    """How to walk the reverse chain. Every field has the meaning diffusers gives its scheduler option of that name.

    sampler        "ddpm" (ancestral, Ho et al. 2020, Algorithm 2), "ddim" (Song et al. 2021), "dpmpp_2m" and
                   "dpmpp_2m_sde" (DPM-Solver++(2M), Lu et al. 2022, ODE and SDE) or "unipc" (Zhao et al. 2023)
    num_steps      K network calls on a respaced chain (``NoiseSchedule.respace``); None: all T timesteps
                   (T - 1 for the multistep solvers, whose last step goes on to σ = 0)
    eta            DDIM's η ∈ [0, 1]: 0 deterministic, 1 the DDPM posterior variance (ignored by the others)
    variance_type  DDPM's σ_t²: β̃_t ("fixed_small") or β_t ("fixed_large")
    clip_sample    clip x̂_0 to [-clip_range, clip_range] before it is used (diffusers' solvers never clip: pass False
                   to run them as diffusers does)
    spacing        how K timesteps are chosen from T: "leading", "trailing" or "linspace" (``timesteps_for``)
    """

    sampler: SamplerName = "ddpm"
    num_steps: int | None = None
    eta: float = 0.0
    variance_type: VarianceType = "fixed_small"
    clip_sample: bool = True
    clip_range: float = 1.0
    spacing: Spacing = "leading"

    def __post_init__(self):
        check_choice("sampler", self.sampler, SamplerName)
        check_choice("variance type", self.variance_type, VarianceType)
        check_choice("timestep spacing", self.spacing, Spacing)
        if self.num_steps is not None:
            object.__setattr__(self, "num_steps", whole(self.num_steps, "The number of sampling steps", 1))
        eta = check_eta(self.eta)
        clip_range = real(self.clip_range, "The clip range")
        if clip_range <= 0:
            raise DDPMError(f"The clip range must be positive; got {self.clip_range}.")
        if not isinstance(self.clip_sample, (bool, np.bool_)):
            raise DDPMError(f"clip_sample must be True or False; got {self.clip_sample!r}.")
        object.__setattr__(self, "eta", eta)
        object.__setattr__(self, "clip_range", clip_range)
        object.__setattr__(self, "clip_sample", bool(self.clip_sample))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes) -> SamplingOptions:
        """A copy with ``changes``; a value of None keeps this one's (so keyword front doors can pass every field).

        An unknown name is a ``DDPMError`` that lists the fields."""
        names = self.field_names()
        unknown = sorted(set(changes) - set(names))
        if unknown:
            raise DDPMError(f"Unknown sampling option {', '.join(unknown)}; the options are {', '.join(names)}.")
        given = {name: value for name, value in changes.items() if value is not None}
        return dataclasses.replace(self, **given) if given else self

    @classmethod
    def from_scheduler_config(cls, config: dict) -> SamplingOptions:
        """The defaults a diffusers ``scheduler_config.json`` implies (DDPMScheduler's own defaults where absent)."""
        return cls(
            variance_type=config.get("variance_type", "fixed_small"),
            clip_sample=config.get("clip_sample", True),
            clip_range=config.get("clip_sample_range", 1.0),
            spacing=config.get("timestep_spacing", "leading"),
        )

    @property
    def deterministic(self) -> bool:
        """True when the run is a function of x_T alone (a probability-flow ODE solver): no noise after x_T."""
        return self.sampler in ("dpmpp_2m", "unipc") or (self.sampler == "ddim" and self.eta == 0)

    def timesteps(self, num_train_timesteps: int) -> torch.Tensor:
        """The training timesteps these options visit, descending (all T when ``num_steps`` is None)."""
        if self.sampler in MULTISTEP_SOLVERS:
            return solver_timesteps(num_train_timesteps, self.num_steps, self.spacing)
        return timesteps_for(num_train_timesteps, self.num_steps or num_train_timesteps, self.spacing)


def check_eta(eta: object) -> float:
    """DDIM's η as a float in [0, 1], else a ``DDPMError``."""
    return real(eta, "DDIM η", 0.0, 1.0)


def timesteps_for(
    num_train_timesteps: int, num_steps: int, spacing: Spacing = "leading", steps_offset: int = 0
) -> torch.Tensor:
    """The K = ``num_steps`` training timesteps a sampler visits, in the order it visits them (descending),
    spaced exactly as diffusers' DDPMScheduler/DDIMScheduler ``set_timesteps`` space them."""
    check_choice("timestep spacing", spacing, Spacing)
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


def solver_timesteps(num_train_timesteps: int, num_steps: int | None, spacing: Spacing = "leading") -> torch.Tensor:
    """The K timesteps a multistep solver visits, as diffusers' DPMSolverMultistepScheduler and UniPCMultistepScheduler
    ``set_timesteps`` choose them: K + 1 points of the spacing with the clean end dropped (the last step goes on to
    σ = 0 instead); "trailing" gives the same K as for DDIM. None: as many as the spacing allows (T - 1 or T)."""
    check_choice("timestep spacing", spacing, Spacing)
    T = int(num_train_timesteps)
    if spacing == "trailing":
        return timesteps_for(T, num_steps or T, spacing)
    K = num_steps or T - 1
    if not 1 <= K <= T - 1:
        raise DDPMError(f"The multistep solvers take between 1 and {T - 1} steps with {spacing} spacing; got {K}.")
    return timesteps_for(T, K + 1, spacing)[:-1]
