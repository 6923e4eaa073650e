"""ddpm: a small, readable torch implementation of Denoising Diffusion Probabilistic Models (Ho et al. 2020)."""

from .errors import DDPMError
from .schedule import NoiseSchedule

__all__ = ["DDPMError", "NoiseSchedule"]
